#include "libltp/admin/ionsecrc_admin.h"

#include <fmt/format.h>

#include "libltp/admin/key_file.h"
#include "libltp/admin/ltpsecrc_commands.h"
#include "libltp/admin/security_access.h"
#include "libltp/admin/transact.h"

namespace ltp::admin {

namespace {

using db::DbError;

std::string describe_key(const db::KeyInfo& key) {
  return fmt::format("key '{}': {} bytes\n", key.name, key.length);
}

// One call operator per ionsecrc command; each returns what the line produced.
class Applier {
 public:
  explicit Applier(ipc::Transaction& txn) : txn_(txn) {}
  using Out = Result<LineOutcome, std::string>;

  Out operator()(const ionsecrc::Initialize&) {
    // ION's `1` may be repeated: it creates the database only once.
    BOOST_OUTCOME_TRY(open_security_db(txn_));
    return LineOutcome{};
  }
  Out operator()(const ionsecrc::AddKey& c) {
    BOOST_OUTCOME_TRY(value, read_key_file(c.file));
    BOOST_OUTCOME_TRY(secdb, open_security_db(txn_));
    if (auto r = secdb.add_key(txn_, c.name, value.view()); !r) {
      if (r.error() == DbError::already_exists) {
        return failure(
            fmt::format("a key named `{}` already exists; use `c key` to change it", c.name));
      }
      return failure(security_db_message(r.error()));
    }
    return LineOutcome{};
  }
  Out operator()(const ionsecrc::ChangeKey& c) {
    BOOST_OUTCOME_TRY(value, read_key_file(c.file));
    BOOST_OUTCOME_TRY(secdb, open_security_db(txn_));
    if (auto r = secdb.change_key(txn_, c.name, value.view()); !r)
      return key_failure(r.error(), c.name);
    return LineOutcome{};
  }
  Out operator()(const ionsecrc::DeleteKey& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    if (!found) return key_failure(DbError::no_such_key, c.name);
    if (auto r = found->delete_key(txn_, c.name); !r) {
      if (r.error() == DbError::key_in_use) return failure(in_use_message(*found, c.name));
      return key_failure(r.error(), c.name);
    }
    return LineOutcome{};
  }
  Out operator()(const ionsecrc::InfoKey& c) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    const auto key = found ? found->key_info(txn_, c.name) : std::nullopt;
    if (!key) return key_failure(DbError::no_such_key, c.name);
    return LineOutcome{std::nullopt, describe_key(*key)};
  }
  Out operator()(const ionsecrc::ListKeys&) {
    BOOST_OUTCOME_TRY(found, find_security_db(txn_));
    std::string text;
    if (found) {
      for (const auto& key : found->list_keys(txn_)) text += describe_key(key);
    }
    if (text.empty()) text = "no keys\n";
    return LineOutcome{std::nullopt, std::move(text)};
  }
  Out operator()(const ionsecrc::IgnoredPublicKey& c) {
    return LineOutcome{
        std::nullopt,
        fmt::format("`{} pubkey` ignored: RSA public keys are not used by OpenLTP\n", c.verb)};
  }
  Out operator()(const ionsecrc::Echo& c) { return LineOutcome{SetEcho{c.on}, {}}; }
  Out operator()(const ionsecrc::Version&) { return LineOutcome{ShowVersion{}, {}}; }
  Out operator()(const ionsecrc::Quit&) { return LineOutcome{admin::Quit{}, {}}; }
  Out operator()(const ionsecrc::Help&) {
    return LineOutcome{std::nullopt, std::string(ionsecrc::help_text())};
  }

 private:
  static Out key_failure(DbError e, std::string_view name) {
    if (e == DbError::no_such_key) {
      return failure(fmt::format("no key named `{}` (`l key` lists the keys)", name));
    }
    return failure(security_db_message(e));
  }

  // Names a rule that uses the key, so the operator knows what to change.
  std::string in_use_message(const db::SecurityDb& secdb, std::string_view name) const {
    for (auto direction : {db::AuthDirection::receive, db::AuthDirection::transmit}) {
      for (const auto& rule : secdb.list_rules(txn_, direction)) {
        if (rule.key_name != name) continue;
        return fmt::format(
            "key `{}` is used by the {} for engine {}: change or delete that rule first "
            "(ltpsecadmin)",
            name, ltpsecrc::rule_word(direction), rule.engine_id);
      }
    }
    return fmt::format("key `{}` is used by a rule: change or delete it first (ltpsecadmin)", name);
  }

  ipc::Transaction& txn_;
};

}  // namespace

Result<LineOutcome, std::string> IonsecrcAdmin::apply(ipc::Transaction& txn,
                                                      const ionsecrc::Command& command) {
  return std::visit(Applier(txn), command);
}

Result<LineOutcome, std::string> IonsecrcAdmin::execute(const Tokens& tokens) {
  BOOST_OUTCOME_TRY(command, ionsecrc::parse(tokens));
  return in_transaction(heap_, [&](ipc::Transaction& txn) { return apply(txn, command); });
}

}  // namespace ltp::admin
