#include "libltp/db/security_db.h"

#include <algorithm>
#include <cstring>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/db/lift.h"

namespace ltp::db {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() >= kKeyNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) { return ch > ' ' && ch < 0x7f; });
}

std::string_view name_of(const std::array<char, kKeyNameBytes>& field) {
  return {field.data(), ::strnlen(field.data(), field.size())};
}

std::array<char, kKeyNameBytes> name_field(std::string_view name) {
  std::array<char, kKeyNameBytes> field{};
  std::memcpy(field.data(), name.data(), std::min(name.size(), field.size() - 1));
  return field;
}

Result<KeyRecord, DbError> key_record(std::string_view name, std::span<const std::uint8_t> value) {
  if (!valid_name(name) || value.empty() || value.size() > kMaxKeyBytes) {
    return failure(DbError::bad_config);
  }
  KeyRecord key{};
  key.name = name_field(name);
  key.length = value.size();
  std::copy(value.begin(), value.end(), key.value.begin());
  return key;
}

AuthRule to_rule(const AuthRuleRecord& r) {
  return {r.engine_id, r.ciphersuite, std::string(name_of(r.key_name)), r.segments_passed,
          r.segments_refused};
}

}  // namespace

Result<SecurityDb, DbError> SecurityDb::open_or_create(ipc::Transaction& txn) {
  if (txn.root(kSecurityDbRootName)) {
    BOOST_OUTCOME_TRY(upgrade(txn));  // an older format, as ltpsecadmin may meet before a start
    return SecurityDb(txn.root(kSecurityDbRootName).value());
  }
  auto build = [&]() -> Result<Addr, ipc::HeapError> {
    BOOST_OUTCOME_TRY(keys, ipc::PList::create(txn));
    BOOST_OUTCOME_TRY(recv, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(xmit, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(cookies, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(SecurityRoot)));
    BOOST_OUTCOME_TRY(txn.put(addr, SecurityRoot{kSecurityDbFormatVersion, keys.header(),
                                                 recv.header(), xmit.header(), cookies.header()}));
    BOOST_OUTCOME_TRY(txn.set_root(kSecurityDbRootName, addr));
    return addr;
  };
  BOOST_OUTCOME_TRY(addr, lift(build()));
  return SecurityDb(addr);
}

std::optional<SecurityDb> SecurityDb::find(const ipc::Transaction& txn) {
  auto addr = txn.root(kSecurityDbRootName);
  if (!addr) return std::nullopt;
  if (txn.get<SecurityRoot>(addr.value())->format_version != kSecurityDbFormatVersion) {
    return std::nullopt;
  }
  return SecurityDb(addr.value());
}

Addr SecurityDb::find_key_node(const ipc::Transaction& txn, std::string_view name) const {
  auto keys = ipc::PList::open(txn, root(txn).keys).value();
  for (Addr node = keys.first(txn); node != ipc::kNullAddr; node = keys.next(txn, node)) {
    if (name_of(txn.get<KeyRecord>(keys.value(txn, node))->name) == name) return node;
  }
  return ipc::kNullAddr;
}

bool SecurityDb::key_in_use(const ipc::Transaction& txn, std::string_view name) const {
  for (auto direction : {AuthDirection::receive, AuthDirection::transmit}) {
    for (const auto& rule : list_rules(txn, direction)) {
      if (rule.key_name == name) return true;
    }
  }
  return false;
}

Result<void, DbError> SecurityDb::add_key(ipc::Transaction& txn, std::string_view name,
                                          std::span<const std::uint8_t> value) {
  BOOST_OUTCOME_TRY(key, key_record(name, value));
  if (find_key_node(txn, name) != ipc::kNullAddr) return failure(DbError::already_exists);
  auto add = [&]() -> Result<void, ipc::HeapError> {
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(KeyRecord)));
    BOOST_OUTCOME_TRY(txn.put(addr, key));
    BOOST_OUTCOME_TRY(keys, ipc::PList::open(txn, root(txn).keys));
    BOOST_OUTCOME_TRY(keys.push_back(txn, addr));
    return success();
  };
  return lift(add());
}

Result<void, DbError> SecurityDb::change_key(ipc::Transaction& txn, std::string_view name,
                                             std::span<const std::uint8_t> value) {
  BOOST_OUTCOME_TRY(key, key_record(name, value));
  const Addr node = find_key_node(txn, name);
  if (node == ipc::kNullAddr) return failure(DbError::no_such_key);
  const Addr addr = ipc::PList::open(txn, root(txn).keys).value().value(txn, node);
  return lift(txn.put(addr, key));
}

Result<void, DbError> SecurityDb::delete_key(ipc::Transaction& txn, std::string_view name) {
  const Addr node = find_key_node(txn, name);
  if (node == ipc::kNullAddr) return failure(DbError::no_such_key);
  if (key_in_use(txn, name)) return failure(DbError::key_in_use);
  auto keys = ipc::PList::open(txn, root(txn).keys).value();
  const Addr addr = keys.value(txn, node);
  // The value must not linger in freed heap blocks.
  BOOST_OUTCOME_TRY(lift(txn.put(addr, KeyRecord{})));
  BOOST_OUTCOME_TRY(lift(keys.erase(txn, node)));
  return lift(txn.free(addr));
}

std::optional<KeyInfo> SecurityDb::key_info(const ipc::Transaction& txn,
                                            std::string_view name) const {
  const Addr node = find_key_node(txn, name);
  if (node == ipc::kNullAddr) return std::nullopt;
  const auto* key =
      txn.get<KeyRecord>(ipc::PList::open(txn, root(txn).keys).value().value(txn, node));
  return KeyInfo{std::string(name_of(key->name)), key->length};
}

std::vector<KeyInfo> SecurityDb::list_keys(const ipc::Transaction& txn) const {
  std::vector<KeyInfo> out;
  auto keys = ipc::PList::open(txn, root(txn).keys).value();
  for (Addr node = keys.first(txn); node != ipc::kNullAddr; node = keys.next(txn, node)) {
    const auto* key = txn.get<KeyRecord>(keys.value(txn, node));
    out.push_back({std::string(name_of(key->name)), key->length});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::optional<std::span<const std::uint8_t>> SecurityDb::key_value(const ipc::Transaction& txn,
                                                                   std::string_view name) const {
  const Addr node = find_key_node(txn, name);
  if (node == ipc::kNullAddr) return std::nullopt;
  const auto* key =
      txn.get<KeyRecord>(ipc::PList::open(txn, root(txn).keys).value().value(txn, node));
  return std::span<const std::uint8_t>(key->value.data(), key->length);
}

Addr SecurityDb::rules(const ipc::Transaction& txn, AuthDirection direction) const {
  return direction == AuthDirection::receive ? root(txn).recv_rules : root(txn).xmit_rules;
}

std::optional<Addr> SecurityDb::find_rule(const ipc::Transaction& txn, AuthDirection direction,
                                          std::uint64_t engine_id) const {
  return ipc::PHashMap::open(txn, rules(txn, direction)).value().find(txn, engine_id);
}

Result<AuthRuleRecord, DbError> SecurityDb::rule_record(const ipc::Transaction& txn,
                                                        const AuthRule& rule) const {
  if (rule.engine_id == 0) return failure(DbError::bad_config);
  if (!rule.key_name.empty()) {
    if (!valid_name(rule.key_name)) return failure(DbError::bad_config);
    if (find_key_node(txn, rule.key_name) == ipc::kNullAddr) return failure(DbError::no_such_key);
  }
  AuthRuleRecord record{};
  record.engine_id = rule.engine_id;
  record.ciphersuite = rule.ciphersuite;
  record.key_name = name_field(rule.key_name);
  return record;
}

Result<void, DbError> SecurityDb::add_rule(ipc::Transaction& txn, AuthDirection direction,
                                           const AuthRule& rule) {
  BOOST_OUTCOME_TRY(record, rule_record(txn, rule));
  if (find_rule(txn, direction, rule.engine_id)) return failure(DbError::already_exists);
  auto add = [&]() -> Result<void, ipc::HeapError> {
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(AuthRuleRecord)));
    BOOST_OUTCOME_TRY(txn.put(addr, record));
    BOOST_OUTCOME_TRY(map, ipc::PHashMap::open(txn, rules(txn, direction)));
    return map.insert(txn, rule.engine_id, addr);
  };
  return lift(add());
}

Result<void, DbError> SecurityDb::change_rule(ipc::Transaction& txn, AuthDirection direction,
                                              const AuthRule& rule) {
  BOOST_OUTCOME_TRY(record, rule_record(txn, rule));
  const auto addr = find_rule(txn, direction, rule.engine_id);
  if (!addr) return failure(DbError::no_such_rule);
  // A changed rule keeps its counts: they describe the span, not the key.
  const AuthRuleRecord old = *txn.get<AuthRuleRecord>(*addr);
  record.segments_passed = old.segments_passed;
  record.segments_refused = old.segments_refused;
  return lift(txn.put(*addr, record));
}

Result<void, DbError> SecurityDb::delete_rule(ipc::Transaction& txn, AuthDirection direction,
                                              std::uint64_t engine_id) {
  const auto addr = find_rule(txn, direction, engine_id);
  if (!addr) return failure(DbError::no_such_rule);
  auto map = ipc::PHashMap::open(txn, rules(txn, direction)).value();
  BOOST_OUTCOME_TRY(lift(map.erase(txn, engine_id)));
  return lift(txn.free(*addr));
}

std::optional<AuthRule> SecurityDb::rule_info(const ipc::Transaction& txn, AuthDirection direction,
                                              std::uint64_t engine_id) const {
  const auto addr = find_rule(txn, direction, engine_id);
  if (!addr) return std::nullopt;
  return to_rule(*txn.get<AuthRuleRecord>(*addr));
}

std::vector<AuthRule> SecurityDb::list_rules(const ipc::Transaction& txn,
                                             AuthDirection direction) const {
  std::vector<AuthRule> out;
  ipc::PHashMap::open(txn, rules(txn, direction))
      .value()
      .for_each(txn, [&](std::uint64_t, std::uint64_t addr) {
        out.push_back(to_rule(*txn.get<AuthRuleRecord>(addr)));
      });
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.engine_id < b.engine_id; });
  return out;
}

}  // namespace ltp::db
