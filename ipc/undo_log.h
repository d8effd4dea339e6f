// UndoLog: the pre-image log that makes SDR transactions atomic.
//
// Used only by Transaction/Heap (the lock holder). Before a range of the
// heap is first overwritten in a transaction its old bytes are appended
// here; commit marks the log empty in one 8-byte store; rollback (abort,
// or recovery after the holder died) copies pre-images back newest-first
// and then marks it empty. Store ordering (entry, then `used`, then the
// caller's in-place write) is fenced so a kill -9 at any instant leaves a
// log that restores exactly the pre-transaction heap; rollback is
// idempotent, so dying during rollback is fine too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "ipc/heap_format.h"

namespace ltp::ipc {

class UndoLog {
 public:
  UndoLog() = default;
  // Entries may only target [writable_begin, file_size) outside the log.
  UndoLog(std::byte* base, Addr log_offset, std::uint64_t log_size, Addr writable_begin,
          std::uint64_t file_size)
      : base_(base),
        header_(reinterpret_cast<format::LogHeader*>(base + log_offset)),
        entries_(base + log_offset + sizeof(format::LogHeader)),
        capacity_(log_size - sizeof(format::LogHeader)),
        log_begin_(log_offset),
        log_end_(log_offset + log_size),
        writable_begin_(writable_begin),
        file_size_(file_size) {}

  // Bytes of entries in the log; 0 means no transaction in flight.
  std::uint64_t used() const;
  bool empty() const { return used() == 0; }

  // Records the current bytes [addr, addr+len). False if the log is full.
  // On return the entry is published: the caller may now write in place.
  bool append(Addr addr, std::uint64_t len);

  // Commit point: the transaction's writes become permanent.
  void clear();

  // Restores every pre-image, newest first, then clears. Returns the number
  // of entries applied, or nullopt (touching nothing) if the log itself is
  // corrupt. Safe to re-run after dying part-way.
  std::optional<std::uint64_t> rollback();

 private:
  std::byte* base_ = nullptr;
  format::LogHeader* header_ = nullptr;
  std::byte* entries_ = nullptr;
  std::uint64_t capacity_ = 0;
  Addr log_begin_ = 0;
  Addr log_end_ = 0;
  Addr writable_begin_ = 0;
  std::uint64_t file_size_ = 0;
};

}  // namespace ltp::ipc
