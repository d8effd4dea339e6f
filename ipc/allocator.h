// The SDR heap allocator: internal to ipc/, reached through
// Transaction::alloc/free and used by heap_check.cc.
//
// Blocks carry identical header and footer tags (size | in-use), so both
// neighbours are found in O(1) and freed blocks coalesce at once. Free
// blocks of 32..1024 bytes sit on exact-size lists (O(1) alloc/free for the
// small objects the LTP databases are made of); larger ones sit in a treap
// keyed (size, address) for O(log n) best fit, which also makes "largest
// free block" a walk down the right spine. Every metadata write goes
// through the Transaction's undo log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace ltp::ipc {

class Transaction;

namespace detail {

// At create time (no transaction: the file is still private): one free
// block spanning the arena, fenced by in-use sentinels.
void format_arena(std::byte* base, const format::HeapHeader& header);

Result<Addr, HeapError> allocate(Transaction& txn, std::uint64_t bytes);
Result<void, HeapError> release(Transaction& txn, Addr object);

bool is_live_object(const Transaction& txn, Addr object);
std::uint64_t payload_bytes(const Transaction& txn, Addr object);
// Largest payload a single alloc() could return right now.
std::uint64_t largest_free_payload(const Transaction& txn);

struct ArenaWalk {
  std::uint64_t blocks_in_use = 0;
  std::uint64_t bytes_in_use = 0;
  std::uint64_t free_blocks = 0;
  std::uint64_t free_bytes = 0;
  std::vector<Addr> live_objects;  // payload addresses, ascending
};
// Walks every block, every free list and the free-block tree, appending
// any inconsistency to `problems`.
ArenaWalk check_allocator(const Transaction& txn, std::vector<std::string>& problems);

}  // namespace detail
}  // namespace ltp::ipc
