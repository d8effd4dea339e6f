// VolatileDb: the LTP database's working state that need not survive a
// node restart — per span: one-way light time, transmit and receive rates,
// whether the remote engine is transmitting (contact), the measured
// checkpoint round trip, and the pids of the tasks serving it. Lives in the node's volatile
// shared-memory segment.
//
// The contact plan (ionadmin ranges/contacts) and the link service
// adapters write it; the engine reads it to compute timer deadlines and
// the radiation time of segments. Rebuilt from configuration at start.
#pragma once

#include <array>
#include <cstdint>

#include "ipc/volatile_segment.h"

namespace ltp::db {

// The sending rate a span learned from its peer's reports
// (engine/rate_model.h keeps it; the span's LSO paces by it). Volatile:
// a restarted node learns again.
struct DeliveryMark {
  std::uint64_t at_ms = 0;
  std::uint64_t delivered = 0;
  std::uint64_t reported_missing = 0;
};
struct LearnedRate {
  static constexpr std::size_t kMarks = 32;
  // 1 while the span's LSO paces by the learned rate (udplso --learn-rate):
  // only then does the span hold blocks for its first estimate.
  std::uint32_t lso_learns = 0;
  std::uint64_t delivered = 0;         // red octets newly claimed by reports, all time
  std::uint64_t reported_missing = 0;  // and octets they showed missing
  // `delivered` when reports came and when a flight started, newest at
  // next_mark - 1: a checkpoint's report measures from the last before it.
  std::array<DeliveryMark, kMarks> marks{};
  std::uint32_t next_mark = 0;
  std::uint32_t flying = 0;          // 1 while data has left since the queues ran dry
  std::uint64_t sample_span_ms = 0;  // how far back the last sample looked
  std::uint64_t round_start_ms = 0;  // phases last a round (a round trip or more)
  // Loss is judged over rounds until there is enough evidence.
  std::uint64_t interval_start_ms = 0;
  std::uint64_t interval_delivered = 0;  // `delivered` when it opened
  std::uint64_t interval_lost = 0;       // octets its reports showed missing
  std::uint32_t interval_paced = 0;      // 1 if it opened with a pace
  std::uint32_t app_limited = 0;         // 1: samples now may be the sender's shortfall
  std::uint32_t ran_dry = 0;             // the queues ran dry in this interval
  std::uint32_t phase = 0;               // 0 startup, 1 drain, 2.. the probing cycle
  std::uint64_t window_start_ms = 0;     // the max filter's current window
  std::uint64_t window_max = 0;          // bytes/s, best sample in this window
  std::uint64_t previous_max = 0;        // and in the one before
  // The estimate when the last probe began; 0 once its loss can no longer show.
  std::uint64_t probe_base = 0;
  std::uint64_t startup_best = 0;  // startup ends when this stops growing
  std::uint32_t startup_flat = 0;
  std::uint32_t loss_events = 0;        // backed off this many times
  std::uint64_t backoff_ms = 0;         // when it last backed off
  std::uint64_t first_block = 0;        // until an estimate: the last block let go (+1)
  std::uint64_t startup_bytes = 0;      // and the octets let go with it
  std::uint64_t bottleneck = 0;         // bytes/s estimate; 0: none yet
  std::uint64_t pacing = 0;             // bytes/s to send at now; 0: none yet
  std::uint32_t backlogged_sample = 0;  // 1 once a sample was not app-limited
};

struct VolatileSpan {
  std::uint64_t engine_id = 0;  // 0 = free slot
  std::uint64_t owlt_ms = 0;
  std::uint64_t transmit_rate = 0;  // bytes/s; 0 = unknown (no radiation time)
  std::uint64_t receive_rate = 0;
  std::uint32_t remote_transmitting = 1;
  // The contact plan lets us transmit to the span now (LSO holds its
  // segments while 0).
  std::uint32_t local_transmitting = 1;
  // Smoothed time from a checkpoint's sending to its report (x8, ms), and
  // whether there is a sample yet (engine/tail_probe.cc).
  std::uint64_t round_trip_x8_ms = 0;
  std::uint32_t round_trip_known = 0;
  // Its smoothed mean deviation (x4, ms; RFC 6298's RTTVAR), so that a
  // path whose answers come late now and then probes later.
  std::uint64_t round_trip_deviation_x4_ms = 0;
  std::int32_t lso_pid = 0;
  std::int32_t meter_pid = 0;
  // 1 once a batch not marked exclusive dequeued from this span since the
  // node started: the dequeue epoch then proves nothing, and closed blocks
  // wait out the payload grace (Engine::release_sent_blocks).
  std::uint32_t shared_dequeues = 0;
  // Import sessions that gave their slot to a newcomer since the node
  // started (engine/import_slots.cc): a count that grows means a flood.
  std::uint64_t imports_yielded = 0;
  // Smoothed time from a checkpoint's first sending to its report (x8,
  // ms), resent checkpoints included (as answers to their first copy:
  // possibly too long, never too short). A floor under the response
  // timers (Engine::response_interval).
  std::uint64_t path_round_trip_x8_ms = 0;
  std::uint32_t path_round_trip_known = 0;
  // Reports in a row that claimed nothing new (engine/stall_hold.cc).
  std::uint32_t stalled_reports = 0;
  // 1 while segments have been dequeued since the span's queues last ran
  // dry (the tail probe's moment: Engine::dequeue).
  std::uint32_t sent_since_dry = 0;
  // Segments from this engine that came from an address its LSO does not
  // send to, dropped (udplsi --peers-only).
  std::uint64_t from_other_addresses = 0;
  LearnedRate learned;
};

// The object stored in the segment (plain data, so every process maps the
// same bytes). Open addressing on engine id: spans are few and fixed.
struct VolatileDbState {
  static constexpr std::size_t kSlots = 256;
  std::array<VolatileSpan, kSlots> spans{};
  std::int32_t clock_pid = 0;
  std::int32_t lsi_pid = 0;
};

class VolatileDb {
 public:
  static constexpr const char* kObjectName = "ltp-vdb";
  // Finds or constructs the state in the node's segment.
  static VolatileDb attach(ipc::VolatileSegment& segment);
  explicit VolatileDb(VolatileDbState* state) : state_(state) {}

  // The span's slot, created on first use; nullptr only if all slots are taken.
  VolatileSpan* span(std::uint64_t engine_id);
  const VolatileSpan* find_span(std::uint64_t engine_id) const;
  VolatileDbState& state() { return *state_; }

 private:
  VolatileDbState* state_;
};

}  // namespace ltp::db
