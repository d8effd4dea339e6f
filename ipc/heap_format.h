// On-disk layout of the SDR heap file: header page, undo-log region, arena.
//
// Shared by heap.cc (create/attach/validate), undo_log.cc, allocator.cc,
// the containers and heap_check.cc. Everything is addressed by Addr, a byte
// offset from the start of the file, so it means the same in every process
// whatever address the file is mapped at. Changing any struct here means
// bumping kVersion.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ltp::ipc {

// Byte offset from the start of the heap file; 0 (inside the header) is null.
using Addr = std::uint64_t;
inline constexpr Addr kNullAddr = 0;

namespace format {

inline constexpr char kMagic[8] = {'O', 'L', 'T', 'P', 'S', 'D', 'R', '1'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint64_t kHeaderBytes = 4096;

// Allocator geometry. Blocks are 16-byte aligned, carry an 8-byte header
// and an identical 8-byte footer (size | in-use bit), so both neighbours of
// any block can be found in O(1) for coalescing and --check can verify
// every tag.
inline constexpr std::uint64_t kBlockAlign = 16;
inline constexpr std::uint64_t kTagBytes = 8;
inline constexpr std::uint64_t kMinBlock = 32;
inline constexpr std::uint64_t kMaxSmallBlock = 1024;
inline constexpr int kSmallClasses =
    static_cast<int>((kMaxSmallBlock - kMinBlock) / kBlockAlign) + 1;
inline constexpr std::uint64_t kInUseBit = 1;

// Room for the transaction mutex (a robust pthread mutex, see heap_lock.h).
inline constexpr std::uint64_t kLockBytes = 64;

inline constexpr int kRootSlots = 32;
inline constexpr int kRootNameBytes = 24;

struct RootEntry {
  char name[kRootNameBytes];  // NUL-terminated; empty = free slot
  Addr addr;
};

// Allocator metadata; every change goes through the transaction.
struct AllocatorState {
  Addr small_heads[kSmallClasses];  // exact-size free lists, 32..1024 bytes
  Addr large_root;                  // treap of free blocks > 1024, keyed (size, addr)
  std::uint64_t bytes_in_use;       // sum of allocated block sizes
  std::uint64_t blocks_in_use;
  std::uint64_t free_blocks;
};

struct HeapHeader {
  // Geometry: written once at create, covered by geometry_checksum.
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_bytes;
  std::uint64_t file_size;
  std::uint64_t log_offset;
  std::uint64_t log_size;
  std::uint64_t arena_offset;
  std::uint64_t arena_size;
  std::uint64_t identity;  // random stamp; the volatile segment must carry the same
  std::uint64_t created_unix_seconds;
  std::uint64_t geometry_checksum;
  // Transaction lock: neither logged nor checksummed; re-initialised by
  // the sole attacher.
  alignas(64) unsigned char txn_mutex[kLockBytes];
  // Mutable state: only written through transactions.
  AllocatorState alloc;
  Addr container_head;  // registry of every container header (for --check)
  std::uint64_t container_count;
  RootEntry roots[kRootSlots];
};
static_assert(sizeof(HeapHeader) <= kHeaderBytes);

// Undo log region: a LogHeader then packed entries. `used` == 0 means no
// transaction in flight; otherwise it is the byte length of valid entries.
struct LogHeader {
  std::uint64_t used;  // accessed with std::atomic_ref
  std::uint64_t reserved;
};
struct LogEntry {
  Addr addr;
  std::uint64_t len;  // pre-image bytes follow, padded to 8
};

// Free-block node fields, right after a free block's header tag. Small
// blocks use next/prev (doubly linked list); large blocks are treap nodes
// (see treap.h) keyed (size, block address).
struct FreeListLinks {
  Addr next;
  Addr prev;
};

std::uint64_t geometry_checksum(const HeapHeader& h);

}  // namespace format
}  // namespace ltp::ipc
