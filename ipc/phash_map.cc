#include "ipc/phash_map.h"

#include <fmt/format.h>

#include <cstddef>
#include <cstring>

#include "ipc/allocator.h"
#include "ipc/hash.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

constexpr std::uint64_t kInitialBuckets = 16;

struct HashHeader {
  ContainerHeader base;
  Addr buckets;                // array of bucket_count node addresses
  std::uint64_t bucket_count;  // power of two
  std::uint64_t count;
};

struct HashNode {
  Addr next;
  std::uint64_t key;
  std::uint64_t value;
};

constexpr Addr count_slot(Addr h) { return h + offsetof(HashHeader, count); }
constexpr Addr value_slot(Addr n) { return n + offsetof(HashNode, value); }
constexpr Addr bucket_slot(Addr buckets, std::uint64_t i) { return buckets + i * sizeof(Addr); }
std::uint64_t bucket_of(std::uint64_t key, std::uint64_t bucket_count) {
  return mix64(key) & (bucket_count - 1);
}

const HashHeader& hdr(const Transaction& txn, Addr h) { return *txn.get<HashHeader>(h); }
const HashNode& node_at(const Transaction& txn, Addr n) { return *txn.get<HashNode>(n); }

// A fresh, zeroed bucket array (fresh objects need no pre-images).
Result<Addr, HeapError> new_buckets(Transaction& txn, std::uint64_t count) {
  BOOST_OUTCOME_TRY(buckets, txn.alloc(count * sizeof(Addr)));
  auto bytes = txn.unlogged_bytes(buckets, count * sizeof(Addr));
  std::memset(bytes.data(), 0, bytes.size());
  return buckets;
}

}  // namespace

Result<PHashMap, HeapError> PHashMap::create(Transaction& txn) {
  BOOST_OUTCOME_TRY(h, txn.alloc(sizeof(HashHeader)));
  BOOST_OUTCOME_TRY(buckets, new_buckets(txn, kInitialBuckets));
  BOOST_OUTCOME_TRY(txn.put(h, HashHeader{{}, buckets, kInitialBuckets, 0}));
  BOOST_OUTCOME_TRY(registry::add(txn, h, ContainerTag::hash_map));
  return PHashMap(h);
}

Result<PHashMap, HeapError> PHashMap::open(const Transaction& txn, Addr header) {
  if (!registry::holds(txn, header, ContainerTag::hash_map)) {
    return failure(HeapError::wrong_type);
  }
  return PHashMap(header);
}

std::uint64_t PHashMap::size(const Transaction& txn) const { return hdr(txn, header_).count; }

Addr PHashMap::find_link(const Transaction& txn, std::uint64_t key) const {
  const HashHeader& h = hdr(txn, header_);
  Addr link = bucket_slot(h.buckets, bucket_of(key, h.bucket_count));
  for (Addr n = *txn.get<Addr>(link); n != kNullAddr; n = *txn.get<Addr>(link)) {
    if (node_at(txn, n).key == key) break;
    link = n + offsetof(HashNode, next);
  }
  return link;
}

std::optional<std::uint64_t> PHashMap::find(const Transaction& txn, std::uint64_t key) const {
  const Addr n = *txn.get<Addr>(find_link(txn, key));
  if (n == kNullAddr) return std::nullopt;
  return node_at(txn, n).value;
}

Result<void, HeapError> PHashMap::insert(Transaction& txn, std::uint64_t key, std::uint64_t value) {
  if (*txn.get<Addr>(find_link(txn, key)) != kNullAddr) return failure(HeapError::duplicate_key);
  if (hdr(txn, header_).count + 1 > hdr(txn, header_).bucket_count) {
    BOOST_OUTCOME_TRY(grow(txn));
  }
  const HashHeader& h = hdr(txn, header_);
  const Addr slot = bucket_slot(h.buckets, bucket_of(key, h.bucket_count));
  BOOST_OUTCOME_TRY(n, txn.alloc(sizeof(HashNode)));
  BOOST_OUTCOME_TRY(txn.put(n, HashNode{*txn.get<Addr>(slot), key, value}));
  BOOST_OUTCOME_TRY(txn.put(slot, n));
  return txn.put<std::uint64_t>(count_slot(header_), h.count + 1);
}

Result<void, HeapError> PHashMap::assign(Transaction& txn, std::uint64_t key, std::uint64_t value) {
  const Addr n = *txn.get<Addr>(find_link(txn, key));
  if (n == kNullAddr) return insert(txn, key, value);
  return txn.put(value_slot(n), value);
}

Result<std::uint64_t, HeapError> PHashMap::erase(Transaction& txn, std::uint64_t key) {
  const Addr link = find_link(txn, key);
  const Addr n = *txn.get<Addr>(link);
  if (n == kNullAddr) return failure(HeapError::not_found);
  const HashNode node = node_at(txn, n);
  BOOST_OUTCOME_TRY(txn.put(link, node.next));
  BOOST_OUTCOME_TRY(txn.put<std::uint64_t>(count_slot(header_), hdr(txn, header_).count - 1));
  BOOST_OUTCOME_TRY(txn.free(n));
  return node.value;
}

Result<void, HeapError> PHashMap::grow(Transaction& txn) {
  const HashHeader h = hdr(txn, header_);
  const std::uint64_t count = h.bucket_count * 2;
  BOOST_OUTCOME_TRY(buckets, new_buckets(txn, count));
  for (std::uint64_t i = 0; i < h.bucket_count; ++i) {
    for (Addr n = *txn.get<Addr>(bucket_slot(h.buckets, i)); n != kNullAddr;) {
      const HashNode node = node_at(txn, n);
      const Addr slot = bucket_slot(buckets, bucket_of(node.key, count));
      BOOST_OUTCOME_TRY(txn.put(n + offsetof(HashNode, next), *txn.get<Addr>(slot)));
      BOOST_OUTCOME_TRY(txn.put(slot, n));
      n = node.next;
    }
  }
  BOOST_OUTCOME_TRY(txn.put(header_ + offsetof(HashHeader, buckets), buckets));
  BOOST_OUTCOME_TRY(txn.put(header_ + offsetof(HashHeader, bucket_count), count));
  return txn.free(h.buckets);
}

void PHashMap::for_each(
    const Transaction& txn,
    const std::function<void(std::uint64_t key, std::uint64_t value)>& fn) const {
  const HashHeader& h = hdr(txn, header_);
  for (std::uint64_t i = 0; i < h.bucket_count; ++i) {
    for (Addr n = *txn.get<Addr>(bucket_slot(h.buckets, i)); n != kNullAddr;
         n = node_at(txn, n).next) {
      fn(node_at(txn, n).key, node_at(txn, n).value);
    }
  }
}

Result<void, HeapError> PHashMap::destroy(Transaction& txn) {
  const HashHeader& h = hdr(txn, header_);
  for (std::uint64_t i = 0; i < h.bucket_count; ++i) {
    for (Addr n = *txn.get<Addr>(bucket_slot(h.buckets, i)); n != kNullAddr;
         n = node_at(txn, n).next) {
      BOOST_OUTCOME_TRY(txn.free(n));
    }
  }
  BOOST_OUTCOME_TRY(txn.free(h.buckets));
  BOOST_OUTCOME_TRY(registry::remove(txn, header_));
  return txn.free(header_);
}

std::uint64_t PHashMap::check(const Transaction& txn, Addr header,
                              std::vector<std::string>& problems) {
  const HashHeader& h = hdr(txn, header);
  if (h.bucket_count == 0 || (h.bucket_count & (h.bucket_count - 1)) != 0 ||
      !detail::is_live_object(txn, h.buckets) ||
      detail::payload_bytes(txn, h.buckets) / sizeof(Addr) < h.bucket_count) {
    problems.push_back(fmt::format("hash map {:#x}: bucket array is invalid", header));
    return 0;
  }
  std::uint64_t count = 0;
  for (std::uint64_t i = 0; i < h.bucket_count; ++i) {
    for (Addr n = *txn.get<Addr>(bucket_slot(h.buckets, i)); n != kNullAddr;
         n = node_at(txn, n).next) {
      if (!detail::is_live_object(txn, n) || detail::payload_bytes(txn, n) < sizeof(HashNode)) {
        problems.push_back(
            fmt::format("hash map {:#x}: node {:#x} is not a live object", header, n));
        return count;
      }
      if (bucket_of(node_at(txn, n).key, h.bucket_count) != i) {
        problems.push_back(fmt::format("hash map {:#x}: key {} is in the wrong bucket", header,
                                       node_at(txn, n).key));
      }
      if (++count > h.count) {
        problems.push_back(
            fmt::format("hash map {:#x}: more nodes than its count {}", header, h.count));
        return count;
      }
    }
  }
  if (count != h.count) {
    problems.push_back(
        fmt::format("hash map {:#x}: count says {} but {} nodes linked", header, h.count, count));
  }
  return count;
}

}  // namespace ltp::ipc
