#include <fmt/format.h>

#include "libltp/admin/ciphersuites.h"
#include "libltp/admin/command_words.h"
#include "libltp/admin/ltpsecrc_commands.h"
#include "libltp/admin/values.h"

namespace ltp::admin::ltpsecrc {

namespace {

// `a|c <rule word> <engine> <ciphersuite> [<key name>]`
Result<RuleArgs, std::string> parse_rule(const Tokens& t, AuthDirection direction) {
  BOOST_OUTCOME_TRY(expect_tokens(
      t, 4, 5,
      fmt::format("{} {} <engine> <ciphersuite> [<key name>]", t[0], rule_word(direction))));
  BOOST_OUTCOME_TRY(engine, parse_uint(t[2], "engine number", 1, UINT64_MAX));
  BOOST_OUTCOME_TRY(suite, parse_ciphersuite(t[3]));
  RuleArgs rule{direction, engine, suite, {}, std::nullopt};
  if (!codec::needs_key(suite)) {
    if (t.size() == 5) rule.ignored_key = t[4];
    return rule;
  }
  if (t.size() == 4) {
    return failure(fmt::format(
        "ciphersuite {} needs a key name: add the key with ionsecadmin's `a key <name> <file>` "
        "and name it after the ciphersuite",
        describe_ciphersuite(static_cast<std::uint64_t>(suite))));
  }
  BOOST_OUTCOME_TRY(check_key_name(t[4]));
  rule.key_name = t[4];
  return rule;
}

Result<Command, std::string> parse_rule_command(const Tokens& t, AuthDirection direction) {
  const std::string& verb = t[0];
  if (verb == "a" || verb == "c") {
    BOOST_OUTCOME_TRY(rule, parse_rule(t, direction));
    if (verb == "a") return Command{AddRule{std::move(rule)}};
    return Command{ChangeRule{std::move(rule)}};
  }
  if (verb == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, fmt::format("l {}", rule_word(direction))));
    return Command{ListRules{direction}};
  }
  BOOST_OUTCOME_TRY(
      expect_tokens(t, 3, 3, fmt::format("{} {} <engine>", verb, rule_word(direction))));
  BOOST_OUTCOME_TRY(engine, parse_uint(t[2], "engine number", 1, UINT64_MAX));
  if (verb == "d") return Command{DeleteRule{direction, engine}};
  return Command{InfoRule{direction, engine}};
}

Result<Command, std::string> parse_cookie_command(const Tokens& t) {
  const std::string& verb = t[0];
  if (verb == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, fmt::format("l {}", kCookieRuleWord)));
    return Command{ListCookieRules{}};
  }
  if (verb == "c") {
    return failure(fmt::format("a {} has nothing to change: `d` it or `a` it", kCookieRuleWord));
  }
  BOOST_OUTCOME_TRY(expect_tokens(t, 3, 3, fmt::format("{} {} <engine>", verb, kCookieRuleWord)));
  BOOST_OUTCOME_TRY(engine, parse_uint(t[2], "engine number", 1, UINT64_MAX));
  if (verb == "a") return Command{AddCookieRule{engine}};
  if (verb == "d") return Command{DeleteCookieRule{engine}};
  return Command{InfoCookieRule{engine}};
}

}  // namespace

std::string_view rule_word(AuthDirection direction) {
  return direction == AuthDirection::receive ? "ltprecvauthrule" : "ltpxmitauthrule";
}

Result<Command, std::string> parse(const Tokens& t) {
  const std::string& verb = t[0];
  const bool table_verb = verb == "a" || verb == "c" || verb == "d" || verb == "i" || verb == "l";
  if (table_verb && t.size() >= 2) {
    if (t[1] == rule_word(AuthDirection::receive)) {
      return parse_rule_command(t, AuthDirection::receive);
    }
    if (t[1] == rule_word(AuthDirection::transmit)) {
      return parse_rule_command(t, AuthDirection::transmit);
    }
    if (t[1] == kCookieRuleWord) return parse_cookie_command(t);
  }
  if (verb == "e") {
    BOOST_OUTCOME_TRY(on, parse_echo(t));
    return Command{Echo{on}};
  }
  const bool single = verb == "v" || verb == "h" || verb == "?" || verb == "q";
  if (!single) return failure(unknown_command(t, "ltpsecrc"));
  BOOST_OUTCOME_TRY(expect_tokens(t, 1, 1, verb));
  if (verb == "v") return Command{Version{}};
  if (verb == "q") return Command{Quit{}};
  return Command{Help{}};
}

std::string_view help_text() {
  return "ltpsecrc commands (RFC 5327 authentication and cookies per remote engine):\n"
         "  a ltprecvauthrule <engine> <ciphersuite> [<key name>]\n"
         "                   segments from <engine> must carry a valid MAC\n"
         "  a ltpxmitauthrule <engine> <ciphersuite> [<key name>]\n"
         "                   segments to <engine> are signed\n"
         "  c ltprecvauthrule|ltpxmitauthrule (same arguments)   change a rule\n"
         "  d|i ltprecvauthrule|ltpxmitauthrule <engine>          delete, show a rule\n"
         "  l ltprecvauthrule|ltpxmitauthrule                     list the rules\n"
         "  a|d|i ltpcookierule <engine>   (OpenLTP peers only) every session with\n"
         "                   <engine> carries a cookie; segments without it are dropped\n"
         "  l ltpcookierule                list the cookie rules\n"
         "  ciphersuites: 0 HMAC-SHA1-80 (key), 192 HMAC-SHA256-128 (key, OpenLTP\n"
         "                peers only), 255 NULL (no key: integrity, not security)\n"
         "  keys are named with ionsecadmin's `a key <name> <file>`\n"
         "  e {0|1}   echo    v   version    h, ?   this help    q   quit    # comment\n";
}

}  // namespace ltp::admin::ltpsecrc
