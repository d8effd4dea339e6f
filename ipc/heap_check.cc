#include "ipc/heap_check.h"

#include <fmt/format.h>

#include <cstring>

#include "ipc/allocator.h"
#include "ipc/container_registry.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "ipc/transaction.h"

namespace ltp::ipc {

HeapStats heap_stats(const Transaction& txn) {
  const format::HeapHeader& h = txn.heap().header();
  HeapStats s;
  s.file_size = h.file_size;
  s.log_size = h.log_size;
  s.arena_size = h.arena_size;
  s.bytes_in_use = h.alloc.bytes_in_use;
  s.objects = h.alloc.blocks_in_use;
  s.free_bytes = h.arena_size - 2 * format::kTagBytes - h.alloc.bytes_in_use;
  s.free_blocks = h.alloc.free_blocks;
  s.largest_free_block = detail::largest_free_payload(txn);
  std::uint64_t seen = 0;
  for (Addr c = registry::first(txn); c != kNullAddr && seen++ <= h.container_count;
       c = registry::next(txn, c)) {
    switch (txn.get<ContainerHeader>(c)->tag) {
      case ContainerTag::list:
        ++s.lists;
        break;
      case ContainerTag::hash_map:
        ++s.hash_maps;
        break;
      case ContainerTag::ordered_map:
        ++s.ordered_maps;
        break;
    }
  }
  for (const auto& r : h.roots) {
    const std::string name(r.name, ::strnlen(r.name, sizeof r.name));
    if (!name.empty()) s.roots.emplace_back(name, r.addr);
  }
  return s;
}

std::vector<std::string> check_heap(const Transaction& txn) {
  std::vector<std::string> problems;
  const format::HeapHeader& h = txn.heap().header();
  const detail::ArenaWalk walk = detail::check_allocator(txn, problems);
  if (!problems.empty() && walk.live_objects.empty() && walk.free_blocks == 0) return problems;

  std::uint64_t containers = 0;
  Addr prev = kNullAddr;
  for (Addr c = registry::first(txn); c != kNullAddr; c = registry::next(txn, c)) {
    if (!detail::is_live_object(txn, c) ||
        detail::payload_bytes(txn, c) < sizeof(ContainerHeader)) {
      problems.push_back(fmt::format("container registry: {:#x} is not a live object", c));
      break;
    }
    const ContainerHeader& ch = *txn.get<ContainerHeader>(c);
    if (ch.registry_prev != prev) {
      problems.push_back(fmt::format("container registry: {:#x} has a wrong back link", c));
      break;
    }
    if (++containers > h.container_count) {
      problems.push_back("container registry: more containers than its count (cycle?)");
      break;
    }
    switch (ch.tag) {
      case ContainerTag::list:
        PList::check(txn, c, problems);
        break;
      case ContainerTag::hash_map:
        PHashMap::check(txn, c, problems);
        break;
      case ContainerTag::ordered_map:
        POrderedMap::check(txn, c, problems);
        break;
      default:
        problems.push_back(fmt::format("container {:#x}: unknown type tag {:#x}", c,
                                       static_cast<std::uint32_t>(ch.tag)));
    }
    prev = c;
  }
  if (containers != h.container_count) {
    problems.push_back(fmt::format("container registry: count says {} but {} linked",
                                   h.container_count, containers));
  }
  for (const auto& r : h.roots) {
    if (r.name[0] != '\0' && r.addr != kNullAddr && !detail::is_live_object(txn, r.addr)) {
      problems.push_back(fmt::format("root \"{}\" points at {:#x}, which is not a live object",
                                     std::string(r.name, ::strnlen(r.name, sizeof r.name)),
                                     r.addr));
    }
  }
  return problems;
}

}  // namespace ltp::ipc
