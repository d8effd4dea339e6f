// Treap: a randomized balanced binary search tree whose nodes live in the
// SDR heap, keyed by a pair of u64. Internal building block.
//
// Used by the allocator (free blocks larger than the small classes, keyed
// (size, address) for best fit) and by POrderedMap. Nodes are intrusive:
// the caller owns the node memory and its key; priorities are a hash of the
// node's address, so the shape needs no stored state and no RNG. Expected
// O(log n) per operation; all writes go through the Transaction.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace ltp::ipc {

class Transaction;

struct TreapKey {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  friend auto operator<=>(const TreapKey&, const TreapKey&) = default;
};

struct TreapNode {
  Addr left;
  Addr right;
  TreapKey key;
};

namespace treap {

// Links `node` (whose key is already written) under the root stored at
// `root_slot`. Duplicate keys go to the right; callers keep keys unique.
Result<void, HeapError> insert(Transaction& txn, Addr root_slot, Addr node);
// Unlinks the node with `key`; returns its address, or not_found.
Result<Addr, HeapError> erase(Transaction& txn, Addr root_slot, TreapKey key);

// Gives `node` the key `to` in place (one logged write, no rotation) when
// `to` keeps the node's in-order position, as when a range's end or a free
// block's size moves without passing a neighbour; false, changing nothing,
// when it would not (the caller then erases and inserts).
Result<bool, HeapError> rekey_in_place(Transaction& txn, Addr root, Addr node, TreapKey to);

Addr find(const Transaction& txn, Addr root, TreapKey key);
Addr lower_bound(const Transaction& txn, Addr root, TreapKey key);  // first >= key
Addr upper_bound(const Transaction& txn, Addr root, TreapKey key);  // first > key
Addr predecessor(const Transaction& txn, Addr root, TreapKey key);  // last < key
Addr first(const Transaction& txn, Addr root);
Addr last(const Transaction& txn, Addr root);

// Walks the whole tree checking order, heap priorities and that every node
// satisfies `node_ok`; reports the first problem in `problem`. Returns the
// node count. Nodes are visited in key order.
std::uint64_t check(const Transaction& txn, Addr root, const std::function<bool(Addr)>& node_ok,
                    std::string& problem);

}  // namespace treap
}  // namespace ltp::ipc
