#include "libltp/admin/security_access.h"

#include <fmt/format.h>

namespace ltp::admin {

namespace {

constexpr const char* kWrongFormat =
    "the security database in this heap was written by another OpenLTP version; recreate the "
    "node";

}  // namespace

std::string security_db_message(db::DbError error) {
  switch (error) {
    case db::DbError::heap:
      return "the heap refused the change (full, or log full)";
    case db::DbError::wrong_format:
      return kWrongFormat;
    default:
      return fmt::format("the security database refused it: {}", db::to_string(error));
  }
}

Result<db::SecurityDb, std::string> open_security_db(ipc::Transaction& txn) {
  auto secdb = db::SecurityDb::open_or_create(txn);
  if (!secdb) return failure(security_db_message(secdb.error()));
  return secdb.value();
}

Result<std::optional<db::SecurityDb>, std::string> find_security_db(const ipc::Transaction& txn) {
  if (auto found = db::SecurityDb::find(txn)) return std::optional(*found);
  // find() says nothing both when there is none and when it is of another
  // format; only the second deserves a complaint.
  if (txn.root(db::kSecurityDbRootName)) return failure(std::string(kWrongFormat));
  return std::optional<db::SecurityDb>();
}

}  // namespace ltp::admin
