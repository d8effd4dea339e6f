// ChunkedBuffer: a growable byte buffer in the SDR heap made of fixed-size
// chunks (64 KiB) listed in a chunk table.
//
// One piece of code holds both an export block (service data units
// appended by send) and an import red part (segments written at their
// offsets as they arrive, final length unknown until EORP), and it carries
// delivered data to clients in notices. Bytes are written unlogged: they
// mean nothing until the caller's logged bookkeeping (block length,
// received ranges) says so. A range never straddles two chunks when handed
// out by contiguous(), so a segment's payload is one pointer into the map.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ipc/heap_error.h"
#include "ipc/result.h"
#include "ipc/transaction.h"

namespace ltp::db {

using ipc::Addr;
using ipc::HeapError;

class ChunkedBuffer {
 public:
  static constexpr std::uint64_t kChunkBytes = std::uint64_t{64} << 10;

  // `size_hint`: the expected length; a buffer shorter than one chunk gets
  // a chunk of just that size (grown to a full chunk if writes go further).
  static Result<ChunkedBuffer, HeapError> create(ipc::Transaction& txn, std::uint64_t size_hint);
  static ChunkedBuffer open(Addr header) { return ChunkedBuffer(header); }
  Addr header() const { return header_; }

  // Logical length: the end of the furthest append or write.
  std::uint64_t length(const ipc::Transaction& txn) const;
  Result<void, HeapError> append(ipc::Transaction& txn, std::span<const std::uint8_t> bytes);
  Result<void, HeapError> write_at(ipc::Transaction& txn, std::uint64_t offset,
                                   std::span<const std::uint8_t> bytes);
  // The longest run of bytes at `offset` (at most max_len) inside one chunk.
  std::span<const std::uint8_t> contiguous(const ipc::Transaction& txn, std::uint64_t offset,
                                           std::uint64_t max_len) const;
  void read(const ipc::Transaction& txn, std::uint64_t offset, std::span<std::uint8_t> out) const;
  std::vector<std::uint8_t> read_all(const ipc::Transaction& txn) const;
  // Frees every chunk, the table and the header.
  Result<void, HeapError> destroy(ipc::Transaction& txn);

 private:
  struct Header {
    std::uint64_t length;
    std::uint64_t table_capacity;  // entries in the chunk table
    Addr table;                    // Addr[table_capacity], 0 = chunk not yet allocated
  };
  explicit ChunkedBuffer(Addr header) : header_(header) {}
  // Makes chunk `index` exist and hold at least `needed` bytes.
  Result<Addr, HeapError> ensure_chunk(ipc::Transaction& txn, std::uint64_t index,
                                       std::uint64_t needed);
  Result<void, HeapError> write_unlogged(ipc::Transaction& txn, std::uint64_t offset,
                                         std::span<const std::uint8_t> bytes);
  Addr chunk(const ipc::Transaction& txn, std::uint64_t index) const;
  Addr header_;
};

}  // namespace ltp::db
