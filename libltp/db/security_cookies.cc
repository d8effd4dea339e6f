// SecurityDb's cookie rules (ltpsecadmin's `ltpcookierule`, OpenLTP's own)
// and the format 1 -> 2 upgrade that made room for them.
#include <algorithm>
#include <array>
#include <cstring>

#include "ipc/phash_map.h"
#include "libltp/db/lift.h"
#include "libltp/db/security_db.h"

namespace ltp::db {

namespace {

CookieRule to_cookie_rule(const ipc::Transaction& txn, const CookieRuleRecord& r) {
  std::uint64_t sessions = 0;
  for (const Addr map : {r.export_cookies, r.import_cookies}) {
    sessions += ipc::PHashMap::open(txn, map).value().size(txn);
  }
  return {r.engine_id, r.segments_passed, r.segments_refused, sessions};
}

// Format 1's root: format 2's without cookie_rules.
constexpr std::size_t kFormat1RootBytes = offsetof(SecurityRoot, cookie_rules);

}  // namespace

std::optional<Addr> SecurityDb::find_cookie_rule(const ipc::Transaction& txn,
                                                 std::uint64_t engine_id) const {
  return ipc::PHashMap::open(txn, root(txn).cookie_rules).value().find(txn, engine_id);
}

Result<void, DbError> SecurityDb::add_cookie_rule(ipc::Transaction& txn, std::uint64_t engine_id) {
  if (engine_id == 0) return failure(DbError::bad_config);
  if (find_cookie_rule(txn, engine_id)) return failure(DbError::already_exists);
  auto add = [&]() -> Result<void, ipc::HeapError> {
    BOOST_OUTCOME_TRY(exports, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(imports, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(CookieRuleRecord)));
    BOOST_OUTCOME_TRY(
        txn.put(addr, CookieRuleRecord{engine_id, 0, 0, exports.header(), imports.header()}));
    BOOST_OUTCOME_TRY(rules, ipc::PHashMap::open(txn, root(txn).cookie_rules));
    return rules.insert(txn, engine_id, addr);
  };
  return lift(add());
}

Result<void, DbError> SecurityDb::delete_cookie_rule(ipc::Transaction& txn,
                                                     std::uint64_t engine_id) {
  const auto addr = find_cookie_rule(txn, engine_id);
  if (!addr) return failure(DbError::no_such_rule);
  auto remove = [&]() -> Result<void, ipc::HeapError> {
    const CookieRuleRecord record = *txn.get<CookieRuleRecord>(*addr);
    for (const Addr map : {record.export_cookies, record.import_cookies}) {
      BOOST_OUTCOME_TRY(cookies, ipc::PHashMap::open(txn, map));
      BOOST_OUTCOME_TRY(cookies.destroy(txn));
    }
    BOOST_OUTCOME_TRY(rules, ipc::PHashMap::open(txn, root(txn).cookie_rules));
    BOOST_OUTCOME_TRY(rules.erase(txn, engine_id));
    return txn.free(*addr);
  };
  return lift(remove());
}

std::optional<CookieRule> SecurityDb::cookie_rule_info(const ipc::Transaction& txn,
                                                       std::uint64_t engine_id) const {
  const auto addr = find_cookie_rule(txn, engine_id);
  if (!addr) return std::nullopt;
  return to_cookie_rule(txn, *txn.get<CookieRuleRecord>(*addr));
}

std::vector<CookieRule> SecurityDb::list_cookie_rules(const ipc::Transaction& txn) const {
  std::vector<CookieRule> out;
  ipc::PHashMap::open(txn, root(txn).cookie_rules)
      .value()
      .for_each(txn, [&](std::uint64_t, std::uint64_t addr) {
        out.push_back(to_cookie_rule(txn, *txn.get<CookieRuleRecord>(addr)));
      });
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.engine_id < b.engine_id; });
  return out;
}

Result<void, DbError> SecurityDb::upgrade(ipc::Transaction& txn) {
  auto old_addr = txn.root(kSecurityDbRootName);
  if (!old_addr) return success();
  const std::uint64_t format = txn.get<SecurityRoot>(old_addr.value())->format_version;
  if (format == kSecurityDbFormatVersion) return success();
  if (format != 1) return failure(DbError::wrong_format);
  auto grow = [&]() -> Result<void, ipc::HeapError> {
    // Format 1's fields are format 2's first ones.
    std::array<std::uint8_t, sizeof(SecurityRoot)> bytes{};
    std::memcpy(bytes.data(), txn.get<std::uint8_t>(old_addr.value()), kFormat1RootBytes);
    SecurityRoot root;
    std::memcpy(static_cast<void*>(&root), bytes.data(), sizeof root);
    BOOST_OUTCOME_TRY(cookies, ipc::PHashMap::create(txn));
    root.format_version = kSecurityDbFormatVersion;
    root.cookie_rules = cookies.header();
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(SecurityRoot)));
    BOOST_OUTCOME_TRY(txn.put(addr, root));
    BOOST_OUTCOME_TRY(txn.set_root(kSecurityDbRootName, addr));
    return txn.free(old_addr.value());
  };
  return lift(grow());
}

}  // namespace ltp::db
