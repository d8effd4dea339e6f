// Opening the node's security database from an admin command, with the
// messages an operator sees when that fails.
//
// Shared by IonsecrcAdmin and LtpsecrcAdmin. Commands that write create
// the database on first use, so an ltpsecrc of NULL-suite rules needs no
// ionsecrc (ION would insist on ionsecadmin's `1` first); commands that
// only read treat a node without one as having no keys and no rules.
#pragma once

#include <optional>
#include <string>

#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/db/security_db.h"

namespace ltp::admin {

Result<db::SecurityDb, std::string> open_security_db(ipc::Transaction& txn);
Result<std::optional<db::SecurityDb>, std::string> find_security_db(const ipc::Transaction& txn);

// The words for a database error that has no more specific message.
std::string security_db_message(db::DbError error);

}  // namespace ltp::admin
