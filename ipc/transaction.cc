#include "ipc/transaction.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "ipc/allocator.h"
#include "ipc/hash.h"
#include "ipc/txn_state.h"

namespace ltp::ipc {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr int kLoggedProbes = 4;

// Catalog names in a corrupt file may lack their NUL; never read past.
std::string_view root_name(const format::RootEntry& e) {
  return {e.name, ::strnlen(e.name, sizeof e.name)};
}

}  // namespace

Transaction::Transaction(Transaction&& other) noexcept
    : heap_(other.heap_), outermost_(other.outermost_), open_(other.open_) {
  other.open_ = false;
}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    abort();
    heap_ = other.heap_;
    outermost_ = other.outermost_;
    open_ = other.open_;
    other.open_ = false;
  }
  return *this;
}

Transaction::~Transaction() { abort(); }

bool Transaction::is_doomed() const { return heap_->txn_->doomed.has_value(); }

HeapError Transaction::doom(HeapError e) {
  auto& doomed = heap_->txn_->doomed;
  if (!doomed) doomed = e;
  return e;
}

void Transaction::finish_outermost(bool rollback) {
  TxnState& s = *heap_->txn_;
  if (rollback) s.log.rollback();
  s.owner.store(std::thread::id{}, std::memory_order_relaxed);
  s.depth = 0;
  open_ = false;
  s.lock.unlock();
}

Result<void, HeapError> Transaction::commit() {
  if (!open_) return failure(HeapError::not_in_transaction);
  TxnState& s = *heap_->txn_;
  if (!outermost_) {
    --s.depth;
    open_ = false;
    if (s.doomed) return failure(*s.doomed);
    return success();
  }
  // Deferred frees: their metadata writes are logged like any other.
  for (std::size_t i = 0; i < s.pending_free.size() && !s.doomed; ++i) {
    if (auto r = detail::release(*this, s.pending_free[i]); !r) doom(r.error());
  }
  if (s.doomed) {
    const HeapError e = *s.doomed;
    finish_outermost(/*rollback=*/true);
    return failure(e);
  }
  // A transaction that logged nothing changed nothing persistent: no sync.
  const bool sync = heap_->durable_ && !s.log.empty();
  if (sync) {
    if (auto r = flush_durable(); !r) {
      finish_outermost(/*rollback=*/true);
      return r;
    }
  }
  s.log.clear();
  if (sync) ::msync(heap_->base_ + heap_->header_->log_offset, kPage, MS_SYNC);
  finish_outermost(/*rollback=*/false);
  return success();
}

Result<void, HeapError> Transaction::flush_durable() {
  TxnState& s = *heap_->txn_;
  // Power-loss ordering: pre-images reach the disk before the data they
  // protect (the log pages are synced on every append in durable mode, see
  // preserve()); the data before the commit mark.
  if (s.dirty_lo < s.dirty_hi) {
    const Addr lo = s.dirty_lo / kPage * kPage;
    if (::msync(heap_->base_ + lo, s.dirty_hi - lo, MS_SYNC) != 0) {
      return failure(doom(HeapError::io_error));
    }
  }
  return success();
}

void Transaction::abort() {
  if (!open_) return;
  TxnState& s = *heap_->txn_;
  if (!outermost_) {
    if (!s.doomed) s.doomed = HeapError::aborted;
    --s.depth;
    open_ = false;
    return;
  }
  finish_outermost(/*rollback=*/true);
}

bool Transaction::writable(Addr addr, std::uint64_t len) const {
  const Addr header_begin = offsetof(format::HeapHeader, alloc);
  if (addr >= header_begin && len <= sizeof(format::HeapHeader) &&
      addr <= sizeof(format::HeapHeader) - len) {
    return true;
  }
  return in_arena(addr, len);
}

bool Transaction::in_arena(Addr addr, std::uint64_t len) const {
  const format::HeapHeader& h = *heap_->header_;
  return addr >= h.arena_offset && len <= h.file_size && addr <= h.file_size - len;
}

bool Transaction::preserve(Addr addr, std::uint64_t len) {
  TxnState& s = *heap_->txn_;
  // Most writes repeat one already covered (a session record, a counter),
  // so the table is asked first; a fresh object found by the scan below
  // goes into it too.
  const std::size_t home = mix64(addr) & (TxnState::kLoggedSlots - 1);
  std::size_t victim = home;
  for (int i = 0; i < kLoggedProbes; ++i) {
    auto& slot = s.logged[(home + i) & (TxnState::kLoggedSlots - 1)];
    if (slot.generation != s.generation) {
      victim = (home + i) & (TxnState::kLoggedSlots - 1);
      break;
    }
    if (slot.addr == addr && slot.len >= len) return true;
  }
  const bool fresh = std::any_of(s.fresh.begin(), s.fresh.end(), [&](const auto& r) {
    return addr >= r.begin && addr + len <= r.end;
  });
  if (fresh) {
    s.logged[victim] = TxnState::Logged{addr, len, s.generation};
    return true;
  }
  if (!s.log.append(addr, len)) {
    doom(HeapError::log_full);
    return false;
  }
  if (heap_->durable_) {
    // Power loss: the pre-image (and the count covering it) must be on disk
    // before the in-place write can be. The log header and entries are
    // contiguous, so one msync covers both; only dirty pages are written.
    const Addr begin = heap_->header_->log_offset;
    const Addr end = begin + sizeof(format::LogHeader) + s.log.used();
    if (::msync(heap_->base_ + begin, end - begin, MS_SYNC) != 0) {
      doom(HeapError::io_error);
      return false;
    }
  }
  s.logged[victim] = TxnState::Logged{addr, len, s.generation};
  return true;
}

Result<std::byte*, HeapError> Transaction::modify_bytes(Addr addr, std::uint64_t len) {
  if (!open_) return failure(HeapError::not_in_transaction);
  if (!writable(addr, len)) return failure(doom(HeapError::bad_address));
  if (!preserve(addr, len)) return failure(*heap_->txn_->doomed);
  TxnState& s = *heap_->txn_;
  s.dirty_lo = std::min(s.dirty_lo, addr);
  s.dirty_hi = std::max(s.dirty_hi, addr + len);
  return heap_->base_ + addr;
}

void Transaction::write_unlogged(Addr addr, const void* src, std::uint64_t len) {
  auto dst = unlogged_bytes(addr, len);
  std::memcpy(dst.data(), src, dst.size());
}

std::span<std::byte> Transaction::unlogged_bytes(Addr addr, std::uint64_t len) {
  if (!open_) return {};
  if (!in_arena(addr, len)) {
    doom(HeapError::bad_address);
    return {};
  }
  TxnState& s = *heap_->txn_;
  s.dirty_lo = std::min(s.dirty_lo, addr);
  s.dirty_hi = std::max(s.dirty_hi, addr + len);
  return {heap_->base_ + addr, len};
}

Result<Addr, HeapError> Transaction::alloc(std::uint64_t bytes) {
  if (!open_) return failure(HeapError::not_in_transaction);
  auto object = detail::allocate(*this, bytes);
  if (!object) return failure(doom(object.error()));
  TxnState& s = *heap_->txn_;
  s.fresh[s.fresh_next] = TxnState::Range{
      object.value(), object.value() + detail::payload_bytes(*this, object.value())};
  s.fresh_next = (s.fresh_next + 1) % TxnState::kFreshSlots;
  return object;
}

Result<void, HeapError> Transaction::free(Addr object) {
  if (!open_) return failure(HeapError::not_in_transaction);
  BOOST_OUTCOME_TRY(usable_size(object));
  heap_->txn_->pending_free.push_back(object);
  return success();
}

Result<std::uint64_t, HeapError> Transaction::usable_size(Addr object) const {
  if (!detail::is_live_object(*this, object)) return failure(HeapError::bad_address);
  return detail::payload_bytes(*this, object);
}

Result<void, HeapError> Transaction::set_root(std::string_view name, Addr addr) {
  if (name.empty() || name.size() >= format::kRootNameBytes) {
    return failure(HeapError::name_too_long);
  }
  const format::HeapHeader& h = *heap_->header_;
  int free_slot = -1;
  for (int i = 0; i < format::kRootSlots; ++i) {
    const std::string_view slot_name = root_name(h.roots[i]);
    if (slot_name == name) {
      return put(offsetof(format::HeapHeader, roots) + i * sizeof(format::RootEntry) +
                     offsetof(format::RootEntry, addr),
                 addr);
    }
    if (slot_name.empty() && free_slot < 0) free_slot = i;
  }
  if (free_slot < 0) return failure(HeapError::catalog_full);
  format::RootEntry entry{};
  std::memcpy(entry.name, name.data(), name.size());
  entry.addr = addr;
  return put(offsetof(format::HeapHeader, roots) + free_slot * sizeof(format::RootEntry), entry);
}

Result<Addr, HeapError> Transaction::root(std::string_view name) const {
  for (const auto& slot : heap_->header_->roots) {
    if (root_name(slot) == name) return slot.addr;
  }
  return failure(HeapError::not_found);
}

Result<void, HeapError> Transaction::remove_root(std::string_view name) {
  const format::HeapHeader& h = *heap_->header_;
  for (int i = 0; i < format::kRootSlots; ++i) {
    if (root_name(h.roots[i]) == name) {
      return put(offsetof(format::HeapHeader, roots) + i * sizeof(format::RootEntry),
                 format::RootEntry{});
    }
  }
  return failure(HeapError::not_found);
}

}  // namespace ltp::ipc
