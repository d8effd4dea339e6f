// IntervalSet: a persistent set of disjoint half-open byte ranges
// [start, end) that merges touching ranges, over a POrderedMap.
//
// The import session's "red data received" and the export session's "red
// data acknowledged by reports" are both interval sets: the report builder
// reads claims from one, the retransmission planner reads gaps from the
// other. Keyed by end (end -> start) because the ordered map answers
// "first key >= k", which for end keys finds the first range that can
// touch a new one in O(log n).
#pragma once

#include <cstdint>
#include <functional>

#include "ipc/heap_error.h"
#include "ipc/pordered_map.h"
#include "ipc/result.h"
#include "ipc/transaction.h"

namespace ltp::db {

struct ByteRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // exclusive
  std::uint64_t length() const { return end - start; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

class IntervalSet {
 public:
  static Result<IntervalSet, ipc::HeapError> create(ipc::Transaction& txn);
  static IntervalSet open(ipc::Addr header) { return IntervalSet(header); }
  ipc::Addr header() const { return header_; }

  Result<void, ipc::HeapError> insert(ipc::Transaction& txn, ByteRange range);
  // True if every byte of `range` is in the set.
  bool covers(const ipc::Transaction& txn, ByteRange range) const;
  // Calls fn for the parts of the set inside `window`, in order.
  void for_each_inside(const ipc::Transaction& txn, ByteRange window,
                       const std::function<void(ByteRange)>& fn) const;
  // Calls fn for the parts of `window` not in the set, in order.
  void for_each_gap(const ipc::Transaction& txn, ByteRange window,
                    const std::function<void(ByteRange)>& fn) const;
  // End of the highest range (0 if empty).
  std::uint64_t max_end(const ipc::Transaction& txn) const;
  std::uint64_t range_count(const ipc::Transaction& txn) const;
  Result<void, ipc::HeapError> destroy(ipc::Transaction& txn);

 private:
  explicit IntervalSet(ipc::Addr header) : header_(header) {}
  ipc::POrderedMap map(const ipc::Transaction& txn) const;
  ipc::Addr header_;
};

}  // namespace ltp::db
