#include "libltp/admin/command_words.h"

#include <fmt/format.h>

#include <algorithm>

#include "libltp/db/security_records.h"

namespace ltp::admin {

Result<void, std::string> expect_tokens(const Tokens& tokens, std::size_t min, std::size_t max,
                                        std::string_view usage) {
  if (tokens.size() < min) {
    return failure(fmt::format("too few arguments; usage: {}", usage));
  }
  if (tokens.size() > max) {
    return failure(
        fmt::format("too many arguments (quote a command that has blanks); usage: {}", usage));
  }
  return success();
}

std::string unknown_command(const Tokens& tokens, std::string_view language) {
  const std::string words =
      tokens.size() > 1 ? fmt::format("{} {}", tokens[0], tokens[1]) : tokens[0];
  return fmt::format("unknown {} command `{}`; `h` lists the commands", language, words);
}

Result<bool, std::string> parse_switch(std::string_view token, std::string_view what) {
  if (token == "y" || token == "on" || token == "1") return true;
  if (token == "n" || token == "off" || token == "0") return false;
  return failure(fmt::format("{}: `{}` is not one of y, n, on, off, 1, 0", what, token));
}

Result<bool, std::string> parse_echo(const Tokens& tokens) {
  BOOST_OUTCOME_TRY(expect_tokens(tokens, 2, 2, "e {0|1}"));
  if (tokens[1] != "0" && tokens[1] != "1") {
    return failure(fmt::format("e: `{}` is not 0 or 1", tokens[1]));
  }
  return tokens[1] == "1";
}

Result<void, std::string> check_key_name(std::string_view name) {
  const bool printable =
      std::all_of(name.begin(), name.end(), [](char ch) { return ch > ' ' && ch < 0x7f; });
  if (name.empty() || name.size() >= db::kKeyNameBytes || !printable) {
    return failure(fmt::format("key name `{}`: give 1 to {} printable characters without blanks",
                               name, db::kKeyNameBytes - 1));
  }
  return success();
}

}  // namespace ltp::admin
