// Runs one admin command in its own heap transaction: commit if it
// succeeded, abort (nothing changed) if it failed. Shared by LtprcAdmin
// and IonrcAdmin so both languages have the same all-or-nothing lines.
#pragma once

#include <fmt/format.h>

#include <string>

#include "ipc/heap.h"
#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/admin/actions.h"

namespace ltp::admin {

template <class Apply>
Result<LineOutcome, std::string> in_transaction(ipc::Heap& heap, Apply&& apply) {
  auto txn = heap.begin();
  if (!txn) {
    return failure(fmt::format("cannot open a heap transaction: {}", ipc::to_string(txn.error())));
  }
  auto outcome = apply(txn.value());
  if (!outcome) {
    txn.value().abort();
    return outcome;
  }
  if (auto committed = txn.value().commit(); !committed) {
    return failure(fmt::format("the heap refused the change, nothing applied: {}",
                               ipc::to_string(committed.error())));
  }
  return outcome;
}

}  // namespace ltp::admin
