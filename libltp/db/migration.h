// Upgrading a node's heap in place from the previous LTP database format,
// so that a new OpenLTP keeps every block accepted and not yet delivered
// (`--fresh` is never needed for an upgrade).
//
// start_node() and ionstart call upgrade() before anything reads the
// database. Each step rewrites only the records whose layout changed and
// then the root's format_version, in the caller's transaction (all or
// nothing). Format 3 -> 4: SpanStats gained cancels_received_reserved;
// 4 -> 5: SpanConfig gained redundancy; each grows every SpanRecord by 8
// octets. The security
// database (its own format) is upgraded first: 1 -> 2 added cookie rules.
#pragma once

#include <cstdint>

#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/db/ltp_db.h"

namespace ltp::db {

// The oldest format upgrade() can bring to kDbFormatVersion.
inline constexpr std::uint64_t kOldestMigratableFormat = 3;

// The format the heap's LTP database had (kDbFormatVersion: nothing to
// do); not_initialized if there is none, wrong_format if it is of a
// format this build cannot upgrade (newer, or older than the oldest).
Result<std::uint64_t, DbError> upgrade(ipc::Transaction& txn);

}  // namespace ltp::db
