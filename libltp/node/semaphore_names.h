// The names of a node's semaphores, shared by the engine's signals, the
// daemons that sleep on them, the clients, and node start/stop.
//
// Each is a NodeSemaphore (ipc/node_semaphore.h) under the node's prefix.
// Start creates the node-wide and per-span ones; ltp_open creates a
// client's. Stop ends them all (waking every sleeper) and unlinks them.
#pragma once

#include <cstdint>
#include <string>

namespace ltp::node {

// Posted when the timeline may have an earlier deadline: ltpclock re-reads it.
inline constexpr char kClockSemaphore[] = "clock";
// Each daemon posts it once when it is attached and serving: start waits on it.
inline constexpr char kStartedSemaphore[] = "started";
// ltpdeliv's wake-up (client opened or closed, node stopping).
inline constexpr char kDeliverySemaphore[] = "deliv";

// The span's segment semaphore: segments are queued for its LSO.
std::string segment_semaphore(std::uint64_t span_engine);
// The span's export window opened: a blocked ltp_send may retry.
std::string window_semaphore(std::uint64_t span_engine);
// The span opened a block: its ltpmeter times the aggregation limit.
std::string meter_semaphore(std::uint64_t span_engine);
// The client has notices to take (ltp_get_notice sleeps on it).
std::string notice_semaphore(std::uint64_t client_id);

}  // namespace ltp::node
