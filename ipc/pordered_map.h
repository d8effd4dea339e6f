// POrderedMap: a persistent ordered map (u64, u64) -> u64 in the SDR heap.
//
// For the LTP timeline (deadline, sequence) -> event and anything else
// needing "smallest key >= k". Keys are pairs so a timeline can break ties
// by sequence; for plain u64 keys use {0, k}. A treap (treap.h): O(log n)
// insert, erase, find, lower_bound. Handle over a header object, like PList.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipc/container_registry.h"
#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"
#include "ipc/treap.h"

namespace ltp::ipc {

class Transaction;

using OrderedKey = TreapKey;

class POrderedMap {
 public:
  struct Entry {
    OrderedKey key;
    std::uint64_t value;
  };

  static Result<POrderedMap, HeapError> create(Transaction& txn);
  static Result<POrderedMap, HeapError> open(const Transaction& txn, Addr header);

  Addr header() const { return header_; }
  std::uint64_t size(const Transaction& txn) const;

  std::optional<std::uint64_t> find(const Transaction& txn, OrderedKey key) const;
  Result<void, HeapError> insert(Transaction& txn, OrderedKey key, std::uint64_t value);
  Result<void, HeapError> assign(Transaction& txn, OrderedKey key, std::uint64_t value);
  Result<std::uint64_t, HeapError> erase(Transaction& txn, OrderedKey key);
  // Moves the entry at `from` to `to` with `value`: in place when no other
  // key lies between them (no allocation), else by erase and insert.
  Result<void, HeapError> rekey(Transaction& txn, OrderedKey from, OrderedKey to,
                                std::uint64_t value);

  std::optional<Entry> first(const Transaction& txn) const;
  std::optional<Entry> last(const Transaction& txn) const;
  std::optional<Entry> lower_bound(const Transaction& txn, OrderedKey key) const;  // >= key
  std::optional<Entry> upper_bound(const Transaction& txn, OrderedKey key) const;  // > key

  Result<void, HeapError> destroy(Transaction& txn);

  static std::uint64_t check(const Transaction& txn, Addr header,
                             std::vector<std::string>& problems);

 private:
  explicit POrderedMap(Addr header) : header_(header) {}
  Addr root(const Transaction& txn) const;
  std::optional<Entry> entry_at(const Transaction& txn, Addr node) const;
  Addr header_;
};

}  // namespace ltp::ipc
