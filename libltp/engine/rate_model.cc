#include "libltp/engine/rate_model.h"

#include <algorithm>
#include <array>

namespace ltp::engine::rate_model {

namespace {

// A round trip counts as at least this long: on a fast local link reports
// come in bursts, and phases shorter than a few of them would measure the
// bursts, not the path.
constexpr std::uint64_t kMinRoundTripMs = 5;
// The max filter forgets a sample after 10 to 20 round trips.
constexpr std::uint64_t kWindowRoundTrips = 10;
// Gains in quarters: startup grows by half a round (BBR doubles, which on
// loopback overruns the receiving engine's socket by a round's worth),
// drain empties what startup queued, then the probing cycle (one round
// each).
constexpr std::uint64_t kStartupGain = 6;
constexpr std::uint64_t kDrainGain = 3;
constexpr std::array<std::uint64_t, 8> kCycleGains{5, 3, 4, 4, 4, 4, 4, 4};
constexpr std::uint32_t kStartup = 0;
constexpr std::uint32_t kDrain = 1;
constexpr std::uint32_t kFirstCycle = 2;
// The cycle starts cruising (at gain 1): a span that just drained probes
// six round trips later.
constexpr std::uint32_t kCruising = kFirstCycle + 2;
// Startup ends after this many round trips without a quarter's growth.
constexpr std::uint32_t kFlatRoundTrips = 3;
// Loss beyond what maxber explains by more than this is the sender's ...
constexpr double kExcessLoss = 0.15;
// ... judged on at least this many octets (about 100 segments: 5 % lost
// at random then stays below 20 % but once in millions).
constexpr std::uint64_t kMinLossEvidence = 140'000;
// A sample spans at least this many times the claim of the report that
// takes it (reports of several blocks bunch up).
constexpr std::uint64_t kClaimsPerSample = 2;
// Until the first estimate, blocks start unpaced while they add up to no
// more than this (and one always may).
constexpr std::uint64_t kInitialWindow = 1'000'000;
// One back-off keeps at least this share of the estimate: loss over a
// round with a stall in it (a timer's wait) overstates the excess.
constexpr double kMaxCut = 0.5;
// Backing off never goes below 100 kbit/s.
constexpr std::uint64_t kFloor = 12'500;

std::uint64_t gain(const db::LearnedRate& r) {
  if (r.phase == kStartup) return kStartupGain;
  if (r.phase == kDrain) return kDrainGain;
  return kCycleGains[(r.phase - kFirstCycle) % kCycleGains.size()];
}

void enter(db::LearnedRate& r, std::uint32_t phase) { r.phase = phase; }

void mark(db::LearnedRate& r, std::uint64_t now) {
  if (r.next_mark != 0) {
    db::DeliveryMark& newest = r.marks[(r.next_mark - 1) % r.marks.size()];
    if (newest.at_ms == now) {
      newest.delivered = r.delivered;
      newest.reported_missing = r.reported_missing;
      return;
    }
  }
  r.marks[r.next_mark++ % r.marks.size()] = {now, r.delivered, r.reported_missing};
}

// Octets/s claimed over the recent past: from the newest mark at least
// a round trip back behind which four times this report's claim has come
// (reports claim whole blocks at once, so a shorter span measures how
// they bunch up, not the path); the first estimate from the flight's
// start. 0 if there is not enough history yet.
struct Sample {
  std::uint64_t rate = 0;  // octets/s
  std::uint64_t span_ms = 0;
};
Sample delivery_sample(const db::LearnedRate& r, const ReportEvidence& e,
                       std::uint64_t round_trip) {
  const std::size_t kept = std::min<std::size_t>(r.next_mark, r.marks.size());
  for (std::size_t back = 1; back <= kept; ++back) {
    const db::DeliveryMark& m = r.marks[(r.next_mark - back) % r.marks.size()];
    if (e.now_ms <= m.at_ms) continue;
    const std::uint64_t claimed = r.delivered - m.delivered;
    const bool enough =
        (claimed >= kClaimsPerSample * e.newly_claimed && e.now_ms - m.at_ms >= round_trip) ||
        (r.bottleneck == 0 && back == kept);
    if (!enough) continue;
    std::uint64_t rate = claimed * 1000 / (e.now_ms - m.at_ms);
    // Claims bunch up after a loss (a block's whole first pass claimed
    // once its resent checkpoint is answered): sending faster than the
    // estimate, the path delivers no more than the pace less the share of
    // what was sent that it lost. (At the estimate, light loss recovered
    // at the pace is no sign that it delivers less.)
    if (claimed != 0 && r.pacing != 0 && gain(r) > 4) {
      const std::uint64_t missing = r.reported_missing - m.reported_missing;
      const double share = static_cast<double>(claimed) / static_cast<double>(claimed + missing);
      rate = std::min(rate, static_cast<std::uint64_t>(static_cast<double>(r.pacing) * share));
    }
    return {rate, e.now_ms - m.at_ms};
  }
  return {};
}

// Feeds the windowed maximum; a window with no sample keeps the one
// before, so a span that idles keeps what it learned.
void filter(db::LearnedRate& r, std::uint64_t sample, std::uint64_t now, std::uint64_t window) {
  if (r.window_start_ms == 0 || now - r.window_start_ms >= window) {
    if (r.window_max != 0) r.previous_max = r.window_max;
    r.window_max = 0;
    r.window_start_ms = now;
  }
  r.window_max = std::max(r.window_max, sample);
  r.bottleneck = std::max(r.window_max, r.previous_max);
}

// The share of `judged` octets lost beyond what maxber explains, where
// that is over 15 % and there is enough evidence; else 0.
double excess_loss(std::uint64_t lost, std::uint64_t judged, double explained) {
  if (judged < kMinLossEvidence) return 0;
  const double excess = static_cast<double>(lost) / static_cast<double>(judged) - explained;
  return excess > kExcessLoss ? excess : 0;
}

// Startup's loss is its gain's: the estimate (what was delivered)
// stands and startup ends. Elsewhere the estimate was too high by about
// the share lost beyond what maxber explains, or more: it drops by that
// share, to no less than what the round delivered (if that was less).
void back_off(db::LearnedRate& r, double excess, std::uint64_t delivered_rate, std::uint64_t now) {
  if (r.phase >= kFirstCycle && r.phase <= kCruising && r.probe_base != 0) {
    // The probe (or the round after, which its loss is reported in) found
    // no room: the estimate it started from held without loss.
    r.bottleneck = std::min(r.bottleneck, r.probe_base);
    r.probe_base = 0;
  } else if (r.phase != kStartup) {
    const auto kept = static_cast<std::uint64_t>(static_cast<double>(r.bottleneck) *
                                                 std::clamp(1.0 - excess, kMaxCut, 1.0));
    r.bottleneck = std::max({std::min(delivered_rate, r.bottleneck), kept, kFloor});
  }
  r.window_max = r.bottleneck;
  r.previous_max = 0;
  r.window_start_ms = now;
  ++r.loss_events;
  r.backoff_ms = now;
  enter(r, kDrain);
}

void leave_startup_when_flat(db::LearnedRate& r) {
  if (r.bottleneck >= r.startup_best + r.startup_best / 4) {
    r.startup_best = r.bottleneck;
    r.startup_flat = 0;
  } else if (++r.startup_flat >= kFlatRoundTrips) {
    enter(r, kDrain);
  }
}

// Once a round: loss judged (once there is enough evidence), startup's
// growth checked, the phase moved on.
void close_round(db::LearnedRate& r, const ReportEvidence& e) {
  const std::uint64_t delivered = r.delivered - r.interval_delivered;
  const std::uint64_t judged = delivered + r.interval_lost;
  bool backed_off = false;
  if (judged >= kMinLossEvidence) {
    const double excess = excess_loss(r.interval_lost, judged, e.explained_loss);
    // Loss while unpaced (the first blocks) says nothing of a paced rate
    // but that startup should end.
    if ((r.interval_paced != 0 || r.phase == kStartup) && excess > 0) {
      back_off(r, excess, delivered * 1000 / (e.now_ms - r.interval_start_ms), e.now_ms);
      backed_off = true;
    }
    r.interval_start_ms = e.now_ms;
    r.interval_delivered = r.delivered;
    r.interval_lost = 0;
    r.interval_paced = r.pacing != 0;
  }
  if (!backed_off) {
    if (r.phase == kStartup) {
      if (r.bottleneck != 0) leave_startup_when_flat(r);
    } else if (r.phase == kDrain) {
      enter(r, kCruising);
    } else if (r.phase == kFirstCycle + 1 && r.probe_base != 0 &&
               r.bottleneck >= r.probe_base + r.probe_base / 8) {
      // The probe found much more room (a bottleneck that widened): grow
      // as in startup instead of a quarter every cycle.
      r.startup_best = r.bottleneck;
      r.startup_flat = 0;
      r.probe_base = 0;
      enter(r, kStartup);
    } else {
      if (r.phase + 1 == kFirstCycle + kCycleGains.size()) r.probe_base = r.bottleneck;
      // Loss reported later than the round after the probe is not its.
      if (r.phase == kCruising) r.probe_base = 0;
      enter(r, r.phase + 1 < kFirstCycle + kCycleGains.size() ? r.phase + 1 : kFirstCycle);
    }
  }
  r.round_start_ms = e.now_ms;
  // Samples are the sender's shortfall until a whole round passes
  // without its queues running dry.
  r.app_limited = r.ran_dry;
  r.ran_dry = 0;
}

}  // namespace

void on_report(db::LearnedRate& r, const ReportEvidence& e) {
  r.delivered += e.newly_claimed;
  r.reported_missing += e.missing;
  // Loss counts against the pace its checkpoint left at: not before the
  // last back-off, which it caused or which already answered it. And a
  // report that claims nothing new is a receiver out of room
  // (stall_hold.cc), not a path that drops.
  const bool counts = e.checkpoint_sent_ms != 0 && e.checkpoint_sent_ms >= r.backoff_ms;
  if (counts && e.newly_claimed != 0) r.interval_lost += e.missing;
  // Startup's overshoot shows in the first paced report that loses more
  // than maxber explains: it ends then, not at the round's end, which is
  // another round of overshoot later.
  if (counts && r.pacing != 0 && r.phase == kStartup &&
      excess_loss(e.missing, e.newly_claimed + e.missing, e.explained_loss) > 0) {
    back_off(r, 0, 0, e.now_ms);
  }
  const std::uint64_t round_trip = std::max(e.round_trip_ms, kMinRoundTripMs);
  // A report that answers a resent checkpoint still dates its claims (the
  // sample is claims over time, whichever copy it answers); but the first
  // estimate, with no history before the flight, is what the last copy's
  // round trip brought (a first block sent unpaced into a slow receiver
  // loses its tail, checkpoint and all).
  Sample measured;
  if (r.bottleneck == 0 && e.late_answer_ms != 0) {
    measured = {e.newly_claimed * 1000 / e.late_answer_ms, e.late_answer_ms};
  } else {
    measured = delivery_sample(r, e, round_trip);
  }
  if (measured.span_ms != 0) r.sample_span_ms = measured.span_ms;
  // A path delivers no faster than it is fed.
  const std::uint64_t sample = r.pacing != 0 ? std::min(measured.rate, r.pacing) : measured.rate;
  // The control's round: a round trip, or longer where reports come
  // further apart (a report per block), so that each phase is measured.
  const std::uint64_t round = std::max(round_trip, r.sample_span_ms);
  if (sample != 0 && (r.app_limited == 0 || sample > r.bottleneck)) {
    filter(r, sample, e.now_ms, kWindowRoundTrips * round);
    if (r.app_limited == 0) r.backlogged_sample = 1;
  }
  if (r.interval_start_ms == 0) {
    r.interval_start_ms = r.round_start_ms = e.now_ms;
    r.interval_delivered = r.delivered - e.newly_claimed;
  } else if (e.now_ms >= r.round_start_ms + round) {
    close_round(r, e);
  }
  if (r.bottleneck != 0) r.pacing = std::max(r.bottleneck * gain(r) / 4, kFloor);
  mark(r, e.now_ms);
}

void on_data_sent(db::LearnedRate& r, std::uint64_t now_ms) {
  if (r.flying != 0) return;
  r.flying = 1;
  mark(r, now_ms);
}

void on_ran_dry(db::LearnedRate& r, bool nothing_queued) {
  r.flying = 0;
  if (!nothing_queued) return;
  r.app_limited = 1;
  r.ran_dry = 1;
}

bool may_start_block(db::LearnedRate& r, std::uint64_t session, std::uint64_t length,
                     bool last_open) {
  if (r.bottleneck != 0) return true;
  if (r.first_block == session + 1) return true;
  if (!last_open) r.startup_bytes = 0;
  if (r.startup_bytes != 0 && r.startup_bytes + length > kInitialWindow) return false;
  r.startup_bytes += length;
  r.first_block = session + 1;
  return true;
}

std::optional<std::uint64_t> first_block(const db::LearnedRate& r) {
  if (r.bottleneck != 0 || r.first_block == 0) return std::nullopt;
  return r.first_block - 1;
}

std::uint64_t sending_rate(const db::LearnedRate& r, std::uint64_t ceiling) {
  if (r.pacing == 0 || (r.backlogged_sample == 0 && r.loss_events == 0)) return ceiling;
  if (ceiling == 0) return r.pacing;
  if (r.bottleneck >= ceiling - ceiling / 10) return ceiling;
  return std::min(r.pacing, ceiling);
}

std::string_view phase_name(const db::LearnedRate& r) {
  if (r.phase == kStartup) return "startup";
  if (r.phase == kDrain) return "drain";
  const std::uint64_t g = gain(r);
  return g > 4 ? "probing" : g < 4 ? "draining the probe" : "cruising";
}

}  // namespace ltp::engine::rate_model
