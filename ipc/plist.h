// PList: a persistent doubly linked list of u64 values (often object
// addresses) living in the SDR heap.
//
// For the LTP databases' queues (segments to send, sessions to close).
// A PList is a handle over a header object: store header() somewhere
// persistent (a root or another object) and open() it again later, in any
// process. Every operation is O(1) except destroy(); all take the open
// Transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ipc/container_registry.h"
#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace ltp::ipc {

class Transaction;

class PList {
 public:
  static Result<PList, HeapError> create(Transaction& txn);
  // Fails with wrong_type unless `header` holds a live list.
  static Result<PList, HeapError> open(const Transaction& txn, Addr header);

  Addr header() const { return header_; }
  std::uint64_t size(const Transaction& txn) const;
  bool empty(const Transaction& txn) const { return size(txn) == 0; }

  // Return the new element's node address (a stable handle for erase()).
  Result<Addr, HeapError> push_back(Transaction& txn, std::uint64_t value);
  Result<Addr, HeapError> push_front(Transaction& txn, std::uint64_t value);
  // Before `node` (an element of this list), or at the back if it is null.
  Result<Addr, HeapError> insert_before(Transaction& txn, Addr node, std::uint64_t value);
  // `node` must be an element of this list (not verified: that would be O(n)).
  Result<void, HeapError> erase(Transaction& txn, Addr node);
  Result<std::uint64_t, HeapError> pop_front(Transaction& txn);

  // Null (kNullAddr) past either end.
  Addr first(const Transaction& txn) const;
  Addr last(const Transaction& txn) const;
  Addr next(const Transaction& txn, Addr node) const;
  Addr prev(const Transaction& txn, Addr node) const;
  std::uint64_t value(const Transaction& txn, Addr node) const;
  Result<void, HeapError> set_value(Transaction& txn, Addr node, std::uint64_t value);

  // Frees every node and the header. O(n).
  Result<void, HeapError> destroy(Transaction& txn);

  // For sdrwatch --check: verifies links and count; returns the count.
  static std::uint64_t check(const Transaction& txn, Addr header,
                             std::vector<std::string>& problems);

 private:
  explicit PList(Addr header) : header_(header) {}
  Addr header_;
};

}  // namespace ltp::ipc
