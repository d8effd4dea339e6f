// Concurrency tests: several processes (and threads) hammer one heap with
// allocations, frees and container updates under transactions; at the end
// every invariant holds and no update was lost.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

#include "ipc/heap.h"
#include "ipc/heap_check.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

constexpr int kProcesses = 4;
constexpr int kThreadsPerProcess = 2;
constexpr int kTransactionsPerThread = 250;
constexpr int kWorkers = kProcesses * kThreadsPerProcess;

struct SharedRoot {
  std::uint64_t counter;
  Addr hash;             // worker << 32 | i -> i
  Addr ordered;          // (i, worker) -> worker
  Addr blobs;            // live blob addresses, any worker's
  Addr lists[kWorkers];  // per worker: 0, 1, 2, ...
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Heap::create(path(), {.size = 64 << 20, .log_size = 1 << 20}));
    auto heap = Heap::attach(path()).value();
    auto txn = heap->begin().value();
    SharedRoot root{};
    root.hash = PHashMap::create(txn).value().header();
    root.ordered = POrderedMap::create(txn).value().header();
    root.blobs = PList::create(txn).value().header();
    for (auto& l : root.lists) l = PList::create(txn).value().header();
    const Addr r = txn.alloc(sizeof root).value();
    ASSERT_TRUE(txn.put(r, root));
    ASSERT_TRUE(txn.set_root("shared", r));
    ASSERT_TRUE(txn.commit());
  }

  std::filesystem::path path() const { return dir_.path() / "sdr.heap"; }
  testing::TempDir dir_;
};

// One worker's transactions; aborts one in five after doing its writes.
// Returns false on any unexpected failure.
bool run_worker(Heap& heap, int worker) {
  std::mt19937_64 rng(worker);
  for (int i = 0; i < kTransactionsPerThread;) {
    auto txn = heap.begin().value();
    const Addr r = txn.root("shared").value();
    const SharedRoot root = *txn.get<SharedRoot>(r);
    auto hash = PHashMap::open(txn, root.hash).value();
    auto ordered = POrderedMap::open(txn, root.ordered).value();
    auto blobs = PList::open(txn, root.blobs).value();
    auto mine = PList::open(txn, root.lists[worker]).value();
    const auto key = (static_cast<std::uint64_t>(worker) << 32) | static_cast<std::uint64_t>(i);
    bool ok =
        txn.put(r + offsetof(SharedRoot, counter), root.counter + 1) && hash.insert(txn, key, i) &&
        ordered.insert(txn, {static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(worker)},
                       worker) &&
        mine.push_back(txn, i);
    auto blob = txn.alloc(16 + rng() % (rng() % 8 == 0 ? 100000 : 2000));
    ok = ok && blob && blobs.push_back(txn, blob.value());
    if (ok && blobs.size(txn) > 32) {
      auto oldest = blobs.pop_front(txn);
      ok = oldest && txn.free(oldest.value());
    }
    if (!ok) return false;
    if (rng() % 5 == 0) {
      txn.abort();
      continue;
    }
    if (!txn.commit()) return false;
    ++i;
  }
  return true;
}

TEST_F(ConcurrencyTest, ProcessesAndThreadsNeverLoseAnUpdate) {
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(go[1]);
      char c;
      if (::read(go[0], &c, 1) != 0) ::_exit(2);  // EOF = everyone starts together
      auto heap = Heap::attach(path());
      if (!heap) ::_exit(3);
      std::vector<std::thread> threads;
      bool ok[kThreadsPerProcess] = {};
      for (int t = 0; t < kThreadsPerProcess; ++t) {
        threads.emplace_back(
            [&, t] { ok[t] = run_worker(*heap.value(), p * kThreadsPerProcess + t); });
      }
      for (auto& t : threads) t.join();
      for (bool b : ok) {
        if (!b) ::_exit(4);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "worker process failed";
  }

  auto heap = Heap::attach(path()).value();
  auto txn = heap->begin().value();
  for (const auto& p : check_heap(txn)) ADD_FAILURE() << p;
  const SharedRoot root = *txn.get<SharedRoot>(txn.root("shared").value());
  constexpr std::uint64_t kTotal = std::uint64_t{kWorkers} * kTransactionsPerThread;
  EXPECT_EQ(root.counter, kTotal);
  auto hash = PHashMap::open(txn, root.hash).value();
  auto ordered = POrderedMap::open(txn, root.ordered).value();
  EXPECT_EQ(hash.size(txn), kTotal);
  EXPECT_EQ(ordered.size(txn), kTotal);
  EXPECT_EQ(PList::open(txn, root.blobs).value().size(txn), 32u);
  for (int w = 0; w < kWorkers; ++w) {
    auto list = PList::open(txn, root.lists[w]).value();
    ASSERT_EQ(list.size(txn), static_cast<std::uint64_t>(kTransactionsPerThread));
    std::uint64_t want = 0;
    for (Addr n = list.first(txn); n != kNullAddr; n = list.next(txn, n), ++want) {
      ASSERT_EQ(list.value(txn, n), want) << "worker " << w;
      const auto key = (static_cast<std::uint64_t>(w) << 32) | want;
      ASSERT_EQ(hash.find(txn, key), want);
      ASSERT_EQ(ordered.find(txn, {want, static_cast<std::uint64_t>(w)}),
                static_cast<std::uint64_t>(w));
    }
  }
  // 32 blobs, 8 lists' nodes, hash/ordered nodes, and the fixed objects:
  // nothing leaked by the aborted transactions.
  const HeapStats s = heap_stats(txn);
  EXPECT_EQ(s.objects, 32 + kTotal * 3 + /*list nodes of blobs*/ 32 + /*root+headers*/ 1 + 3 +
                           kWorkers + /*hash buckets*/ 1);
}

}  // namespace
}  // namespace ltp::ipc
