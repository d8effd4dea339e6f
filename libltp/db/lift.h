// lift(): a heap operation's result as a database result. Heap failures
// become DbError::heap (the transaction is doomed by then); values pass.
// For the database classes' own code (ltp_db.cc, security_db.cc).
#pragma once

#include <type_traits>
#include <utility>

#include "ipc/heap_error.h"
#include "ipc/result.h"
#include "libltp/db/ltp_db.h"

namespace ltp::db {

template <class T>
Result<T, DbError> lift(Result<T, ipc::HeapError> r) {
  if (!r) return failure(DbError::heap);
  if constexpr (std::is_void_v<T>) {
    return success();
  } else {
    return std::move(r).value();
  }
}

}  // namespace ltp::db
