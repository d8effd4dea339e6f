#include "ipc/container_registry.h"

#include <cstddef>

#include "ipc/allocator.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

constexpr Addr kHeadSlot = offsetof(format::HeapHeader, container_head);
constexpr Addr kCountSlot = offsetof(format::HeapHeader, container_count);
constexpr Addr next_slot(Addr h) { return h + offsetof(ContainerHeader, registry_next); }
constexpr Addr prev_slot(Addr h) { return h + offsetof(ContainerHeader, registry_prev); }

}  // namespace

std::string_view to_string(ContainerTag tag) {
  switch (tag) {
    case ContainerTag::list:
      return "list";
    case ContainerTag::hash_map:
      return "hash map";
    case ContainerTag::ordered_map:
      return "ordered map";
  }
  return "unknown container";
}

namespace registry {

Result<void, HeapError> add(Transaction& txn, Addr header, ContainerTag tag) {
  const Addr head = first(txn);
  BOOST_OUTCOME_TRY(txn.put(header, ContainerHeader{tag, 0, head, kNullAddr}));
  if (head != kNullAddr) {
    BOOST_OUTCOME_TRY(txn.put(prev_slot(head), header));
  }
  BOOST_OUTCOME_TRY(txn.put(kHeadSlot, header));
  return txn.put<std::uint64_t>(kCountSlot, txn.heap().header().container_count + 1);
}

Result<void, HeapError> remove(Transaction& txn, Addr header) {
  const ContainerHeader h = *txn.get<ContainerHeader>(header);
  if (h.registry_prev != kNullAddr) {
    BOOST_OUTCOME_TRY(txn.put(next_slot(h.registry_prev), h.registry_next));
  } else {
    BOOST_OUTCOME_TRY(txn.put(kHeadSlot, h.registry_next));
  }
  if (h.registry_next != kNullAddr) {
    BOOST_OUTCOME_TRY(txn.put(prev_slot(h.registry_next), h.registry_prev));
  }
  // Clear the tag so a stale handle or root is recognised as such.
  BOOST_OUTCOME_TRY(txn.put<std::uint32_t>(header, 0));
  return txn.put<std::uint64_t>(kCountSlot, txn.heap().header().container_count - 1);
}

bool holds(const Transaction& txn, Addr header, ContainerTag tag) {
  return detail::is_live_object(txn, header) &&
         detail::payload_bytes(txn, header) >= sizeof(ContainerHeader) &&
         txn.get<ContainerHeader>(header)->tag == tag;
}

Addr first(const Transaction& txn) { return txn.heap().header().container_head; }

Addr next(const Transaction& txn, Addr header) {
  return txn.get<ContainerHeader>(header)->registry_next;
}

}  // namespace registry
}  // namespace ltp::ipc
