#include "ipc/treap.h"

#include <fmt/format.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "ipc/hash.h"
#include "ipc/transaction.h"

namespace ltp::ipc::treap {
namespace {

constexpr Addr left_slot(Addr node) { return node + offsetof(TreapNode, left); }
constexpr Addr right_slot(Addr node) { return node + offsetof(TreapNode, right); }
std::uint64_t priority(Addr node) { return mix64(node); }

const TreapNode& at(const Transaction& txn, Addr node) { return *txn.get<TreapNode>(node); }
Addr slot_value(const Transaction& txn, Addr slot) { return *txn.get<Addr>(slot); }

// The node at *slot moves down-right; its left child takes its place.
Result<void, HeapError> rotate_right(Transaction& txn, Addr slot) {
  const Addr n = slot_value(txn, slot);
  const Addr l = at(txn, n).left;
  BOOST_OUTCOME_TRY(txn.put(left_slot(n), at(txn, l).right));
  BOOST_OUTCOME_TRY(txn.put(right_slot(l), n));
  return txn.put(slot, l);
}

Result<void, HeapError> rotate_left(Transaction& txn, Addr slot) {
  const Addr n = slot_value(txn, slot);
  const Addr r = at(txn, n).right;
  BOOST_OUTCOME_TRY(txn.put(right_slot(n), at(txn, r).left));
  BOOST_OUTCOME_TRY(txn.put(left_slot(r), n));
  return txn.put(slot, r);
}

Result<void, HeapError> insert_at(Transaction& txn, Addr slot, Addr node, TreapKey key) {
  const Addr cur = slot_value(txn, slot);
  if (cur == kNullAddr) return txn.put(slot, node);
  if (key < at(txn, cur).key) {
    BOOST_OUTCOME_TRY(insert_at(txn, left_slot(cur), node, key));
    if (priority(at(txn, cur).left) > priority(cur)) return rotate_right(txn, slot);
  } else {
    BOOST_OUTCOME_TRY(insert_at(txn, right_slot(cur), node, key));
    if (priority(at(txn, cur).right) > priority(cur)) return rotate_left(txn, slot);
  }
  return success();
}

}  // namespace

Result<void, HeapError> insert(Transaction& txn, Addr root_slot, Addr node) {
  BOOST_OUTCOME_TRY(txn.put(left_slot(node), kNullAddr));
  BOOST_OUTCOME_TRY(txn.put(right_slot(node), kNullAddr));
  return insert_at(txn, root_slot, node, at(txn, node).key);
}

Result<Addr, HeapError> erase(Transaction& txn, Addr root_slot, TreapKey key) {
  Addr slot = root_slot;
  for (Addr cur = slot_value(txn, slot); cur != kNullAddr; cur = slot_value(txn, slot)) {
    const TreapKey k = at(txn, cur).key;
    if (key == k) break;
    slot = key < k ? left_slot(cur) : right_slot(cur);
  }
  const Addr node = slot_value(txn, slot);
  if (node == kNullAddr) return failure(HeapError::not_found);
  // Rotate the node down, higher-priority child up, until it has at most
  // one child; then splice it out.
  for (;;) {
    const TreapNode& n = at(txn, node);
    if (n.left == kNullAddr) {
      BOOST_OUTCOME_TRY(txn.put(slot, n.right));
      break;
    }
    if (n.right == kNullAddr) {
      BOOST_OUTCOME_TRY(txn.put(slot, n.left));
      break;
    }
    if (priority(n.left) > priority(n.right)) {
      BOOST_OUTCOME_TRY(rotate_right(txn, slot));
      slot = right_slot(slot_value(txn, slot));
    } else {
      BOOST_OUTCOME_TRY(rotate_left(txn, slot));
      slot = left_slot(slot_value(txn, slot));
    }
  }
  return node;
}

Addr find(const Transaction& txn, Addr root, TreapKey key) {
  for (Addr cur = root; cur != kNullAddr;) {
    const TreapNode& n = at(txn, cur);
    if (key == n.key) return cur;
    cur = key < n.key ? n.left : n.right;
  }
  return kNullAddr;
}

Addr lower_bound(const Transaction& txn, Addr root, TreapKey key) {
  Addr best = kNullAddr;
  for (Addr cur = root; cur != kNullAddr;) {
    const TreapNode& n = at(txn, cur);
    if (n.key >= key) {
      best = cur;
      cur = n.left;
    } else {
      cur = n.right;
    }
  }
  return best;
}

Addr upper_bound(const Transaction& txn, Addr root, TreapKey key) {
  Addr best = kNullAddr;
  for (Addr cur = root; cur != kNullAddr;) {
    const TreapNode& n = at(txn, cur);
    if (n.key > key) {
      best = cur;
      cur = n.left;
    } else {
      cur = n.right;
    }
  }
  return best;
}

Addr predecessor(const Transaction& txn, Addr root, TreapKey key) {
  Addr best = kNullAddr;
  for (Addr cur = root; cur != kNullAddr;) {
    const TreapNode& n = at(txn, cur);
    if (n.key < key) {
      best = cur;
      cur = n.right;
    } else {
      cur = n.left;
    }
  }
  return best;
}

Result<bool, HeapError> rekey_in_place(Transaction& txn, Addr root, Addr node, TreapKey to) {
  const TreapKey from = at(txn, node).key;
  if (const Addr pred = predecessor(txn, root, from);
      pred != kNullAddr && !(at(txn, pred).key < to)) {
    return false;
  }
  if (const Addr succ = upper_bound(txn, root, from);
      succ != kNullAddr && !(to < at(txn, succ).key)) {
    return false;
  }
  BOOST_OUTCOME_TRY(txn.put(node + offsetof(TreapNode, key), to));
  return true;
}

Addr first(const Transaction& txn, Addr root) {
  Addr cur = root;
  while (cur != kNullAddr && at(txn, cur).left != kNullAddr) cur = at(txn, cur).left;
  return cur;
}

Addr last(const Transaction& txn, Addr root) {
  Addr cur = root;
  while (cur != kNullAddr && at(txn, cur).right != kNullAddr) cur = at(txn, cur).right;
  return cur;
}

std::uint64_t check(const Transaction& txn, Addr root, const std::function<bool(Addr)>& node_ok,
                    std::string& problem) {
  // Iterative in-order walk; a cycle shows up as keys out of order or as
  // more nodes than the arena could hold.
  const std::uint64_t max_nodes = txn.heap().header().arena_size / format::kMinBlock;
  std::vector<Addr> stack;
  std::optional<TreapKey> previous;
  std::uint64_t count = 0;
  Addr cur = root;
  while (cur != kNullAddr || !stack.empty()) {
    while (cur != kNullAddr) {
      if (!node_ok(cur)) {
        problem = fmt::format("tree node {:#x} is not a valid node", cur);
        return count;
      }
      const TreapNode& n = at(txn, cur);
      for (Addr child : {n.left, n.right}) {
        if (child != kNullAddr && priority(child) > priority(cur)) {
          problem = fmt::format("tree node {:#x}: child {:#x} breaks heap order", cur, child);
          return count;
        }
      }
      stack.push_back(cur);
      if (stack.size() > max_nodes) {
        problem = "tree deeper than the arena can hold (cycle)";
        return count;
      }
      cur = n.left;
    }
    cur = stack.back();
    stack.pop_back();
    const TreapKey key = at(txn, cur).key;
    if (previous && !(*previous < key)) {
      problem = fmt::format("tree node {:#x}: keys out of order (cycle or corruption)", cur);
      return count;
    }
    previous = key;
    if (++count > max_nodes) {
      problem = "tree has more nodes than the arena can hold (cycle)";
      return count;
    }
    cur = at(txn, cur).right;
  }
  return count;
}

}  // namespace ltp::ipc::treap
