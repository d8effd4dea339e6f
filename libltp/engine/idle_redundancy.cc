// Redundancy on a link whose rate and light time the contact plan gives
// (issue 21), toward a peer that takes it. On a long link every loss in a
// block's recovery costs another round trip (two light times): a lost
// checkpoint or a lost report waits for a later answer to show it
// (EngineCore::overtaken_by) and then for the answer to the resent
// checkpoint, and a retransmission that is itself partly lost — at 2 %
// loss a resend of fifteen segments loses one a quarter of the time —
// asks for a second round. So on such a link:
// - every checkpoint goes out twice, the copy right after it (same serial,
//   so the receiver answers the second with the same report again): the
//   round is lost only if both copies, or both answers, are. One segment
//   per checkpoint;
// - when a retransmission is queued while what the span has queued would
//   go out within a round trip, its data goes out twice — a copy without a
//   checkpoint, then the retransmission ending in its checkpoint — if that
//   copy's airtime is at most a quarter of the round trip it may save. A
//   second round for such a block would end after the first pass's last
//   round, so the copy buys the transfer's end a round trip; earlier in the
//   first pass a second round still fits before the end, and the copy
//   would only take link time.
// Only on spans whose operator says the peer takes copies
// (SpanConfig::redundancy, ltprc `m redundancy ENGINE on`), and that a
// contact plan gives a rate and a range: ION 4.1.3 delivers a block
// again when a checkpoint, or the data completing a block, reaches it
// twice, so a span to ION never gets a copy. An OpenLTP receiver takes a
// second arrival as a duplicate and delivers once.
#include <algorithm>

#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

const db::VolatileSpan* EngineCore::redundant_long_link(const db::SpanRecord& record) const {
  if (vdb_ == nullptr || record.config.redundancy == 0) return nullptr;
  const db::VolatileSpan* v = vdb_->find_span(record.config.engine_id);
  if (v == nullptr || v->transmit_rate == 0 || v->owlt_ms == 0) return nullptr;
  return v;
}

namespace {

// Whether the span's data queue (first passes and resends) holds fewer
// than `limit` octets; the walk stops once it has seen that many.
bool queue_holds_less_than(const ipc::Transaction& txn, Addr data_queue, std::uint64_t limit) {
  const auto queue = ipc::PList::open(txn, data_queue).value();
  std::uint64_t bytes = 0;
  for (Addr node = queue.first(txn); node != ipc::kNullAddr && bytes < limit;
       node = queue.next(txn, node)) {
    const auto s = load<db::ExportSession>(txn, queue.value(txn, node));
    bytes += s.block_length - std::min(s.first_pass_cursor, s.block_length);
    const auto pending = ipc::PList::open(txn, s.pending).value();
    for (Addr r = pending.first(txn); r != ipc::kNullAddr && bytes < limit;
         r = pending.next(txn, r)) {
      const auto range = load<db::RangeRecord>(txn, pending.value(txn, r));
      bytes += range.end - range.start;
    }
  }
  return bytes < limit;
}

}  // namespace

bool EngineCore::resend_twice(Ctx& c, Addr span, const std::vector<db::ByteRange>& gaps) {
  const db::SpanRecord record = load<db::SpanRecord>(c.txn, span);
  const db::VolatileSpan* v = redundant_long_link(record);
  if (v == nullptr) return false;
  std::uint64_t bytes = 0;
  for (const auto& gap : gaps) bytes += gap.end - gap.start;
  // bytes / rate <= (2 * owlt) / 4, in milliseconds.
  if (bytes * 2000 > v->transmit_rate * v->owlt_ms) return false;
  // What waits ahead of the copy goes out within a round trip: a second
  // round for this block would end after the first pass's own last round.
  return queue_holds_less_than(c.txn, record.data_queue, v->transmit_rate * 2 * v->owlt_ms / 1000);
}

HeapResult<void> EngineCore::copy_checkpoint(Ctx& c, Addr span, Addr session,
                                             const db::CheckpointRecord& cp) {
  if (redundant_long_link(load<db::SpanRecord>(c.txn, span)) == nullptr) return success();
  BOOST_OUTCOME_TRY(addr, c.txn.alloc(sizeof(db::RangeRecord)));
  BOOST_OUTCOME_TRY(
      c.txn.put(addr, db::RangeRecord{cp.offset, cp.offset + cp.length, db::RangeCheckpoint::copy,
                                      cp.serial, cp.report_serial}));
  BOOST_OUTCOME_TRY(pending,
                    ipc::PList::open(c.txn, load<db::ExportSession>(c.txn, session).pending));
  BOOST_OUTCOME_TRY(pending.push_front(c.txn, addr));
  return queue_data(c, span, session);
}

}  // namespace ltp::engine
