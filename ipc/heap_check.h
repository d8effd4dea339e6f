// Heap statistics and the full consistency check behind `sdrwatch` and
// `sdrwatch --check`, and used by the crash and concurrency tests.
//
// heap_stats() is cheap (counters kept by the allocator plus a walk of the
// container registry); check_heap() walks every block, free list, tree and
// registered container and lists every inconsistency it finds.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ipc/heap_format.h"

namespace ltp::ipc {

class Transaction;

struct HeapStats {
  std::uint64_t file_size = 0;
  std::uint64_t log_size = 0;
  std::uint64_t arena_size = 0;
  std::uint64_t bytes_in_use = 0;  // including block tags
  std::uint64_t objects = 0;
  std::uint64_t free_bytes = 0;
  std::uint64_t free_blocks = 0;
  std::uint64_t largest_free_block = 0;  // largest single alloc() possible now
  std::uint64_t lists = 0;
  std::uint64_t hash_maps = 0;
  std::uint64_t ordered_maps = 0;
  std::vector<std::pair<std::string, Addr>> roots;
};

HeapStats heap_stats(const Transaction& txn);

// Empty when the heap is consistent.
std::vector<std::string> check_heap(const Transaction& txn);

}  // namespace ltp::ipc
