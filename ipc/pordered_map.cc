#include "ipc/pordered_map.h"

#include <fmt/format.h>

#include <cstddef>

#include "ipc/allocator.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

struct OrderedHeader {
  ContainerHeader base;
  Addr root;
  std::uint64_t count;
};

struct OrderedNode {
  TreapNode tree;
  std::uint64_t value;
};

constexpr Addr root_slot(Addr h) { return h + offsetof(OrderedHeader, root); }
constexpr Addr count_slot(Addr h) { return h + offsetof(OrderedHeader, count); }
constexpr Addr value_slot(Addr n) { return n + offsetof(OrderedNode, value); }

const OrderedHeader& hdr(const Transaction& txn, Addr h) { return *txn.get<OrderedHeader>(h); }

}  // namespace

Result<POrderedMap, HeapError> POrderedMap::create(Transaction& txn) {
  BOOST_OUTCOME_TRY(h, txn.alloc(sizeof(OrderedHeader)));
  BOOST_OUTCOME_TRY(txn.put(h, OrderedHeader{}));
  BOOST_OUTCOME_TRY(registry::add(txn, h, ContainerTag::ordered_map));
  return POrderedMap(h);
}

Result<POrderedMap, HeapError> POrderedMap::open(const Transaction& txn, Addr header) {
  if (!registry::holds(txn, header, ContainerTag::ordered_map)) {
    return failure(HeapError::wrong_type);
  }
  return POrderedMap(header);
}

std::uint64_t POrderedMap::size(const Transaction& txn) const { return hdr(txn, header_).count; }
Addr POrderedMap::root(const Transaction& txn) const { return hdr(txn, header_).root; }

std::optional<POrderedMap::Entry> POrderedMap::entry_at(const Transaction& txn, Addr node) const {
  if (node == kNullAddr) return std::nullopt;
  const OrderedNode& n = *txn.get<OrderedNode>(node);
  return Entry{n.tree.key, n.value};
}

std::optional<std::uint64_t> POrderedMap::find(const Transaction& txn, OrderedKey key) const {
  const auto e = entry_at(txn, treap::find(txn, root(txn), key));
  if (!e) return std::nullopt;
  return e->value;
}

Result<void, HeapError> POrderedMap::insert(Transaction& txn, OrderedKey key, std::uint64_t value) {
  if (treap::find(txn, root(txn), key) != kNullAddr) return failure(HeapError::duplicate_key);
  BOOST_OUTCOME_TRY(n, txn.alloc(sizeof(OrderedNode)));
  BOOST_OUTCOME_TRY(txn.put(n, OrderedNode{{kNullAddr, kNullAddr, key}, value}));
  BOOST_OUTCOME_TRY(treap::insert(txn, root_slot(header_), n));
  return txn.put<std::uint64_t>(count_slot(header_), size(txn) + 1);
}

Result<void, HeapError> POrderedMap::assign(Transaction& txn, OrderedKey key, std::uint64_t value) {
  const Addr n = treap::find(txn, root(txn), key);
  if (n == kNullAddr) return insert(txn, key, value);
  return txn.put(value_slot(n), value);
}

Result<std::uint64_t, HeapError> POrderedMap::erase(Transaction& txn, OrderedKey key) {
  BOOST_OUTCOME_TRY(n, treap::erase(txn, root_slot(header_), key));
  const std::uint64_t value = txn.get<OrderedNode>(n)->value;
  BOOST_OUTCOME_TRY(txn.put<std::uint64_t>(count_slot(header_), size(txn) - 1));
  BOOST_OUTCOME_TRY(txn.free(n));
  return value;
}

Result<void, HeapError> POrderedMap::rekey(Transaction& txn, OrderedKey from, OrderedKey to,
                                           std::uint64_t value) {
  const Addr n = treap::find(txn, root(txn), from);
  if (n == kNullAddr) return failure(HeapError::not_found);
  if (from != to) {
    BOOST_OUTCOME_TRY(moved, treap::rekey_in_place(txn, root(txn), n, to));
    if (!moved) {
      if (treap::find(txn, root(txn), to) != kNullAddr) return failure(HeapError::duplicate_key);
      BOOST_OUTCOME_TRY(erase(txn, from));
      return insert(txn, to, value);
    }
  }
  return txn.put(value_slot(n), value);
}

std::optional<POrderedMap::Entry> POrderedMap::first(const Transaction& txn) const {
  return entry_at(txn, treap::first(txn, root(txn)));
}
std::optional<POrderedMap::Entry> POrderedMap::last(const Transaction& txn) const {
  return entry_at(txn, treap::last(txn, root(txn)));
}
std::optional<POrderedMap::Entry> POrderedMap::lower_bound(const Transaction& txn,
                                                           OrderedKey key) const {
  return entry_at(txn, treap::lower_bound(txn, root(txn), key));
}
std::optional<POrderedMap::Entry> POrderedMap::upper_bound(const Transaction& txn,
                                                           OrderedKey key) const {
  return entry_at(txn, treap::upper_bound(txn, root(txn), key));
}

Result<void, HeapError> POrderedMap::destroy(Transaction& txn) {
  // Frees are deferred to commit, so the tree stays walkable meanwhile.
  std::vector<Addr> stack;
  if (root(txn) != kNullAddr) stack.push_back(root(txn));
  while (!stack.empty()) {
    const Addr n = stack.back();
    stack.pop_back();
    const TreapNode& node = *txn.get<TreapNode>(n);
    if (node.left != kNullAddr) stack.push_back(node.left);
    if (node.right != kNullAddr) stack.push_back(node.right);
    BOOST_OUTCOME_TRY(txn.free(n));
  }
  BOOST_OUTCOME_TRY(registry::remove(txn, header_));
  return txn.free(header_);
}

std::uint64_t POrderedMap::check(const Transaction& txn, Addr header,
                                 std::vector<std::string>& problems) {
  std::string problem;
  const std::uint64_t count = treap::check(
      txn, hdr(txn, header).root,
      [&](Addr n) {
        return detail::is_live_object(txn, n) &&
               detail::payload_bytes(txn, n) >= sizeof(OrderedNode);
      },
      problem);
  if (!problem.empty()) problems.push_back(fmt::format("ordered map {:#x}: {}", header, problem));
  if (count != hdr(txn, header).count) {
    problems.push_back(fmt::format("ordered map {:#x}: count says {} but {} nodes linked", header,
                                   hdr(txn, header).count, count));
  }
  return count;
}

}  // namespace ltp::ipc
