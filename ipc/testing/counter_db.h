// CounterDb: a small database for the crash tests whose
// every container is a pure function of one committed counter, so after any
// crash the test can say exactly what must be in the heap.
//
// Transaction n (counter n-1 -> n) appends n to a list, inserts n -> 7n in a
// hash map and (n % 97, n) -> n in an ordered map, keeps only the newest
// kWindow of each, and rotates a pool of blobs of random sizes (pattern-
// filled, exercising small and large allocations and frees).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "ipc/transaction.h"

namespace ltp::ipc::testing {

class CounterDb {
 public:
  static constexpr std::uint64_t kWindow = 300;
  static constexpr std::uint64_t kBlobs = 8;

  struct Root {
    std::uint64_t counter;
    Addr list;
    Addr hash;
    Addr ordered;
    Addr blobs;
  };
  struct BlobHeader {
    std::uint64_t id;
    std::uint64_t bytes;
  };

  // Creates the database (once per heap) under `root_name`.
  static Result<Addr, HeapError> create(Transaction& txn, std::string_view root_name) {
    BOOST_OUTCOME_TRY(root, txn.alloc(sizeof(Root)));
    BOOST_OUTCOME_TRY(list, PList::create(txn));
    BOOST_OUTCOME_TRY(hash, PHashMap::create(txn));
    BOOST_OUTCOME_TRY(ordered, POrderedMap::create(txn));
    BOOST_OUTCOME_TRY(blobs, PList::create(txn));
    BOOST_OUTCOME_TRY(
        txn.put(root, Root{0, list.header(), hash.header(), ordered.header(), blobs.header()}));
    BOOST_OUTCOME_TRY(txn.set_root(root_name, root));
    return root;
  }

  // One step: counter n-1 -> n, inside the caller's transaction.
  static Result<std::uint64_t, HeapError> step(Transaction& txn, Addr root_addr,
                                               std::mt19937_64& rng) {
    const Root root = *txn.get<Root>(root_addr);
    const std::uint64_t n = root.counter + 1;
    BOOST_OUTCOME_TRY(list, PList::open(txn, root.list));
    BOOST_OUTCOME_TRY(hash, PHashMap::open(txn, root.hash));
    BOOST_OUTCOME_TRY(ordered, POrderedMap::open(txn, root.ordered));
    BOOST_OUTCOME_TRY(blobs, PList::open(txn, root.blobs));
    BOOST_OUTCOME_TRY(list.push_back(txn, n));
    BOOST_OUTCOME_TRY(hash.insert(txn, n, 7 * n));
    BOOST_OUTCOME_TRY(ordered.insert(txn, key(n), n));
    if (n > kWindow) {
      const std::uint64_t old = n - kWindow;
      BOOST_OUTCOME_TRY(front, list.pop_front(txn));
      if (front != old) return failure(HeapError::bad_address);
      BOOST_OUTCOME_TRY(hash.erase(txn, old));
      BOOST_OUTCOME_TRY(ordered.erase(txn, key(old)));
    }
    const std::uint64_t bytes =
        rng() % 16 == 0 ? 64 * 1024 + rng() % (512 * 1024) : 16 + rng() % 3000;
    BOOST_OUTCOME_TRY(blob, txn.alloc(sizeof(BlobHeader) + bytes));
    BOOST_OUTCOME_TRY(txn.put(blob, BlobHeader{n, bytes}));
    auto body = txn.unlogged_bytes(blob + sizeof(BlobHeader), bytes);
    std::fill(body.begin(), body.end(), static_cast<std::byte>(n));
    BOOST_OUTCOME_TRY(blobs.push_back(txn, blob));
    if (blobs.size(txn) > kBlobs) {
      BOOST_OUTCOME_TRY(oldest, blobs.pop_front(txn));
      BOOST_OUTCOME_TRY(txn.free(oldest));
    }
    BOOST_OUTCOME_TRY(txn.put(root_addr + offsetof(Root, counter), n));
    return n;
  }

  // Everything the containers must hold given the counter; empty if so.
  static std::vector<std::string> verify(const Transaction& txn, Addr root_addr) {
    std::vector<std::string> problems;
    auto fail = [&](std::string s) { problems.push_back(std::move(s)); };
    const Root root = *txn.get<Root>(root_addr);
    const std::uint64_t n = root.counter;
    const std::uint64_t lowest = n > kWindow ? n - kWindow + 1 : 1;
    const std::uint64_t expected = n >= lowest ? n - lowest + 1 : 0;
    auto list = PList::open(txn, root.list).value();
    auto hash = PHashMap::open(txn, root.hash).value();
    auto ordered = POrderedMap::open(txn, root.ordered).value();
    auto blobs = PList::open(txn, root.blobs).value();
    if (n == 0) return problems;
    if (list.size(txn) != expected) fail("list size " + std::to_string(list.size(txn)));
    if (hash.size(txn) != expected) fail("hash size " + std::to_string(hash.size(txn)));
    if (ordered.size(txn) != expected) fail("ordered size " + std::to_string(ordered.size(txn)));
    std::uint64_t want = lowest;
    for (Addr node = list.first(txn); node != kNullAddr; node = list.next(txn, node), ++want) {
      if (list.value(txn, node) != want) {
        fail("list holds " + std::to_string(list.value(txn, node)) + " where " +
             std::to_string(want) + " belongs");
        break;
      }
    }
    for (std::uint64_t i = lowest; i <= n; ++i) {
      if (hash.find(txn, i) != 7 * i) fail("hash lacks " + std::to_string(i));
      if (ordered.find(txn, key(i)) != i) fail("ordered map lacks " + std::to_string(i));
    }
    if (hash.find(txn, n + 1) || ordered.find(txn, key(n + 1))) fail("uncommitted entry present");
    std::uint64_t blob_id = n - std::min<std::uint64_t>(n, kBlobs);
    for (Addr node = blobs.first(txn); node != kNullAddr; node = blobs.next(txn, node)) {
      const Addr blob = blobs.value(txn, node);
      const BlobHeader b = *txn.get<BlobHeader>(blob);
      if (b.id != ++blob_id) fail("blob " + std::to_string(b.id) + " out of sequence");
      const auto body = txn.bytes(blob + sizeof(BlobHeader), b.bytes);
      if (body.front() != static_cast<std::byte>(b.id) ||
          body.back() != static_cast<std::byte>(b.id)) {
        fail("blob " + std::to_string(b.id) + " contents damaged");
      }
    }
    if (blob_id != n) fail("blob list ends at " + std::to_string(blob_id));
    return problems;
  }

  static std::uint64_t counter(const Transaction& txn, Addr root_addr) {
    return txn.get<Root>(root_addr)->counter;
  }

 private:
  static OrderedKey key(std::uint64_t n) { return {n % 97, n}; }
};

}  // namespace ltp::ipc::testing
