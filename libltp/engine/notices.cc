// Notices to clients (ION's numbering, records.h): a FIFO per client in
// the heap; data (delivered red parts, green segments, returned SDUs)
// travels as a ChunkedBuffer the client reads in place and releases.
#include <algorithm>

#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

HeapResult<void> EngineCore::post_notice(Ctx& c, std::uint64_t client,
                                         const db::NoticeRecord& notice) {
  auto& txn = c.txn;
  const auto record = db_.find_client(txn, client);
  // Data an import accepted waits for the id's next ltp_open (its session
  // began while the id was open, and the sender has been told it arrived),
  // and so does every notice of an id whose holder died (its next holder
  // is owed the outcome of each block it sent); export notices for an id
  // closed by its holder, or never opened, are dropped, as ION does.
  const bool accepted_data =
      notice.type == db::NoticeType::red_part || notice.type == db::NoticeType::green_segment;
  if (!record || (load<db::ClientRecord>(txn, *record).pid == 0 && !accepted_data)) {
    if (notice.data != ipc::kNullAddr) return db::ChunkedBuffer::open(notice.data).destroy(txn);
    return success();
  }
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::NoticeRecord)));
  BOOST_OUTCOME_TRY(txn.put(addr, notice));
  BOOST_OUTCOME_TRY(queue, ipc::PList::open(txn, load<db::ClientRecord>(txn, *record).notices));
  BOOST_OUTCOME_TRY(queue.push_back(txn, addr));
  wakeups_.notices.insert(client);
  return success();
}

HeapResult<Addr> EngineCore::copy_to_buffer(Ctx& c, Addr block, std::uint64_t offset,
                                            std::uint64_t length) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(copy, db::ChunkedBuffer::create(txn, length));
  const auto source = db::ChunkedBuffer::open(block);
  for (std::uint64_t done = 0; done < length;) {
    const auto run = source.contiguous(txn, offset + done, length - done);
    BOOST_OUTCOME_TRY(copy.append(txn, run));
    done += run.size();
  }
  return copy.header();
}

HeapResult<Addr> EngineCore::bytes_to_buffer(Ctx& c, std::span<const std::uint8_t> bytes) {
  BOOST_OUTCOME_TRY(copy, db::ChunkedBuffer::create(c.txn, bytes.size()));
  BOOST_OUTCOME_TRY(copy.append(c.txn, bytes));
  return copy.header();
}

bool EngineCore::heap_has_room(std::uint64_t bytes, std::uint64_t reserve_fraction) const {
  const auto& header = heap_.header();
  return header.alloc.bytes_in_use + bytes + header.arena_size / reserve_fraction <=
         header.arena_size;
}

bool EngineCore::room_to_receive(const Ctx& c, std::uint64_t bytes) const {
  // A write may start a new chunk of the session's buffer.
  return !over_heapmax(c, bytes) &&
         heap_has_room(bytes + db::ChunkedBuffer::kChunkBytes, kReceiveReserve);
}

std::uint64_t EngineCore::most_red_data(const Ctx& c) const {
  const std::uint64_t arena = heap_.header().arena_size;
  const std::uint64_t heapmax = root(c).config.heapmax;
  const std::uint64_t limit = heapmax != 0 ? std::min(heapmax, arena) : arena;
  return limit - limit / kReceiveReserve;
}

bool EngineCore::over_heapmax(const Ctx& c, std::uint64_t more_bytes) const {
  const std::uint64_t heapmax = root(c).config.heapmax;
  return heapmax != 0 && heap_.header().alloc.bytes_in_use + more_bytes > heapmax;
}

}  // namespace ltp::engine
