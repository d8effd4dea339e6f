// Retransmission that does not repeat itself. A receiver may ask for the
// same gaps twice within a round trip — ION 4.1.3 answers each copy of a
// checkpoint (the first and its timer's resend) with a report of its own
// serial, claiming the same — and resending the gaps twice, close
// together, makes ION deliver the block twice (its delivery flag is
// cleared only by its ltpdeliv) and costs the link the gap again. So a
// report whose gaps are being resent already asks for nothing: they are
// when a retransmission queued, or sent with a checkpoint whose answer is
// still awaited, ends where the report's last gap ends and answers a
// report whose scope began no later (so it covered every gap this one
// asks for). If that retransmission is lost, its checkpoint's timer
// resends it.
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

bool EngineCore::resend_under_way(Ctx& c, const db::ExportSession& s,
                                  const std::vector<db::ByteRange>& gaps,
                                  std::uint64_t report_lower_bound) {
  if (gaps.empty()) return false;
  const auto& txn = c.txn;
  const std::uint64_t end = gaps.back().end;
  const auto handled = ipc::PHashMap::open(txn, s.handled_reports).value();
  // handle_report keeps each report's lower bound + 1 (0: none known).
  const auto covers = [&](std::uint64_t answered_report) {
    if (answered_report == 0) return false;  // a probe, not a resend of gaps
    const auto lower = handled.find(txn, answered_report);
    return lower && *lower != 0 && *lower - 1 <= report_lower_bound;
  };
  bool under_way = false;
  const auto pending = ipc::PList::open(txn, s.pending).value();
  for (Addr node = pending.first(txn); node != ipc::kNullAddr && !under_way;
       node = pending.next(txn, node)) {
    const db::RangeRecord r = load<db::RangeRecord>(txn, pending.value(txn, node));
    under_way =
        r.checkpoint != db::RangeCheckpoint::none && r.end == end && covers(r.report_serial);
  }
  ipc::PHashMap::open(txn, s.checkpoints)
      .value()
      .for_each(txn, [&](std::uint64_t, std::uint64_t addr) {
        const db::CheckpointRecord cp = load<db::CheckpointRecord>(txn, addr);
        under_way = under_way || (cp.offset + cp.length == end && covers(cp.report_serial));
      });
  return under_way;
}

}  // namespace ltp::engine
