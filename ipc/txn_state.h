// TxnState: per-Heap bookkeeping of the transaction currently open in this
// process (at most one: the heap lock serialises them). Internal to
// heap.cc / transaction.cc; no persistent data lives here.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/heap_lock.h"
#include "ipc/undo_log.h"

namespace ltp::ipc {

struct TxnState {
  TxnState(int fd, void* mutex_storage) : lock(fd, mutex_storage) {}

  HeapLock lock;
  UndoLog log;
  std::atomic<std::thread::id> owner{};
  int depth = 0;
  std::optional<HeapError> doomed;  // set by an inner abort or a failed write

  // Ranges already logged in this transaction: a fixed open-addressed table
  // invalidated by bumping `generation`, so begin() costs O(1) and writes
  // never allocate. A miss only costs a duplicate log entry.
  struct Logged {
    Addr addr;
    std::uint64_t len;
    std::uint64_t generation;
  };
  static constexpr std::size_t kLoggedSlots = 1024;
  std::array<Logged, kLoggedSlots> logged{};
  std::uint64_t generation = 0;

  // Payloads allocated in this transaction need no pre-images (an abort
  // frees them). Recent ones only; older ones fall back to logging.
  struct Range {
    Addr begin;
    Addr end;
  };
  static constexpr std::size_t kFreshSlots = 16;
  std::array<Range, kFreshSlots> fresh{};
  std::size_t fresh_next = 0;

  // Frees are applied at commit so a block freed in this transaction is
  // never handed out again (unlogged) before the transaction is durable.
  std::vector<Addr> pending_free;

  // Bounds of bytes written, for msync in durable mode.
  Addr dirty_lo = 0;
  Addr dirty_hi = 0;

  void reset() {
    ++generation;
    fresh.fill(Range{0, 0});
    fresh_next = 0;
    pending_free.clear();
    doomed.reset();
    dirty_lo = ~Addr{0};
    dirty_hi = 0;
  }
};

}  // namespace ltp::ipc
