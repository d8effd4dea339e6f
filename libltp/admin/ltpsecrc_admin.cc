#include "libltp/admin/ltpsecrc_admin.h"

#include <fmt/format.h>

#include "libltp/admin/ciphersuites.h"
#include "libltp/admin/security_access.h"
#include "libltp/admin/transact.h"

namespace ltp::admin {

namespace {

using db::AuthDirection;
using db::DbError;
using ltpsecrc::rule_word;

db::AuthRule to_rule(const ltpsecrc::RuleArgs& args) {
  db::AuthRule rule;
  rule.engine_id = args.engine_id;
  rule.ciphersuite = static_cast<std::uint64_t>(args.suite);
  rule.key_name = args.key_name;
  return rule;
}

// One call operator per ltpsecrc command; each returns what the line produced.
class Applier {
 public:
  explicit Applier(ipc::Transaction& txn) : txn_(txn) {}
  using Out = Result<LineOutcome, std::string>;

  Out operator()(const ltpsecrc::AddRule& c) {
    BOOST_OUTCOME_TRY(secdb, open_security_db(txn_));
    if (auto r = secdb.add_rule(txn_, c.rule.direction, to_rule(c.rule)); !r) {
      if (r.error() == DbError::already_exists) {
        return failure(fmt::format("there is already an {} for engine {}; use `c {}` to change it",
                                   rule_word(c.rule.direction), c.rule.engine_id,
                                   rule_word(c.rule.direction)));
      }
      return rule_failure(r.error(), c.rule.direction, c.rule.engine_id, c.rule.key_name);
    }
    return noted(c.rule);
  }
  Out operator()(const ltpsecrc::ChangeRule& c) {
    BOOST_OUTCOME_TRY(secdb, open_security_db(txn_));
    if (auto r = secdb.change_rule(txn_, c.rule.direction, to_rule(c.rule)); !r) {
      return rule_failure(r.error(), c.rule.direction, c.rule.engine_id, c.rule.key_name);
    }
    return noted(c.rule);
  }
  Out operator()(const ltpsecrc::DeleteRule& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    if (!found) return rule_failure(DbError::no_such_rule, c.direction, c.engine_id, {});
    if (auto r = found->delete_rule(txn_, c.direction, c.engine_id); !r) {
      return rule_failure(r.error(), c.direction, c.engine_id, {});
    }
    return LineOutcome{};
  }
  Out operator()(const ltpsecrc::InfoRule& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    const auto rule = found ? found->rule_info(txn_, c.direction, c.engine_id) : std::nullopt;
    if (!rule) return rule_failure(DbError::no_such_rule, c.direction, c.engine_id, {});
    return LineOutcome{std::nullopt, describe(c.direction, *rule) + "\n"};
  }
  Out operator()(const ltpsecrc::ListRules& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    std::string text;
    if (found) {
      for (const auto& rule : found->list_rules(txn_, c.direction)) {
        text += describe(c.direction, rule) + "\n";
      }
    }
    if (text.empty()) text = fmt::format("no {}s\n", rule_word(c.direction));
    return LineOutcome{std::nullopt, std::move(text)};
  }
  Out operator()(const ltpsecrc::AddCookieRule& c) {
    BOOST_OUTCOME_TRY(secdb, open_security_db(txn_));
    if (auto r = secdb.add_cookie_rule(txn_, c.engine_id); !r) {
      if (r.error() == DbError::already_exists) {
        return failure(fmt::format("there is already an {} for engine {}",
                                   ltpsecrc::kCookieRuleWord, c.engine_id));
      }
      return failure(security_db_message(r.error()));
    }
    return LineOutcome{};
  }
  Out operator()(const ltpsecrc::DeleteCookieRule& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    if (!found) return no_cookie_rule(c.engine_id);
    if (auto r = found->delete_cookie_rule(txn_, c.engine_id); !r) {
      if (r.error() == DbError::no_such_rule) return no_cookie_rule(c.engine_id);
      return failure(security_db_message(r.error()));
    }
    return LineOutcome{};
  }
  Out operator()(const ltpsecrc::InfoCookieRule& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    const auto rule = found ? found->cookie_rule_info(txn_, c.engine_id) : std::nullopt;
    if (!rule) return no_cookie_rule(c.engine_id);
    return LineOutcome{std::nullopt, describe(*rule) + "\n"};
  }
  Out operator()(const ltpsecrc::ListCookieRules&) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    std::string text;
    if (found) {
      for (const auto& rule : found->list_cookie_rules(txn_)) text += describe(rule) + "\n";
    }
    if (text.empty()) text = fmt::format("no {}s\n", ltpsecrc::kCookieRuleWord);
    return LineOutcome{std::nullopt, std::move(text)};
  }
  Out operator()(const ltpsecrc::Echo& c) { return LineOutcome{SetEcho{c.on}, {}}; }
  Out operator()(const ltpsecrc::Version&) { return LineOutcome{ShowVersion{}, {}}; }
  Out operator()(const ltpsecrc::Quit&) { return LineOutcome{admin::Quit{}, {}}; }
  Out operator()(const ltpsecrc::Help&) {
    return LineOutcome{std::nullopt, std::string(ltpsecrc::help_text())};
  }

 private:
  // ION ignores a key named with the NULL ciphersuite; so do we, aloud.
  static Out noted(const ltpsecrc::RuleArgs& rule) {
    if (!rule.ignored_key) return LineOutcome{};
    return LineOutcome{
        std::nullopt,
        fmt::format("note: ciphersuite {} uses its published key; key name `{}` ignored\n",
                    describe_ciphersuite(static_cast<std::uint64_t>(rule.suite)),
                    *rule.ignored_key)};
  }

  static Out no_cookie_rule(std::uint64_t engine) {
    return failure(fmt::format("no {} for engine {} (`l {}` lists them)", ltpsecrc::kCookieRuleWord,
                               engine, ltpsecrc::kCookieRuleWord));
  }

  static Out rule_failure(DbError e, AuthDirection direction, std::uint64_t engine,
                          std::string_view key) {
    if (e == DbError::no_such_rule) {
      return failure(fmt::format("no {} for engine {} (`l {}` lists them)", rule_word(direction),
                                 engine, rule_word(direction)));
    }
    if (e == DbError::no_such_key) {
      return failure(fmt::format(
          "no key named `{}`: add it first with ionsecadmin's `a key {} <file>` (`l key` lists "
          "the keys)",
          key, key));
    }
    return failure(security_db_message(e));
  }

  ipc::Transaction& txn_;
};

}  // namespace

std::string describe(AuthDirection direction, const db::AuthRule& rule) {
  const std::string key =
      rule.key_name.empty() ? std::string("no key") : fmt::format("key '{}'", rule.key_name);
  const std::string counts =
      direction == AuthDirection::receive
          ? fmt::format("{} passed, {} refused", rule.segments_passed, rule.segments_refused)
          : fmt::format("{} signed", rule.segments_passed);
  return fmt::format("{} engine {}: ciphersuite {}, {}; {}", rule_word(direction), rule.engine_id,
                     describe_ciphersuite(rule.ciphersuite), key, counts);
}

std::string describe(const db::CookieRule& rule) {
  return fmt::format("{} engine {}: {} passed, {} refused; {} sessions' cookies held",
                     ltpsecrc::kCookieRuleWord, rule.engine_id, rule.segments_passed,
                     rule.segments_refused, rule.sessions);
}

Result<LineOutcome, std::string> LtpsecrcAdmin::apply(ipc::Transaction& txn,
                                                      const ltpsecrc::Command& command) {
  return std::visit(Applier(txn), command);
}

Result<LineOutcome, std::string> LtpsecrcAdmin::execute(const Tokens& tokens) {
  BOOST_OUTCOME_TRY(command, ltpsecrc::parse(tokens));
  return in_transaction(heap_, [&](ipc::Transaction& txn) { return apply(txn, command); });
}

}  // namespace ltp::admin
