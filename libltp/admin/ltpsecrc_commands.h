// The ltpsecrc command language (ltpsecadmin) as typed commands: RFC 5327
// authentication rules per remote engine, one for what we receive from it
// (`ltprecvauthrule`) and one for what we send to it (`ltpxmitauthrule`).
//
// parse() turns one tokenized line into a Command; LtpsecrcAdmin
// (ltpsecrc_admin.h) executes it. Ciphersuites are checked here
// (ciphersuites.h); that a named key exists is checked when the rule is
// applied. See docs/config.md and ltpsecrc(5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ipc/result.h"
#include "libltp/admin/tokenizer.h"
#include "libltp/codec/auth.h"
#include "libltp/db/security_db.h"

namespace ltp::admin::ltpsecrc {

using db::AuthDirection;

// `a|c ltprecvauthrule|ltpxmitauthrule <engine> <ciphersuite> [<key name>]`
struct RuleArgs {
  AuthDirection direction;
  std::uint64_t engine_id;
  codec::Ciphersuite suite;
  std::string key_name;  // empty for the NULL ciphersuite
  // A key name given with the NULL ciphersuite, which ION ignores too.
  std::optional<std::string> ignored_key;
};
struct AddRule {
  RuleArgs rule;
};
struct ChangeRule {
  RuleArgs rule;
};
struct DeleteRule {
  AuthDirection direction;
  std::uint64_t engine_id;
};
struct InfoRule {
  AuthDirection direction;
  std::uint64_t engine_id;
};
struct ListRules {
  AuthDirection direction;
};
// `a|d|i ltpcookierule <engine>`, `l ltpcookierule` (OpenLTP's, not ION's):
// RFC 5327 cookies on every session with that engine.
struct AddCookieRule {
  std::uint64_t engine_id;
};
struct DeleteCookieRule {
  std::uint64_t engine_id;
};
struct InfoCookieRule {
  std::uint64_t engine_id;
};
struct ListCookieRules {};
struct Echo {
  bool on;
};
struct Version {};
struct Help {};
struct Quit {};

using Command =
    std::variant<AddRule, ChangeRule, DeleteRule, InfoRule, ListRules, AddCookieRule,
                 DeleteCookieRule, InfoCookieRule, ListCookieRules, Echo, Version, Help, Quit>;

// `tokens` is a non-empty, non-comment line from tokenize().
Result<Command, std::string> parse(const Tokens& tokens);

std::string_view help_text();

// `ltprecvauthrule` or `ltpxmitauthrule`.
std::string_view rule_word(AuthDirection direction);
inline constexpr std::string_view kCookieRuleWord = "ltpcookierule";

}  // namespace ltp::admin::ltpsecrc
