// security_records.h: the heap records of the LTP security database —
// named keys and RFC 5327 authentication rules, per engine and direction.
//
// Kept apart from the LTP database (records.h) under its own root
// ("ltpsecdb") and format version, as ION keeps its security database
// apart from its LTP database: a node without security configured has
// none, and adding one changes no record the engine already uses.
// SecurityDb (security_db.h) is the only writer; the engine reads rules
// and keys per segment and counts into the rules.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "ipc/heap_format.h"

namespace ltp::db {

// Format 2 added cookie rules (SecurityRoot::cookie_rules).
inline constexpr std::uint64_t kSecurityDbFormatVersion = 2;
inline constexpr char kSecurityDbRootName[] = "ltpsecdb";
// ION: key names up to 31 characters.
inline constexpr std::size_t kKeyNameBytes = 32;
// HMAC hashes longer keys down to the digest size, so more buys nothing.
inline constexpr std::size_t kMaxKeyBytes = 256;

struct KeyRecord {
  std::array<char, kKeyNameBytes> name{};  // NUL-terminated
  std::uint64_t length = 0;
  std::array<std::uint8_t, kMaxKeyBytes> value{};
};

// `a ltprecvauthrule|ltpxmitauthrule <engine> <ciphersuite> [<key name>]`,
// with what it has done so far.
struct AuthRuleRecord {
  std::uint64_t engine_id = 0;
  std::uint64_t ciphersuite = 0;               // codec::Ciphersuite
  std::array<char, kKeyNameBytes> key_name{};  // empty for the NULL ciphersuite
  std::uint64_t segments_passed = 0;           // receive: verified; transmit: signed
  std::uint64_t segments_refused = 0;          // receive: dropped unverified
};

// `a ltpcookierule <engine>` (OpenLTP's; RFC 5327 cookies, tag 0x01):
// the cookie of each session with that engine, and what was checked.
// Export cookies are drawn when the session's first segment leaves;
// import cookies are the ones the session's first segment carried. Both
// are forgotten with the closed session's memory.
struct CookieRuleRecord {
  std::uint64_t engine_id = 0;
  std::uint64_t segments_passed = 0;   // arrived with the session's cookie
  std::uint64_t segments_refused = 0;  // dropped: no cookie, or another
  ipc::Addr export_cookies = 0;        // PHashMap our session number -> cookie
  ipc::Addr import_cookies = 0;        // PHashMap its session number -> cookie
};

struct SecurityRoot {
  std::uint64_t format_version = 0;
  ipc::Addr keys = 0;          // PList of KeyRecord
  ipc::Addr recv_rules = 0;    // PHashMap engine id -> AuthRuleRecord
  ipc::Addr xmit_rules = 0;    // PHashMap engine id -> AuthRuleRecord
  ipc::Addr cookie_rules = 0;  // PHashMap engine id -> CookieRuleRecord (format 2)
};

static_assert(std::is_trivially_copyable_v<KeyRecord>);
static_assert(std::is_trivially_copyable_v<AuthRuleRecord>);
static_assert(std::is_trivially_copyable_v<CookieRuleRecord>);
static_assert(std::is_trivially_copyable_v<SecurityRoot>);

}  // namespace ltp::db
