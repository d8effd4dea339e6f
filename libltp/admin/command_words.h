// Small helpers shared by the admin parsers (ltprc, ionrc, ionsecrc,
// ltpsecrc): token-count checks and the wording of their errors, so every
// language complains alike.
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

// `e {0|1}`: whether echo goes on.
Result<bool, std::string> parse_echo(const Tokens& tokens);

// A key name as the security database keeps it: 1..31 printable
// characters without blanks.
Result<void, std::string> check_key_name(std::string_view name);

}  // namespace ltp::admin
