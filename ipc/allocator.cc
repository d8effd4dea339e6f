#include "ipc/allocator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "ipc/transaction.h"
#include "ipc/treap.h"

namespace ltp::ipc::detail {
namespace {

using format::AllocatorState;
using format::FreeListLinks;
using format::kBlockAlign;
using format::kInUseBit;
using format::kMaxSmallBlock;
using format::kMinBlock;
using format::kSmallClasses;
using format::kTagBytes;

constexpr Addr kState = offsetof(format::HeapHeader, alloc);
constexpr Addr small_head_slot(int c) {
  return kState + offsetof(AllocatorState, small_heads) + static_cast<Addr>(c) * sizeof(Addr);
}
constexpr Addr kLargeRootSlot = kState + offsetof(AllocatorState, large_root);
constexpr Addr kBytesInUse = kState + offsetof(AllocatorState, bytes_in_use);
constexpr Addr kBlocksInUse = kState + offsetof(AllocatorState, blocks_in_use);
constexpr Addr kFreeBlocks = kState + offsetof(AllocatorState, free_blocks);

// Free-node fields start right after the header tag.
constexpr Addr node_of(Addr block) { return block + kTagBytes; }
constexpr Addr block_of(Addr node) { return node - kTagBytes; }
constexpr int small_class(std::uint64_t block_size) {
  return static_cast<int>((block_size - kMinBlock) / kBlockAlign);
}
constexpr std::uint64_t class_size(int c) { return kMinBlock + kBlockAlign * c; }

std::uint64_t word(const Transaction& txn, Addr addr) { return *txn.get<std::uint64_t>(addr); }
std::uint64_t block_size(const Transaction& txn, Addr block) {
  return word(txn, block) & ~kInUseBit;
}
const AllocatorState& state(const Transaction& txn) { return *txn.get<AllocatorState>(kState); }

Result<void, HeapError> add(Transaction& txn, Addr counter, std::int64_t delta) {
  return txn.put<std::uint64_t>(counter, word(txn, counter) + static_cast<std::uint64_t>(delta));
}

Result<void, HeapError> set_tags(Transaction& txn, Addr block, std::uint64_t size,
                                 std::uint64_t flags) {
  BOOST_OUTCOME_TRY(txn.put<std::uint64_t>(block, size | flags));
  return txn.put<std::uint64_t>(block + size - kTagBytes, size | flags);
}

Result<void, HeapError> push_small(Transaction& txn, Addr block, int c) {
  const Addr head = state(txn).small_heads[c];
  BOOST_OUTCOME_TRY(txn.put(node_of(block), FreeListLinks{head, kNullAddr}));
  if (head != kNullAddr) {
    BOOST_OUTCOME_TRY(txn.put(node_of(head) + offsetof(FreeListLinks, prev), block));
  }
  return txn.put(small_head_slot(c), block);
}

Result<void, HeapError> unlink_small(Transaction& txn, Addr block, int c) {
  const FreeListLinks links = *txn.get<FreeListLinks>(node_of(block));
  if (links.prev != kNullAddr) {
    BOOST_OUTCOME_TRY(txn.put(node_of(links.prev) + offsetof(FreeListLinks, next), links.next));
  } else {
    BOOST_OUTCOME_TRY(txn.put(small_head_slot(c), links.next));
  }
  if (links.next != kNullAddr) {
    BOOST_OUTCOME_TRY(txn.put(node_of(links.next) + offsetof(FreeListLinks, prev), links.prev));
  }
  return success();
}

Result<void, HeapError> make_free(Transaction& txn, Addr block, std::uint64_t size) {
  BOOST_OUTCOME_TRY(set_tags(txn, block, size, 0));
  if (size <= kMaxSmallBlock) return push_small(txn, block, small_class(size));
  BOOST_OUTCOME_TRY(txn.put(node_of(block) + offsetof(TreapNode, key), TreapKey{size, block}));
  return treap::insert(txn, kLargeRootSlot, node_of(block));
}

Result<void, HeapError> remove_free(Transaction& txn, Addr block, std::uint64_t size) {
  if (size <= kMaxSmallBlock) return unlink_small(txn, block, small_class(size));
  BOOST_OUTCOME_TRY(treap::erase(txn, kLargeRootSlot, TreapKey{size, block}));
  return success();
}

// Unlinks a free block able to hold `need` bytes, or returns null.
Result<Addr, HeapError> take_free_block(Transaction& txn, std::uint64_t need) {
  const AllocatorState& st = state(txn);
  if (need <= kMaxSmallBlock) {
    const int c = small_class(need);
    if (const Addr block = st.small_heads[c]; block != kNullAddr) {
      BOOST_OUTCOME_TRY(unlink_small(txn, block, c));
      return block;
    }
  }
  if (const Addr node = treap::lower_bound(txn, st.large_root, TreapKey{need, 0});
      node != kNullAddr) {
    const Addr block = block_of(node);
    BOOST_OUTCOME_TRY(treap::erase(txn, kLargeRootSlot, TreapKey{block_size(txn, block), block}));
    return block;
  }
  // No large blocks left: split a bigger small one.
  for (int c = need <= kMaxSmallBlock ? small_class(need) + 1 : kSmallClasses; c < kSmallClasses;
       ++c) {
    if (const Addr block = st.small_heads[c]; block != kNullAddr) {
      BOOST_OUTCOME_TRY(unlink_small(txn, block, c));
      return block;
    }
  }
  return kNullAddr;
}

}  // namespace

void format_arena(std::byte* base, const format::HeapHeader& h) {
  auto put = [base](Addr addr, std::uint64_t v) { std::memcpy(base + addr, &v, sizeof v); };
  const Addr begin = h.arena_offset;
  const Addr end = h.arena_offset + h.arena_size;
  // In-use sentinels of size 0 stop coalescing at both ends of the arena.
  put(begin, kInUseBit);
  put(end - kTagBytes, kInUseBit);
  const Addr block = begin + kTagBytes;
  const std::uint64_t size = h.arena_size - 2 * kTagBytes;
  put(block, size);
  put(block + size - kTagBytes, size);
  const TreapNode node{kNullAddr, kNullAddr, TreapKey{size, block}};
  std::memcpy(base + node_of(block), &node, sizeof node);
  auto* st = reinterpret_cast<AllocatorState*>(base + kState);
  st->large_root = node_of(block);
  st->free_blocks = 1;
}

// Fast path for the common case of carving from a big free block (above
// all, the untouched "wilderness" at the end of the arena): take the tail
// and shrink the free block in place. Its address, and so its treap
// priority, is unchanged; if it still sorts after its in-order predecessor
// the tree needs no rotation, and the whole allocation is a handful of
// logged words. Returns null when the slow path must run.
Result<Addr, HeapError> carve_tail(Transaction& txn, std::uint64_t need) {
  const Addr root = state(txn).large_root;
  const Addr node = treap::lower_bound(txn, root, TreapKey{need, 0});
  if (node == kNullAddr) return kNullAddr;
  const Addr block = block_of(node);
  const std::uint64_t size = block_size(txn, block);
  const std::uint64_t rest = size - need;
  if (size < need || rest <= kMaxSmallBlock) return kNullAddr;
  BOOST_OUTCOME_TRY(shrunk, treap::rekey_in_place(txn, root, node, TreapKey{rest, block}));
  if (!shrunk) return kNullAddr;
  BOOST_OUTCOME_TRY(set_tags(txn, block, rest, 0));
  const Addr carved = block + rest;
  BOOST_OUTCOME_TRY(set_tags(txn, carved, need, kInUseBit));
  BOOST_OUTCOME_TRY(add(txn, kBytesInUse, static_cast<std::int64_t>(need)));
  BOOST_OUTCOME_TRY(add(txn, kBlocksInUse, 1));
  return carved + kTagBytes;
}

Result<Addr, HeapError> allocate(Transaction& txn, std::uint64_t bytes) {
  if (bytes > txn.heap().header().arena_size) return failure(HeapError::out_of_space);
  const std::uint64_t need =
      std::max(kMinBlock, (bytes + 2 * kTagBytes + kBlockAlign - 1) / kBlockAlign * kBlockAlign);
  // Exact-size small blocks first (no splitting); then the tail of a big one.
  if (need > kMaxSmallBlock || state(txn).small_heads[small_class(need)] == kNullAddr) {
    BOOST_OUTCOME_TRY(carved, carve_tail(txn, need));
    if (carved != kNullAddr) return carved;
  }
  BOOST_OUTCOME_TRY(block, take_free_block(txn, need));
  if (block == kNullAddr) return failure(HeapError::out_of_space);
  const std::uint64_t size = block_size(txn, block);
  // The caller may fill the payload without logging (fresh object), so
  // keep the pre-image of the free-node fields an abort must restore.
  BOOST_OUTCOME_TRY(txn.modify_bytes(block, kTagBytes + sizeof(TreapNode)));
  std::uint64_t used = size;
  if (size - need >= kMinBlock) {
    used = need;
    BOOST_OUTCOME_TRY(make_free(txn, block + need, size - need));
  } else {
    BOOST_OUTCOME_TRY(add(txn, kFreeBlocks, -1));
  }
  BOOST_OUTCOME_TRY(set_tags(txn, block, used, kInUseBit));
  BOOST_OUTCOME_TRY(add(txn, kBytesInUse, static_cast<std::int64_t>(used)));
  BOOST_OUTCOME_TRY(add(txn, kBlocksInUse, 1));
  return block + kTagBytes;
}

Result<void, HeapError> release(Transaction& txn, Addr object) {
  if (!is_live_object(txn, object)) return failure(HeapError::bad_address);
  const Addr block = object - kTagBytes;
  const std::uint64_t size = block_size(txn, block);
  BOOST_OUTCOME_TRY(add(txn, kBytesInUse, -static_cast<std::int64_t>(size)));
  BOOST_OUTCOME_TRY(add(txn, kBlocksInUse, -1));
  Addr start = block;
  std::uint64_t total = size;
  std::int64_t free_delta = 1;
  if (const std::uint64_t prev_tag = word(txn, block - kTagBytes); !(prev_tag & kInUseBit)) {
    BOOST_OUTCOME_TRY(remove_free(txn, block - prev_tag, prev_tag));
    start -= prev_tag;
    total += prev_tag;
    --free_delta;
  }
  if (const std::uint64_t next_tag = word(txn, block + size); !(next_tag & kInUseBit)) {
    BOOST_OUTCOME_TRY(remove_free(txn, block + size, next_tag));
    total += next_tag;
    --free_delta;
  }
  BOOST_OUTCOME_TRY(make_free(txn, start, total));
  return add(txn, kFreeBlocks, free_delta);
}

bool is_live_object(const Transaction& txn, Addr object) {
  const format::HeapHeader& h = txn.heap().header();
  const Addr block = object - kTagBytes;
  if (object < h.arena_offset + 2 * kTagBytes || !txn.in_arena(block, kMinBlock) ||
      (block - h.arena_offset - kTagBytes) % kBlockAlign != 0) {
    return false;
  }
  const std::uint64_t tag = word(txn, block);
  const std::uint64_t size = tag & ~kInUseBit;
  return (tag & kInUseBit) && size >= kMinBlock && size % kBlockAlign == 0 &&
         txn.in_arena(block, size + kTagBytes) && word(txn, block + size - kTagBytes) == tag;
}

std::uint64_t payload_bytes(const Transaction& txn, Addr object) {
  return block_size(txn, object - kTagBytes) - 2 * kTagBytes;
}

std::uint64_t largest_free_payload(const Transaction& txn) {
  const AllocatorState& st = state(txn);
  if (const Addr node = treap::last(txn, st.large_root); node != kNullAddr) {
    return txn.get<TreapNode>(node)->key.hi - 2 * kTagBytes;
  }
  for (int c = kSmallClasses - 1; c >= 0; --c) {
    if (st.small_heads[c] != kNullAddr) return class_size(c) - 2 * kTagBytes;
  }
  return 0;
}

ArenaWalk check_allocator(const Transaction& txn, std::vector<std::string>& problems) {
  const format::HeapHeader& h = txn.heap().header();
  const Addr begin = h.arena_offset;
  const Addr end = h.arena_offset + h.arena_size;
  ArenaWalk walk;
  std::vector<Addr> free_blocks;  // ascending
  if (word(txn, begin) != kInUseBit || word(txn, end - kTagBytes) != kInUseBit) {
    problems.push_back("arena sentinel tags are damaged");
    return walk;
  }
  bool previous_free = false;
  for (Addr block = begin + kTagBytes; block < end - kTagBytes;) {
    const std::uint64_t tag = word(txn, block);
    const std::uint64_t size = tag & ~kInUseBit;
    if (size < kMinBlock || size % kBlockAlign != 0 || size > end - kTagBytes - block) {
      problems.push_back(fmt::format("block {:#x}: bad size tag {:#x}; walk stopped", block, tag));
      return walk;
    }
    if (word(txn, block + size - kTagBytes) != tag) {
      problems.push_back(fmt::format("block {:#x}: footer does not match header", block));
    }
    if (tag & kInUseBit) {
      ++walk.blocks_in_use;
      walk.bytes_in_use += size;
      walk.live_objects.push_back(block + kTagBytes);
      previous_free = false;
    } else {
      if (previous_free) {
        problems.push_back(
            fmt::format("block {:#x}: two adjacent free blocks (not coalesced)", block));
      }
      ++walk.free_blocks;
      walk.free_bytes += size;
      free_blocks.push_back(block);
      previous_free = true;
    }
    block += size;
  }
  auto is_free_block = [&](Addr block) {
    return std::binary_search(free_blocks.begin(), free_blocks.end(), block);
  };

  const AllocatorState& st = state(txn);
  std::uint64_t listed = 0;
  for (int c = 0; c < kSmallClasses; ++c) {
    Addr prev = kNullAddr;
    for (Addr block = st.small_heads[c]; block != kNullAddr;) {
      if (!is_free_block(block) || block_size(txn, block) != class_size(c)) {
        problems.push_back(
            fmt::format("free list {} (size {}): {:#x} is not a free block of that size", c,
                        class_size(c), block));
        break;
      }
      const FreeListLinks links = *txn.get<FreeListLinks>(node_of(block));
      if (links.prev != prev) {
        problems.push_back(fmt::format("free list {}: {:#x} has a wrong back link", c, block));
        break;
      }
      if (++listed > walk.free_blocks) break;  // cycle; reported by the count check
      prev = block;
      block = links.next;
    }
  }
  std::string problem;
  listed += treap::check(
      txn, st.large_root,
      [&](Addr node) {
        const Addr block = block_of(node);
        if (!txn.in_arena(node, sizeof(TreapNode)) || !is_free_block(block)) return false;
        const std::uint64_t size = block_size(txn, block);
        return size > kMaxSmallBlock && txn.get<TreapNode>(node)->key == TreapKey{size, block};
      },
      problem);
  if (!problem.empty()) problems.push_back("free-block tree: " + problem);
  if (listed != walk.free_blocks) {
    problems.push_back(fmt::format("{} free blocks in the arena but {} on free lists and tree",
                                   walk.free_blocks, listed));
  }
  if (st.bytes_in_use != walk.bytes_in_use || st.blocks_in_use != walk.blocks_in_use ||
      st.free_blocks != walk.free_blocks) {
    problems.push_back(fmt::format(
        "allocator counters (in use {} B / {} blocks, {} free) disagree with the arena walk "
        "({} B / {} blocks, {} free)",
        st.bytes_in_use, st.blocks_in_use, st.free_blocks, walk.bytes_in_use, walk.blocks_in_use,
        walk.free_blocks));
  }
  return walk;
}

}  // namespace ltp::ipc::detail
