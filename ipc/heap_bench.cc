// ipc_bench: measures what the SDR layer costs (transaction begin/commit
// with and without msync, logged and unlogged writes, allocator and
// container operations). Numbers for docs/design.md; not a test.
//   ipc_bench [DIR]   (default: a temp dir; use a real disk for msync)
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "ipc/heap.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"

namespace {

using namespace ltp::ipc;
using Clock = std::chrono::steady_clock;

void report(const char* what, int n, const std::function<void()>& body) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) body();
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / n;
  std::printf("%-48s %10.0f ns\n", what, ns);
}

void die(const char* what) {
  std::fprintf(stderr, "ipc_bench: %s failed\n", what);
  std::exit(1);
}

void run(const std::filesystem::path& dir, bool durable) {
  const auto path = dir / (durable ? "durable.heap" : "fast.heap");
  std::filesystem::remove(path);
  if (!Heap::create(path, {.size = std::uint64_t{512} << 20, .log_size = 16 << 20})) die("create");
  auto heap = std::move(Heap::attach(path, {.durable = durable})).value();
  Addr obj = 0;
  {
    auto txn = heap->begin().value();
    obj = txn.alloc(1 << 20).value();
    if (!txn.commit()) die("commit");
  }
  const int n = durable ? 200 : 200000;
  std::printf("--- %s ---\n", durable ? "durable (msync at commit)" : "default (no msync)");
  if (!durable) {
    // A scratch file: the heap's own file is flock(LOCK_SH)ed while attached.
    const auto scratch = dir / "flock.scratch";
    const int fd = ::open(scratch.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    report("for comparison: flock(LOCK_EX) + flock(LOCK_UN)", n, [&] {
      ::flock(fd, LOCK_EX);
      ::flock(fd, LOCK_UN);
    });
    ::close(fd);
    std::filesystem::remove(scratch);
  }
  report("begin + commit, no writes", n, [&] {
    auto txn = heap->begin().value();
    if (!txn.commit()) die("commit");
  });
  std::uint64_t v = 0;
  report("begin + 1 logged 8-byte write + commit", n, [&] {
    auto txn = heap->begin().value();
    if (!txn.put(obj, ++v) || !txn.commit()) die("put");
  });
  report("begin + 10 logged 8-byte writes (distinct) + commit", n, [&] {
    auto txn = heap->begin().value();
    for (int i = 0; i < 10; ++i) {
      if (!txn.put(obj + 64 * i, ++v)) die("put");
    }
    if (!txn.commit()) die("commit");
  });
  if (durable) return;
  {
    auto txn = heap->begin().value();
    const int writes = 100000;
    const auto start = Clock::now();
    for (int i = 0; i < writes; ++i) {
      if (!txn.put(obj, ++v)) die("put");
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    std::printf("%-48s %10.1f ns\n", "repeat logged write, same range (deduped)", ns / writes);
    if (!txn.commit()) die("commit");
  }
  std::vector<std::byte> chunk(64 * 1024, std::byte{1});
  report("64 KiB logged write + commit", 2000, [&] {
    auto txn = heap->begin().value();
    if (!txn.write(obj, chunk.data(), chunk.size()) || !txn.commit()) die("write");
  });
  report("64 KiB write_unlogged + commit", 2000, [&] {
    auto txn = heap->begin().value();
    txn.write_unlogged(obj, chunk.data(), chunk.size());
    if (!txn.commit()) die("commit");
  });
  report("alloc+free 64 B (own txn each)", 100000, [&] {
    auto txn = heap->begin().value();
    auto a = txn.alloc(64);
    if (!a || !txn.free(a.value()) || !txn.commit()) die("alloc");
  });
  {
    std::vector<Addr> objs;
    auto txn = heap->begin().value();
    report("alloc 64 B (batch of 20000 in one txn)", 20000,
           [&] { objs.push_back(txn.alloc(64).value()); });
    report("free 64 B (deferred to commit)", 20000, [&, i = 0]() mutable {
      if (!txn.free(objs[i++])) die("free");
    });
    const auto start = Clock::now();
    if (!txn.commit()) die("commit");
    std::printf("%-48s %10.0f ns\n", "  commit applying 20000 frees, per free",
                std::chrono::duration<double, std::nano>(Clock::now() - start).count() / 20000);
  }
  report("alloc+free 200 KiB (own txn each)", 20000, [&] {
    auto txn = heap->begin().value();
    auto a = txn.alloc(200 * 1024);
    if (!a || !txn.free(a.value()) || !txn.commit()) die("alloc");
  });
  auto txn = heap->begin().value();
  auto list = PList::create(txn).value();
  auto hash = PHashMap::create(txn).value();
  auto ordered = POrderedMap::create(txn).value();
  if (!txn.commit()) die("commit");
  std::uint64_t k = 0;
  report("list push_back (own txn)", 50000, [&] {
    auto t = heap->begin().value();
    if (!list.push_back(t, ++k) || !t.commit()) die("list");
  });
  k = 0;
  report("hash insert, 50k keys (own txn)", 50000, [&] {
    auto t = heap->begin().value();
    ++k;
    if (!hash.insert(t, k, k) || !t.commit()) die("hash");
  });
  k = 0;
  report("ordered insert, 50k keys (own txn)", 50000, [&] {
    auto t = heap->begin().value();
    ++k;
    if (!ordered.insert(t, {k * 7919 % 100003, 0}, k) || !t.commit()) die("ordered");
  });
  auto reader = heap->begin().value();
  report("hash find (in one txn)", 50000, [&] {
    if (!hash.find(reader, ++k % 50000 + 1)) die("find");
  });
}

}  // namespace

int main(int argc, char** argv) {
  ltp::ipc::testing::TempDir tmp;
  const std::filesystem::path dir = argc > 1 ? std::filesystem::path(argv[1]) : tmp.path();
  run(dir, false);
  run(dir, true);
  std::filesystem::remove(dir / "fast.heap");
  std::filesystem::remove(dir / "durable.heap");
  return 0;
}
