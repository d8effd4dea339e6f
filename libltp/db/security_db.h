// SecurityDb: the LTP security database in the SDR heap — keys by name
// (ionsecadmin's `a|c|d|i|l key`) and RFC 5327 authentication rules per
// remote engine and direction (ltpsecadmin's `ltprecvauthrule` and
// `ltpxmitauthrule`).
//
// ionsecadmin and ltpsecadmin write it through open_or_create(); the
// engine finds it with find() (a node may have none) and reads rules and
// keys inside its own transaction. Validating a ciphersuite is the
// caller's part (libltp/admin); this layer checks only what the records
// need: names that fit, keys that exist, one rule per engine and direction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/security_records.h"

namespace ltp::db {

enum class AuthDirection { receive, transmit };

struct AuthRule {
  std::uint64_t engine_id = 0;
  std::uint64_t ciphersuite = 0;
  std::string key_name;  // empty: none (NULL ciphersuite)
  std::uint64_t segments_passed = 0;
  std::uint64_t segments_refused = 0;
};

struct CookieRule {
  std::uint64_t engine_id = 0;
  std::uint64_t segments_passed = 0;
  std::uint64_t segments_refused = 0;
  std::uint64_t sessions = 0;  // cookies held now (open and recently closed sessions)
};

struct KeyInfo {
  std::string name;
  std::uint64_t length = 0;  // the value is never handed out but to the engine
};

class SecurityDb {
 public:
  // Creates the database on first use (ION's `ionsecadmin 1`).
  static Result<SecurityDb, DbError> open_or_create(ipc::Transaction& txn);
  // The node's security database, if it has one of this format.
  static std::optional<SecurityDb> find(const ipc::Transaction& txn);

  // The database find() returned earlier at `root` (it is never removed).
  static SecurityDb at(Addr root) { return SecurityDb(root); }
  Addr root_addr() const { return root_; }

  // Keys. Names are 1..31 printable characters without blanks; values
  // 1..kMaxKeyBytes octets. A key a rule names cannot be deleted.
  Result<void, DbError> add_key(ipc::Transaction& txn, std::string_view name,
                                std::span<const std::uint8_t> value);
  Result<void, DbError> change_key(ipc::Transaction& txn, std::string_view name,
                                   std::span<const std::uint8_t> value);
  Result<void, DbError> delete_key(ipc::Transaction& txn, std::string_view name);
  std::optional<KeyInfo> key_info(const ipc::Transaction& txn, std::string_view name) const;
  std::vector<KeyInfo> list_keys(const ipc::Transaction& txn) const;
  // The key's value, pointing into the mapped heap (the engine's MAC).
  std::optional<std::span<const std::uint8_t>> key_value(const ipc::Transaction& txn,
                                                         std::string_view name) const;

  // Rules: one per engine and direction; the key named must exist.
  Result<void, DbError> add_rule(ipc::Transaction& txn, AuthDirection direction,
                                 const AuthRule& rule);
  Result<void, DbError> change_rule(ipc::Transaction& txn, AuthDirection direction,
                                    const AuthRule& rule);
  Result<void, DbError> delete_rule(ipc::Transaction& txn, AuthDirection direction,
                                    std::uint64_t engine_id);
  std::optional<AuthRule> rule_info(const ipc::Transaction& txn, AuthDirection direction,
                                    std::uint64_t engine_id) const;
  std::vector<AuthRule> list_rules(const ipc::Transaction& txn, AuthDirection direction) const;
  // The rule's record (the engine reads it and counts into it).
  std::optional<Addr> find_rule(const ipc::Transaction& txn, AuthDirection direction,
                                std::uint64_t engine_id) const;

  // Cookie rules (security_cookies.cc): one per engine.
  Result<void, DbError> add_cookie_rule(ipc::Transaction& txn, std::uint64_t engine_id);
  Result<void, DbError> delete_cookie_rule(ipc::Transaction& txn, std::uint64_t engine_id);
  std::optional<CookieRule> cookie_rule_info(const ipc::Transaction& txn,
                                             std::uint64_t engine_id) const;
  std::vector<CookieRule> list_cookie_rules(const ipc::Transaction& txn) const;
  // The rule's CookieRuleRecord (the engine keeps cookies and counts in it).
  std::optional<Addr> find_cookie_rule(const ipc::Transaction& txn, std::uint64_t engine_id) const;

  // Brings a database of format 1 to this format (start_node and ionstart
  // call it through db::upgrade()); nothing to do if there is none.
  static Result<void, DbError> upgrade(ipc::Transaction& txn);

 private:
  explicit SecurityDb(Addr root) : root_(root) {}
  const SecurityRoot& root(const ipc::Transaction& txn) const {
    return *txn.get<SecurityRoot>(root_);
  }
  Addr rules(const ipc::Transaction& txn, AuthDirection direction) const;
  // The list node holding the key named, or kNullAddr.
  Addr find_key_node(const ipc::Transaction& txn, std::string_view name) const;
  bool key_in_use(const ipc::Transaction& txn, std::string_view name) const;
  Result<AuthRuleRecord, DbError> rule_record(const ipc::Transaction& txn,
                                              const AuthRule& rule) const;
  Addr root_;
};

}  // namespace ltp::db
