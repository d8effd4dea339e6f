// Small helpers shared by the ltprc and ionrc parsers: token-count checks
// and the wording of their errors, so both languages complain alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ipc/result.h"
#include "libltp/admin/tokenizer.h"

namespace ltp::admin {

// Fails unless min <= tokens.size() <= max, with `usage` in the message.
Result<void, std::string> expect_tokens(const Tokens& tokens, std::size_t min, std::size_t max,
                                        std::string_view usage);

std::string unknown_command(const Tokens& tokens, std::string_view language);

// `y|n|on|off|1|0` (ION's spellings of a switch).
Result<bool, std::string> parse_switch(std::string_view token, std::string_view what);

}  // namespace ltp::admin
