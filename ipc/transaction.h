// Transaction: the only way to read and change the SDR heap.
//
// Obtained from Heap::begin(); every persistent write (including every
// allocator metadata change) goes through it, so commit() makes all of
// them permanent at once and abort() — or the death of this process at any
// instant — leaves the heap exactly as before begin(). Move-only, bound to
// the thread that began it; destroying an open Transaction aborts it.
//
// Write contract:
//  * write()/put()/modify<T>() log the range's pre-image once per
//    transaction, then write in place (no syscalls, no allocation).
//  * Ranges inside an object allocated in this same transaction are not
//    logged: an abort frees the object, so its old bytes never matter.
//  * write_unlogged()/unlogged_bytes() skip the log outright. Use them only
//    for bytes that are meaningless until a later *logged* write marks them
//    valid (e.g. received block data whose "received ranges" bookkeeping is
//    logged). After an abort or crash such bytes hold whatever was last
//    written.
//  * A failed write (log full, bad address) dooms the transaction: commit()
//    then rolls back and returns the error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "ipc/heap.h"
#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace ltp::ipc {

class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  // Aborts this transaction if still open, then takes over `other`.
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // Outermost: makes the writes permanent (and durable if the heap is), or
  // rolls back and returns the doom reason. Nested: hands control back to
  // the enclosing transaction.
  Result<void, HeapError> commit();
  // Outermost: rolls back now. Nested: dooms the whole transaction.
  void abort();
  bool is_open() const { return open_; }
  bool is_doomed() const;

  // Allocator. alloc() returns the payload address (16-byte aligned,
  // contents unspecified); free() takes effect at commit.
  Result<Addr, HeapError> alloc(std::uint64_t bytes);
  Result<void, HeapError> free(Addr object);
  // Usable payload bytes of a live object (at least what was asked for).
  Result<std::uint64_t, HeapError> usable_size(Addr object) const;

  // Logged writes. Inline: every put() comes here, and the result then
  // folds into the caller instead of going through memory.
  Result<void, HeapError> write(Addr addr, const void* src, std::uint64_t len) {
    BOOST_OUTCOME_TRY(dst, modify_bytes(addr, len));
    std::memcpy(dst, src, len);
    return success();
  }
  template <class T>
  Result<void, HeapError> put(Addr addr, const T& value) {
    return write(addr, &value, sizeof(T));
  }
  // Logs the pre-image of [addr, addr+len) and returns it for in-place edits.
  Result<std::byte*, HeapError> modify_bytes(Addr addr, std::uint64_t len);
  template <class T>
  Result<T*, HeapError> modify(Addr addr) {
    BOOST_OUTCOME_TRY(p, modify_bytes(addr, sizeof(T)));
    return reinterpret_cast<T*>(p);
  }

  // Unlogged writes: see the contract above. A range outside the arena
  // dooms the transaction (and yields an empty span / writes nothing).
  void write_unlogged(Addr addr, const void* src, std::uint64_t len);
  std::span<std::byte> unlogged_bytes(Addr addr, std::uint64_t len);

  // Reads. The pointer is valid in this process while the heap is attached;
  // read under a transaction so no other process is mid-write.
  template <class T>
  const T* get(Addr addr) const {
    return reinterpret_cast<const T*>(heap_->base_ + addr);
  }
  std::span<const std::byte> bytes(Addr addr, std::uint64_t len) const {
    return {heap_->base_ + addr, len};
  }
  // True if [addr, addr+len) lies in the arena.
  bool in_arena(Addr addr, std::uint64_t len) const;

  // Root catalog: how upper layers find their databases by name.
  Result<void, HeapError> set_root(std::string_view name, Addr addr);
  Result<Addr, HeapError> root(std::string_view name) const;
  Result<void, HeapError> remove_root(std::string_view name);

  Heap& heap() const { return *heap_; }

 private:
  friend class Heap;
  Transaction(Heap* heap, bool outermost) : heap_(heap), outermost_(outermost), open_(true) {}
  // Logs the pre-image unless already logged or freshly allocated.
  // False: the transaction is doomed (the reason is its doom). A bool, not
  // a Result: this runs for every logged write.
  bool preserve(Addr addr, std::uint64_t len);
  bool writable(Addr addr, std::uint64_t len) const;
  // Marks the transaction doomed (first reason wins); returns `e`.
  HeapError doom(HeapError e);
  void finish_outermost(bool rollback);
  Result<void, HeapError> flush_durable();

  Heap* heap_;
  bool outermost_;
  bool open_;
};

}  // namespace ltp::ipc
