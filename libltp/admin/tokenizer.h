// Tokenizer for ION's admin command lines (.ltprc, .ionrc, interactive).
//
// Called by the script runner (script.h) for every line before a language
// parser sees it. ION's rules: tokens are separated by blanks, a single-
// quoted string is one token (so an LSO/LSI command with its arguments
// stays whole), a line whose first token starts with `#` is a comment, a
// blank line is nothing, and a line has at most 12 tokens.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/result.h"

namespace ltp::admin {

inline constexpr std::size_t kMaxTokens = 12;

using Tokens = std::vector<std::string>;

// Empty for a blank or comment line; an error message (without FILE:LINE)
// for an unbalanced quote or too many tokens.
Result<Tokens, std::string> tokenize(std::string_view line);

}  // namespace ltp::admin
