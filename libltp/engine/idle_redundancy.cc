// Redundancy on a link whose rate and light time the contact plan gives
// (issue 21). On a long link every loss in a block's recovery costs
// another round trip (two light times): a lost checkpoint or a lost report
// waits for a later answer to show it (Engine::overtaken_by) and then for
// the answer to the resent checkpoint, and a retransmission that is itself
// partly lost — at 2 % loss a resend of fifteen segments loses one a
// quarter of the time — asks for a second round. So on such a link:
// - every checkpoint goes out twice, the copy right after it (same serial,
//   so the receiver answers the second with the same report again): the
//   round is lost only if both copies, or both answers, are. One segment
//   per checkpoint;
// - when a retransmission is queued while the span has nothing else
//   queued, its data goes out twice — a copy without a checkpoint, then
//   the retransmission ending in its checkpoint — if that copy's airtime is
//   at most a quarter of the round trip it may save, so it takes the link
//   only when it would idle and delays later data little. A receiver takes
//   the second arrival of a segment as a duplicate.
// ION 4.1.3 delivers a block twice when two retransmission checkpoints of
// different serials arrive for one gap (resend_under_way.cc); a copy has
// the same serial, and it is sent only where a contact plan gives the
// span a rate and a range.
#include "ipc/plist.h"
#include "libltp/engine/engine.h"

namespace ltp::engine {

const db::VolatileSpan* Engine::known_long_link(const db::SpanRecord& record) const {
  if (vdb_ == nullptr) return nullptr;
  const db::VolatileSpan* v = vdb_->find_span(record.config.engine_id);
  if (v == nullptr || v->transmit_rate == 0 || v->owlt_ms == 0) return nullptr;
  return v;
}

bool Engine::resend_twice(Ctx& c, Addr span, const std::vector<db::ByteRange>& gaps) {
  const db::SpanRecord record = load<db::SpanRecord>(c.txn, span);
  const db::VolatileSpan* v = known_long_link(record);
  if (v == nullptr) return false;
  if (!ipc::PList::open(c.txn, record.data_queue).value().empty(c.txn)) return false;
  std::uint64_t bytes = 0;
  for (const auto& gap : gaps) bytes += gap.end - gap.start;
  // bytes / rate <= (2 * owlt) / 4, in milliseconds.
  return bytes * 2000 <= v->transmit_rate * v->owlt_ms;
}

HeapResult<void> Engine::copy_checkpoint(Ctx& c, Addr span, Addr session,
                                         const db::CheckpointRecord& cp) {
  if (known_long_link(load<db::SpanRecord>(c.txn, span)) == nullptr) return success();
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
