// Link models for the lock-step engine tests: a bottleneck (a slower hop
// or a receiver's socket buffer, whose FIFO drops what does not fit) of
// fixed or changing rate, and random loss. recovery_test.cc measures how
// the engine recovers behind them; rate_control_test.cc, how the learned
// sending rate (rate_model.h) keeps the bottleneck full without
// overrunning it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine::testing {

struct LinkCounts {
  std::uint64_t data_dropped = 0;  // data segments from kA lost
};

// Bytes/s a bottleneck drains at, by the simulated clock (ms).
using RateSchedule = std::function<std::uint64_t(std::uint64_t now_ms)>;

struct Bottleneck {
  RateSchedule rate;
  std::uint64_t buffer = 0;  // bytes the FIFO holds
  double loss = 0;           // then this fraction dropped at random ...
  std::uint64_t seed = 1;    // ... seeded
};

// Each sender's segments (all its spans together) through its own FIFO.
LinkFilter bottleneck_filter(Bottleneck spec, std::shared_ptr<LinkCounts> counts);

// A bottleneck of one fixed rate.
inline LinkFilter bottleneck_filter(std::uint64_t rate, std::uint64_t buffer,
                                    std::shared_ptr<LinkCounts> counts) {
  return bottleneck_filter({[rate](std::uint64_t) { return rate; }, buffer}, std::move(counts));
}

// Drops `loss` of the segments each way, seeded; no bottleneck.
LinkFilter lossy_filter(double loss, std::uint64_t seed, std::shared_ptr<LinkCounts> counts);

}  // namespace ltp::engine::testing
