#include "ipc/undo_log.h"

#include <atomic>
#include <cstring>
#include <vector>

namespace ltp::ipc {
namespace {

constexpr std::uint64_t pad8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

}  // namespace

std::uint64_t UndoLog::used() const {
  return std::atomic_ref<std::uint64_t>(header_->used).load(std::memory_order_acquire);
}

bool UndoLog::append(Addr addr, std::uint64_t len) {
  const std::uint64_t at = used();
  const std::uint64_t need = sizeof(format::LogEntry) + pad8(len);
  if (need > capacity_ - at) return false;
  auto* entry = reinterpret_cast<format::LogEntry*>(entries_ + at);
  entry->addr = addr;
  entry->len = len;
  std::memcpy(entries_ + at + sizeof(format::LogEntry), base_ + addr, len);
  // The entry must be in memory before it is counted, and counted before
  // the caller overwrites the range: release fences order both pairs of
  // stores (compiler barriers on x86, real barriers on weaker CPUs).
  std::atomic_thread_fence(std::memory_order_release);
  std::atomic_ref<std::uint64_t>(header_->used).store(at + need, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  return true;
}

void UndoLog::clear() {
  std::atomic_thread_fence(std::memory_order_release);
  std::atomic_ref<std::uint64_t>(header_->used).store(0, std::memory_order_release);
}

std::optional<std::uint64_t> UndoLog::rollback() {
  const std::uint64_t end = used();
  if (end > capacity_) return std::nullopt;
  // Entries are variable-length and only chained forwards; rollback is rare
  // (abort or recovery), so collect their offsets and walk them backwards.
  // Validate every entry before applying any: a corrupt log must not
  // scribble over the heap.
  std::vector<std::uint64_t> offsets;
  for (std::uint64_t at = 0; at < end;) {
    if (end - at < sizeof(format::LogEntry)) return std::nullopt;
    const auto* entry = reinterpret_cast<const format::LogEntry*>(entries_ + at);
    const bool in_file = entry->addr >= writable_begin_ && entry->len <= file_size_ &&
                         entry->addr <= file_size_ - entry->len;
    const bool hits_log = entry->addr < log_end_ && entry->addr + entry->len > log_begin_;
    if (!in_file || hits_log || pad8(entry->len) > end - at - sizeof(format::LogEntry)) {
      return std::nullopt;
    }
    offsets.push_back(at);
    at += sizeof(format::LogEntry) + pad8(entry->len);
  }
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    const auto* entry = reinterpret_cast<const format::LogEntry*>(entries_ + *it);
    std::memcpy(base_ + entry->addr, entries_ + *it + sizeof(format::LogEntry), entry->len);
  }
  clear();
  return offsets.size();
}

}  // namespace ltp::ipc
