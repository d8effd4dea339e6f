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
