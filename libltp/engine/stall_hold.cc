// Holding back retransmissions a receiver cannot take. A receiver whose
// heap is full keeps its sessions open but stores nothing more, so its
// reports claim nothing new (import_session.cc, "no room"); resending the
// gaps at once would only repeat them every round trip. Reports on a span
// that show no progress in a row mean the receiver, not the link, is the
// limit: the retransmission they ask for waits, twice as long each time
// (from a round trip up to a second, or one round trip on longer paths),
// and the first report that claims something new ends the wait. Losses
// alone rarely take a whole retransmission twice in a row, so a lossy
// link is not slowed by this.
#include <algorithm>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

namespace {
// Reports in a row without progress before retransmissions wait.
constexpr std::uint32_t kStallsBeforeHold = 2;
constexpr std::uint64_t kHoldFloorMs = 10;
constexpr std::uint64_t kHoldCeilingMs = 1000;
constexpr std::uint64_t kUnknownPathMs = 100;
}  // namespace

std::uint64_t EngineCore::stall_hold_ms(std::uint64_t span_engine, bool progress) {
  if (vdb_ == nullptr) return 0;
  db::VolatileSpan* v = vdb_->span(span_engine);
  if (v == nullptr) return 0;
  if (progress) {
    v->stalled_reports /= 2;
    return 0;
  }
  v->stalled_reports = std::min(v->stalled_reports + 1, std::uint32_t{64});
  if (v->stalled_reports < kStallsBeforeHold) return 0;
  const std::uint64_t path =
      v->path_round_trip_known != 0 ? (v->path_round_trip_x8_ms + 7) / 8 : kUnknownPathMs;
  const std::uint64_t base = std::max(path, kHoldFloorMs);
  const std::uint64_t shift = std::min<std::uint64_t>(v->stalled_reports - kStallsBeforeHold, 16);
  return std::min(base << shift, std::max(kHoldCeilingMs, base));
}

HeapResult<void> EngineCore::hold_retransmission(Ctx& c, Addr span, Addr session,
                                                 std::uint64_t hold_ms) {
  const db::ExportSession s = load<db::ExportSession>(c.txn, session);
  if (s.timer != ipc::kNullAddr) return success();  // already held: that wait covers it
  BOOST_OUTCOME_TRY(
      timer, start_timer(c, db::TimerKind::held_retransmission, span, s.number, session, hold_ms));
  return c.txn.put(session + offsetof(db::ExportSession, timer), timer);
}

HeapResult<void> EngineCore::release_held_retransmission(Ctx& c, Addr session) {
  const db::ExportSession s = load<db::ExportSession>(c.txn, session);
  if (s.state != db::ExportState::transmitting) return success();
  return queue_data(c, *find_span(c, s.span_engine), session);
}

}  // namespace ltp::engine
