#include "libltp/db/chunked_buffer.h"

#include <algorithm>
#include <cstring>

namespace ltp::db {

Result<ChunkedBuffer, HeapError> ChunkedBuffer::create(ipc::Transaction& txn,
                                                       std::uint64_t size_hint) {
  BOOST_OUTCOME_TRY(header, txn.alloc(sizeof(Header)));
  const std::uint64_t capacity =
      std::max<std::uint64_t>(1, (size_hint + kChunkBytes - 1) / kChunkBytes);
  BOOST_OUTCOME_TRY(table, txn.alloc(capacity * sizeof(Addr)));
  std::vector<Addr> zeros(capacity, ipc::kNullAddr);
  BOOST_OUTCOME_TRY(txn.write(table, zeros.data(), capacity * sizeof(Addr)));
  BOOST_OUTCOME_TRY(txn.put(header, Header{0, capacity, table}));
  ChunkedBuffer buffer(header);
  if (size_hint > 0) {
    BOOST_OUTCOME_TRY(buffer.ensure_chunk(txn, 0, std::min(size_hint, kChunkBytes)));
  }
  return buffer;
}

std::uint64_t ChunkedBuffer::length(const ipc::Transaction& txn) const {
  return txn.get<Header>(header_)->length;
}

Addr ChunkedBuffer::chunk(const ipc::Transaction& txn, std::uint64_t index) const {
  const Header h = *txn.get<Header>(header_);
  if (index >= h.table_capacity) return ipc::kNullAddr;
  return txn.get<Addr>(h.table)[index];
}

Result<Addr, HeapError> ChunkedBuffer::ensure_chunk(ipc::Transaction& txn, std::uint64_t index,
                                                    std::uint64_t needed) {
  Header h = *txn.get<Header>(header_);
  if (index >= h.table_capacity) {
    const std::uint64_t capacity = std::max(index + 1, h.table_capacity * 2);
    BOOST_OUTCOME_TRY(table, txn.alloc(capacity * sizeof(Addr)));
    std::vector<Addr> entries(capacity, ipc::kNullAddr);
    std::memcpy(entries.data(), txn.get<Addr>(h.table), h.table_capacity * sizeof(Addr));
    BOOST_OUTCOME_TRY(txn.write(table, entries.data(), capacity * sizeof(Addr)));
    BOOST_OUTCOME_TRY(txn.free(h.table));
    h.table = table;
    h.table_capacity = capacity;
    BOOST_OUTCOME_TRY(txn.put(header_, h));
  }
  const Addr slot = h.table + index * sizeof(Addr);
  const Addr existing = *txn.get<Addr>(slot);
  if (existing != ipc::kNullAddr) {
    BOOST_OUTCOME_TRY(usable, txn.usable_size(existing));
    if (usable >= needed) return existing;
  }
  // A short first chunk outgrew its size: move it to a full chunk.
  BOOST_OUTCOME_TRY(
      fresh,
      txn.alloc(existing == ipc::kNullAddr ? std::max<std::uint64_t>(needed, 16) : kChunkBytes));
  if (existing != ipc::kNullAddr) {
    BOOST_OUTCOME_TRY(usable, txn.usable_size(existing));
    const auto old = txn.bytes(existing, usable);
    txn.write_unlogged(fresh, old.data(), old.size());
    BOOST_OUTCOME_TRY(txn.free(existing));
  }
  BOOST_OUTCOME_TRY(txn.put(slot, fresh));
  return fresh;
}

Result<void, HeapError> ChunkedBuffer::write_unlogged(ipc::Transaction& txn, std::uint64_t offset,
                                                      std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const std::uint64_t index = offset / kChunkBytes;
    const std::uint64_t within = offset % kChunkBytes;
    const std::uint64_t n = std::min<std::uint64_t>(bytes.size(), kChunkBytes - within);
    // Chunks past the first are always full size; the first may be short.
    const std::uint64_t needed = index == 0 ? within + n : kChunkBytes;
    BOOST_OUTCOME_TRY(c, ensure_chunk(txn, index, needed));
    txn.write_unlogged(c + within, bytes.data(), n);
    offset += n;
    bytes = bytes.subspan(n);
  }
  return success();
}

Result<void, HeapError> ChunkedBuffer::append(ipc::Transaction& txn,
                                              std::span<const std::uint8_t> bytes) {
  const std::uint64_t at = length(txn);
  BOOST_OUTCOME_TRY(write_unlogged(txn, at, bytes));
  return txn.put(header_ + offsetof(Header, length), at + bytes.size());
}

Result<void, HeapError> ChunkedBuffer::write_at(ipc::Transaction& txn, std::uint64_t offset,
                                                std::span<const std::uint8_t> bytes) {
  BOOST_OUTCOME_TRY(write_unlogged(txn, offset, bytes));
  const std::uint64_t end = offset + bytes.size();
  if (end > length(txn)) {
    BOOST_OUTCOME_TRY(txn.put(header_ + offsetof(Header, length), end));
  }
  return success();
}

std::span<const std::uint8_t> ChunkedBuffer::contiguous(const ipc::Transaction& txn,
                                                        std::uint64_t offset,
                                                        std::uint64_t max_len) const {
  const Addr c = chunk(txn, offset / kChunkBytes);
  if (c == ipc::kNullAddr) return {};
  const std::uint64_t within = offset % kChunkBytes;
  const std::uint64_t n = std::min(max_len, kChunkBytes - within);
  const auto bytes = txn.bytes(c + within, n);
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

void ChunkedBuffer::read(const ipc::Transaction& txn, std::uint64_t offset,
                         std::span<std::uint8_t> out) const {
  while (!out.empty()) {
    const auto run = contiguous(txn, offset, out.size());
    if (run.empty()) {  // a hole never written: reads as zeros
      const std::uint64_t n =
          std::min<std::uint64_t>(out.size(), kChunkBytes - offset % kChunkBytes);
      std::fill_n(out.begin(), n, 0);
      offset += n;
      out = out.subspan(n);
      continue;
    }
    std::copy(run.begin(), run.end(), out.begin());
    offset += run.size();
    out = out.subspan(run.size());
  }
}

std::vector<std::uint8_t> ChunkedBuffer::read_all(const ipc::Transaction& txn) const {
  std::vector<std::uint8_t> out(length(txn));
  read(txn, 0, out);
  return out;
}

Result<void, HeapError> ChunkedBuffer::destroy(ipc::Transaction& txn) {
  const Header h = *txn.get<Header>(header_);
  for (std::uint64_t i = 0; i < h.table_capacity; ++i) {
    const Addr c = txn.get<Addr>(h.table)[i];
    if (c != ipc::kNullAddr) {
      BOOST_OUTCOME_TRY(txn.free(c));
    }
  }
  BOOST_OUTCOME_TRY(txn.free(h.table));
  return txn.free(header_);
}

}  // namespace ltp::db
