#include "libltp/admin/tokenizer.h"

#include <fmt/format.h>

namespace ltp::admin {

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

Result<Tokens, std::string> tokenize(std::string_view line) {
  Tokens tokens;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    if (tokens.empty() && line[i] == '#') return Tokens{};
    std::string token;
    if (line[i] == '\'') {
      const std::size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return failure(
            std::string("unbalanced quote: a quoted command must end with ' on the same line"));
      }
      token.assign(line.substr(i + 1, close - i - 1));
      i = close + 1;
      if (i < line.size() && !is_blank(line[i])) {
        return failure(std::string("a closing quote must be followed by a blank"));
      }
    } else {
      const std::size_t start = i;
      while (i < line.size() && !is_blank(line[i])) {
        if (line[i] == '\'') {
          return failure(std::string("a quote may only start a token"));
        }
        ++i;
      }
      token.assign(line.substr(start, i - start));
    }
    tokens.push_back(std::move(token));
  }
  if (tokens.size() > kMaxTokens) {
    return failure(
        fmt::format("{} tokens on the line; at most {} are allowed (quote an "
                    "LSO/LSI command so it counts as one)",
                    tokens.size(), kMaxTokens));
  }
  return tokens;
}

}  // namespace ltp::admin
