// RateModel: the sending rate a span learns from its peer's reports, so
// that a sender with no configured rate neither overruns a slower
// receiver (its socket, its engine, a relay) nor leaves a fast one idle.
//
// A delivery-rate model in the manner of BBR (Cardwell et al., ACM Queue
// 2016): each report measures the red octets claimed per second over the
// recent past (at least a round trip, and at least twice its own claim,
// since LTP's reports claim whole blocks and bunch up; never more than
// the pace, and above the estimate no more than the pace less the share
// lost), a windowed maximum of those samples over ten rounds is the
// bottleneck estimate, and the span is paced at the estimate times a gain
// that cycles a round at a time (5/4 to find more room, 3/4 to drain the
// queue that made, then 1 for six); a probe that finds an eighth more
// room goes back to startup, one that loses back to where it started.
// Until its first sample a span lets a megabyte of blocks go (unpaced,
// or at the ceiling) and holds the next (a rate needs one measured
// block); then startup paces at 3/2 of the estimate until it stops
// growing by a quarter three rounds in a row, or a report shows it lost.
// What BBR's first version lacks for LTP's receivers (shallow socket
// buffers that drop rather than queue) is taken from loss-based control:
// rounds whose reports show more missing octets than the link's error
// rate explains (maxber), by over 15 %, lower the estimate by that share
// (at most half), down to no less than what they delivered, and drain;
// loss on data sent before the first estimate or the last back-off is not
// held against the pace.
// docs/engine.md says why this and not AIMD. The contact plan's rate and
// the LSO's txbps stay a ceiling (sending_rate).
//
// Called by the engine (handle_report, dequeue) with the span's volatile
// state; read by the span's LSO (udplso's pacer) and the lock-step link.
// Pure functions of their arguments, so rate_model_test.cc drives them
// with made-up reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "libltp/db/volatile_db.h"

namespace ltp::engine::rate_model {

// What one report (not a repeated one) showed.
struct ReportEvidence {
  std::uint64_t now_ms = 0;
  std::uint64_t newly_claimed = 0;  // red octets no earlier report claimed
  std::uint64_t missing = 0;        // octets in its scope still unclaimed
  std::uint64_t round_trip_ms = 0;  // the span's smoothed round trip; 0: unknown
  double explained_loss = 0;        // the fraction of segments maxber says are lost
  // It answers a checkpoint that was resent (by its timer or a tail
  // probe): the round trip of the last copy; 0 if it answers the first.
  std::uint64_t late_answer_ms = 0;
  // When the checkpoint it answers left (its last copy); 0: it answers
  // none, or one its timer resent (what that shows lost left a whole
  // interval earlier). Loss is only judged where this is known.
  std::uint64_t checkpoint_sent_ms = 0;
};

void on_report(db::LearnedRate& rate, const ReportEvidence& evidence);

// The span's link took data: the first time since its queues ran dry
// starts a flight, which the first reports measure from.
void on_data_sent(db::LearnedRate& rate, std::uint64_t now_ms);
// The span's link found nothing to send (`nothing_queued`: no block
// waits either, not even one held for the first estimate): the next
// samples may be the sender's shortfall, not the path's (app-limited), and
// only count if higher.
void on_ran_dry(db::LearnedRate& rate, bool nothing_queued);

// Until the first estimate, whether block
// `session` of `length` octets may start: blocks go (unpaced, or at the
// ceiling) while they
// add up to no more than a megabyte (one always may), then wait until the
// last one let go has closed (`last_open`: it has not) or the first
// report gives an estimate.
bool may_start_block(db::LearnedRate& rate, std::uint64_t session, std::uint64_t length,
                     bool last_open);
// The block let go last, while there is no estimate yet.
std::optional<std::uint64_t> first_block(const db::LearnedRate& rate);

// Bytes/s the span's link sends at under a configured ceiling (the lower
// of the contact plan's rate and txbps; 0: none); 0 means unpaced. A span
// that has only measured itself running out of data (a block now and
// then) is not paced by that. Within
// a tenth of the ceiling the estimate is the ceiling itself, so a span
// whose plan rate is right keeps it instead of cycling below it.
std::uint64_t sending_rate(const db::LearnedRate& rate, std::uint64_t ceiling);

// Where the model is, for ltpstat: startup, drain, probing (5/4),
// draining the probe (3/4) or cruising.
std::string_view phase_name(const db::LearnedRate& rate);

}  // namespace ltp::engine::rate_model
