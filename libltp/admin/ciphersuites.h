// The RFC 5327 ciphersuites as operators name them: the numbers ltpsecrc
// accepts and the names listings print.
//
// Called by the ltpsecrc parser (a rule's ciphersuite) and by
// LtpsecrcAdmin and ltpstat (names in listings). Which suites exist and
// what they compute is the codec's (libltp/codec/auth.h); this file only
// says which of them an operator may choose.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/result.h"
#include "libltp/codec/auth.h"

namespace ltp::admin {

// 0 HMAC-SHA1-80, 192 HMAC-SHA256-128, 255 NULL; anything else, RSA-SHA256
// (1) included, is refused with a message listing those three.
Result<codec::Ciphersuite, std::string> parse_ciphersuite(std::string_view token);

// "HMAC-SHA1-80", ..., or "unknown" for a number we do not know.
std::string_view ciphersuite_name(std::uint64_t suite);

// `0 (HMAC-SHA1-80)`.
std::string describe_ciphersuite(std::uint64_t suite);

}  // namespace ltp::admin
