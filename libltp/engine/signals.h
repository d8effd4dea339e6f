// EngineSignals: how the engine wakes the other tasks of a node.
//
// Called by Engine after a transaction commits (never inside one, so a
// woken task finds the change). The runtime posts the node's named
// semaphores (span segment semaphore for ltpmeter/LSO, client notice
// semaphore for ltp_get_notice, the clock's semaphore, the span's export
// window); tests count the calls.
#pragma once

#include <cstdint>

namespace ltp::engine {

class EngineSignals {
 public:
  virtual ~EngineSignals() = default;
  // The span's outbound queue has segments to dequeue.
  virtual void segments_ready(std::uint64_t span_engine) = 0;
  // The client has a notice to take.
  virtual void notice_ready(std::uint64_t client_id) = 0;
  // The earliest deadline may have moved earlier: the clock should re-read it.
  virtual void timeline_changed() = 0;
  // An export session of the span closed: a blocked sender may proceed.
  virtual void export_window_open(std::uint64_t span_engine) = 0;
  // The span opened a new block: its meter should time the aggregation limit.
  virtual void block_opened(std::uint64_t span_engine) = 0;
  // Red data from the span's engine was not kept for want of heap room
  // (the sender will resend it), or, if `cancelled`, a block was cancelled
  // because the heap could never hold it: worth a warning, not a wake-up.
  virtual void heap_short(std::uint64_t span_engine, bool cancelled) = 0;
};

// For callers that poll instead of sleeping.
class NoSignals final : public EngineSignals {
 public:
  void segments_ready(std::uint64_t) override {}
  void notice_ready(std::uint64_t) override {}
  void timeline_changed() override {}
  void export_window_open(std::uint64_t) override {}
  void block_opened(std::uint64_t) override {}
  void heap_short(std::uint64_t, bool) override {}
};

}  // namespace ltp::engine
