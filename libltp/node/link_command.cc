#include "libltp/node/link_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "libltp/node/spawn.h"
#include "libltp/udp/endpoint.h"

namespace ltp::node {

Result<void, std::string> check_link_command(std::string_view command, admin::LinkSide side,
                                             const std::filesystem::path& bin_dir) {
  const char* what = side == admin::LinkSide::output ? "LSO" : "LSI";
  std::istringstream in{std::string(command)};
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  if (words.empty()) {
    return failure(fmt::format("the {} command names no program (e.g. 'udp{} 127.0.0.1:1113')",
                               what, side == admin::LinkSide::output ? "lso" : "lsi"));
  }
  if (!resolve_program(words[0], bin_dir)) {
    return failure(fmt::format(
        "cannot find the {} program `{}` (looked next to this program, in $OPENLTP_BIN_DIR and on "
        "$PATH): give its path, install it, or fix the name",
        what, words[0]));
  }
  // OpenLTP's own link services: their first argument not an option is
  // the address.
  const std::string program = std::filesystem::path(words[0]).filename().string();
  const auto first_argument =
      std::find_if(words.begin() + 1, words.end(), [](const auto& w) { return w[0] != '-'; });
  if ((program == "udplso" || program == "udplsi") && first_argument != words.end()) {
    const std::string& text = *first_argument;
    auto address = udp::split_host_port(text);
    if (!address) {
      return failure(
          fmt::format("{}: bad address `{}`: {}", program, text, address.error().message));
    }
    if (program == "udplso" && address.value().port == 0) {
      return failure(fmt::format("udplso: bad address `{}`: cannot send to port 0", text));
    }
  }
  return success();
}

}  // namespace ltp::node
