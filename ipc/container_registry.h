// Container registry: every persistent container's header starts with a
// ContainerHeader and is linked into one heap-wide list, so sdrwatch
// --check can find and verify every container without knowing who made it.
//
// Used by plist/phash_map/pordered_map (register at create, unregister at
// destroy) and by heap_check.cc (walk).
#pragma once

#include <cstdint>
#include <string_view>

#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace ltp::ipc {

class Transaction;

enum class ContainerTag : std::uint32_t {
  list = 0x5453494c,         // "LIST"
  hash_map = 0x48534148,     // "HASH"
  ordered_map = 0x44524f4d,  // "MORD"
};

std::string_view to_string(ContainerTag tag);

struct ContainerHeader {
  ContainerTag tag;
  std::uint32_t reserved;
  Addr registry_next;
  Addr registry_prev;
};

namespace registry {

Result<void, HeapError> add(Transaction& txn, Addr header, ContainerTag tag);
Result<void, HeapError> remove(Transaction& txn, Addr header);
// True if `header` is a live object holding a container of type `tag`.
bool holds(const Transaction& txn, Addr header, ContainerTag tag);
Addr first(const Transaction& txn);
Addr next(const Transaction& txn, Addr header);

}  // namespace registry
}  // namespace ltp::ipc
