#include "libltp/admin/command_words.h"

#include <fmt/format.h>

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

}  // namespace ltp::admin
