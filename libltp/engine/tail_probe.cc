// Tail probe: ION's response timers allow the remote engine its whole
// queuing time (a second by default), so a lost checkpoint waits that long
// unless a later answer shows it lost (overtaken_by in timeline.cc). A
// checkpoint with no later one to overtake it — the newest, or one resent
// (overtaken_by takes only single copies as evidence), while the span's
// queues run dry behind it — has its timer shortened to a probe interval:
// the measured round trip plus four times its mean deviation (at least a
// quarter of it; before any is measured, the light time both ways and a
// quarter second), as TCP's retransmission timeout (RFC 6298), so that on a
// long link a lost last checkpoint, a resent one lost again, or a lost
// report costs about one round trip more instead of the full timer (both
// queuing times on top), while a path whose answers come late now and then
// probes later. A copy its timer sent is probed once; a copy the probe
// sent, once more at twice the interval, then it waits for the timer. A
// probe that fires early costs one data segment and one repeated report
// (the sender acts on a report serial once); probes are not counted
// against the checkpoint's retransmission limit — copies sent by its timer
// are, so a link that is down does not burn its retransmissions at the
// probe's pace — and never resend the block.
#include <algorithm>

#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

namespace {
// Allowance over the probe interval: the clock's millisecond resolution
// and a receiver scheduled late.
constexpr std::uint64_t kProbeSlackMs = 10;
// Before the first round trip is measured: the light time both ways and
// this. A span's first block goes unpaced (rate_model.h), and into a slow
// receiver it loses its tail, checkpoint included.
constexpr std::uint64_t kFirstProbeMs = 250;
// How far back from the span's newest timer the walk looks for
// checkpoint timers (report timers of the other direction sit in between).
constexpr int kProbeWalk = 64;
}  // namespace

namespace {
void smooth(std::uint64_t& x8, std::uint32_t& known, std::uint64_t sample) {
  x8 = known == 0 ? sample * 8 : x8 - x8 / 8 + sample;
  known = 1;
}
}  // namespace

void EngineCore::sample_round_trip(Ctx& c, Addr answered) {
  if (vdb_ == nullptr || answered == ipc::kNullAddr) return;
  const db::TimerRecord timer = load<db::TimerRecord>(c.txn, answered);
  if (timer.suspended != 0) return;
  db::VolatileSpan* v = vdb_->span(timer.span_engine);
  if (v == nullptr) return;
  // The running timer started when the last copy of the checkpoint left.
  const std::uint64_t started = timer.deadline_ms - timer.remaining_ms;
  const std::uint64_t sample = c.now > started ? c.now - started : 0;
  const std::uint64_t resent = times_resent(c.txn, timer);
  // Karn: the probe's estimate only from answers to a single copy. The
  // deviation starts at 0 (RFC 6298 starts it at half the first sample,
  // which would make the first probes three round trips long).
  if (resent == 0) {
    if (v->round_trip_known != 0) {
      const std::uint64_t mean = (v->round_trip_x8_ms + 4) / 8;
      const std::uint64_t deviation = mean > sample ? mean - sample : sample - mean;
      // x4: 3/4 of the old deviation plus 1/4 of this one, times four.
      v->round_trip_deviation_x4_ms =
          v->round_trip_deviation_x4_ms - v->round_trip_deviation_x4_ms / 4 + deviation;
    }
    smooth(v->round_trip_x8_ms, v->round_trip_known, sample);
  }
  // The path's estimate takes an answer to a resent copy as one to the
  // first (the timers before this one, each half the next, back-to-back):
  // too long if an earlier copy was lost, which later single-copy answers
  // correct; too short never, so timers shorter than the path grow to it.
  const std::uint64_t earlier =
      resent == 0 ? 0
                  : timer.remaining_ms - (timer.remaining_ms >> std::min(resent, kMaxBackoffShift));
  smooth(v->path_round_trip_x8_ms, v->path_round_trip_known, sample + earlier);
}

HeapResult<void> EngineCore::probe_tail(Ctx& c, Addr span) {
  if (vdb_ == nullptr) return success();
  auto& txn = c.txn;
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  const db::VolatileSpan* v = vdb_->find_span(record.config.engine_id);
  if (v == nullptr) return success();
  // Data still queued will carry a later checkpoint (control segments
  // carry none: an RA queued by the report being handled does not count),
  // unless it waits for this answer: the blocks after a span's first,
  // until its first rate estimate (rate_model.h).
  const bool queued = !ipc::PList::open(txn, record.data_queue).value().empty(txn);
  const bool held = queued && holding_for_first_estimate(record.config.engine_id) != nullptr;
  if (queued && !held) return success();
  const std::uint64_t round_trip = (v->round_trip_x8_ms + 7) / 8;
  const std::uint64_t deviation = v->round_trip_deviation_x4_ms;  // x4: four deviations
  if (v->round_trip_known == 0 && !held) return success();
  const std::uint64_t probe = v->round_trip_known != 0
                                  ? round_trip + std::max(round_trip / 4, deviation) + kProbeSlackMs
                                  : 2 * v->owlt_ms + kFirstProbeMs;
  const auto timers = ipc::PList::open(txn, record.timers).value();
  int walked = 0;
  for (Addr node = timers.last(txn); node != ipc::kNullAddr && walked < kProbeWalk;
       node = timers.prev(txn, node), ++walked) {
    const Addr addr = timers.value(txn, node);
    const db::TimerRecord timer = load<db::TimerRecord>(txn, addr);
    if (timer.kind != db::TimerKind::checkpoint) continue;
    // Suspended, this copy probed already (a link that is down must not
    // burn its retransmissions at the probe's pace), or due sooner anyway.
    const db::ProbeState state = load<db::CheckpointRecord>(txn, timer.owner).probe;
    const bool again = state == db::ProbeState::fired;
    const std::uint64_t interval = again ? 2 * probe : probe;
    if (timer.suspended != 0 || (state != db::ProbeState::none && !again) ||
        timer.remaining_ms <= interval) {
      return success();
    }
    BOOST_OUTCOME_TRY(stop_timer(c, addr));
    BOOST_OUTCOME_TRY(shorter, start_timer(c, db::TimerKind::checkpoint, span, timer.session_number,
                                           timer.owner, interval));
    BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::CheckpointRecord, probe),
                              again ? db::ProbeState::armed_again : db::ProbeState::armed));
    return txn.put(timer.owner + offsetof(db::CheckpointRecord, timer), shorter);
  }
  return success();
}

}  // namespace ltp::engine
