#include "ipc/plist.h"

#include <fmt/format.h>

#include <cstddef>

#include "ipc/allocator.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

struct ListHeader {
  ContainerHeader base;
  Addr head;
  Addr tail;
  std::uint64_t count;
};

struct ListNode {
  Addr next;
  Addr prev;
  std::uint64_t value;
};

constexpr Addr head_slot(Addr h) { return h + offsetof(ListHeader, head); }
constexpr Addr tail_slot(Addr h) { return h + offsetof(ListHeader, tail); }
constexpr Addr count_slot(Addr h) { return h + offsetof(ListHeader, count); }
constexpr Addr next_slot(Addr n) { return n + offsetof(ListNode, next); }
constexpr Addr prev_slot(Addr n) { return n + offsetof(ListNode, prev); }

const ListHeader& hdr(const Transaction& txn, Addr h) { return *txn.get<ListHeader>(h); }
const ListNode& node_at(const Transaction& txn, Addr n) { return *txn.get<ListNode>(n); }

}  // namespace

Result<PList, HeapError> PList::create(Transaction& txn) {
  BOOST_OUTCOME_TRY(h, txn.alloc(sizeof(ListHeader)));
  BOOST_OUTCOME_TRY(txn.put(h, ListHeader{}));
  BOOST_OUTCOME_TRY(registry::add(txn, h, ContainerTag::list));
  return PList(h);
}

Result<PList, HeapError> PList::open(const Transaction& txn, Addr header) {
  if (!registry::holds(txn, header, ContainerTag::list)) return failure(HeapError::wrong_type);
  return PList(header);
}

std::uint64_t PList::size(const Transaction& txn) const { return hdr(txn, header_).count; }
Addr PList::first(const Transaction& txn) const { return hdr(txn, header_).head; }
Addr PList::last(const Transaction& txn) const { return hdr(txn, header_).tail; }
Addr PList::next(const Transaction& txn, Addr node) const { return node_at(txn, node).next; }
Addr PList::prev(const Transaction& txn, Addr node) const { return node_at(txn, node).prev; }
std::uint64_t PList::value(const Transaction& txn, Addr node) const {
  return node_at(txn, node).value;
}

Result<void, HeapError> PList::set_value(Transaction& txn, Addr node, std::uint64_t value) {
  return txn.put(node + offsetof(ListNode, value), value);
}

Result<Addr, HeapError> PList::push_back(Transaction& txn, std::uint64_t value) {
  const ListHeader h = hdr(txn, header_);
  BOOST_OUTCOME_TRY(n, txn.alloc(sizeof(ListNode)));
  BOOST_OUTCOME_TRY(txn.put(n, ListNode{kNullAddr, h.tail, value}));
  BOOST_OUTCOME_TRY(txn.put(h.tail != kNullAddr ? next_slot(h.tail) : head_slot(header_), n));
  BOOST_OUTCOME_TRY(txn.put(tail_slot(header_), n));
  BOOST_OUTCOME_TRY(txn.put<std::uint64_t>(count_slot(header_), h.count + 1));
  return n;
}

Result<Addr, HeapError> PList::push_front(Transaction& txn, std::uint64_t value) {
  return insert_before(txn, first(txn), value);
}

Result<Addr, HeapError> PList::insert_before(Transaction& txn, Addr node, std::uint64_t value) {
  if (node == kNullAddr) return push_back(txn, value);
  if (!detail::is_live_object(txn, node)) return failure(HeapError::bad_address);
  const ListNode at = node_at(txn, node);
  BOOST_OUTCOME_TRY(n, txn.alloc(sizeof(ListNode)));
  BOOST_OUTCOME_TRY(txn.put(n, ListNode{node, at.prev, value}));
  BOOST_OUTCOME_TRY(txn.put(at.prev != kNullAddr ? next_slot(at.prev) : head_slot(header_), n));
  BOOST_OUTCOME_TRY(txn.put(prev_slot(node), n));
  BOOST_OUTCOME_TRY(txn.put<std::uint64_t>(count_slot(header_), hdr(txn, header_).count + 1));
  return n;
}

Result<void, HeapError> PList::erase(Transaction& txn, Addr node) {
  if (!detail::is_live_object(txn, node)) return failure(HeapError::bad_address);
  const ListNode n = node_at(txn, node);
  BOOST_OUTCOME_TRY(txn.put(n.prev != kNullAddr ? next_slot(n.prev) : head_slot(header_), n.next));
  BOOST_OUTCOME_TRY(txn.put(n.next != kNullAddr ? prev_slot(n.next) : tail_slot(header_), n.prev));
  BOOST_OUTCOME_TRY(txn.put<std::uint64_t>(count_slot(header_), hdr(txn, header_).count - 1));
  return txn.free(node);
}

Result<std::uint64_t, HeapError> PList::pop_front(Transaction& txn) {
  const Addr n = first(txn);
  if (n == kNullAddr) return failure(HeapError::not_found);
  const std::uint64_t v = value(txn, n);
  BOOST_OUTCOME_TRY(erase(txn, n));
  return v;
}

Result<void, HeapError> PList::destroy(Transaction& txn) {
  for (Addr n = first(txn); n != kNullAddr; n = next(txn, n)) {
    BOOST_OUTCOME_TRY(txn.free(n));  // frees apply at commit: links stay readable
  }
  BOOST_OUTCOME_TRY(registry::remove(txn, header_));
  return txn.free(header_);
}

std::uint64_t PList::check(const Transaction& txn, Addr header,
                           std::vector<std::string>& problems) {
  const ListHeader& h = hdr(txn, header);
  std::uint64_t count = 0;
  Addr prev = kNullAddr;
  for (Addr n = h.head; n != kNullAddr; n = node_at(txn, n).next) {
    if (!detail::is_live_object(txn, n) || detail::payload_bytes(txn, n) < sizeof(ListNode)) {
      problems.push_back(fmt::format("list {:#x}: node {:#x} is not a live object", header, n));
      return count;
    }
    if (node_at(txn, n).prev != prev) {
      problems.push_back(fmt::format("list {:#x}: node {:#x} has a wrong back link", header, n));
      return count;
    }
    if (++count > h.count) {
      problems.push_back(fmt::format("list {:#x}: more nodes than its count {}", header, h.count));
      return count;
    }
    prev = n;
  }
  if (prev != h.tail) problems.push_back(fmt::format("list {:#x}: tail is wrong", header));
  if (count != h.count) {
    problems.push_back(
        fmt::format("list {:#x}: count says {} but {} nodes linked", header, h.count, count));
  }
  return count;
}

}  // namespace ltp::ipc
