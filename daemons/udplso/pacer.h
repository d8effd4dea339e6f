// Pacer: how many of a span's segments udplso may dequeue and send now,
// at the rate it is given (bits/s, 0 for "no limit"): the lowest of the
// command line's txbps, the contact plan's rate and the rate the span
// learned from its peer's reports (engine/rate_model.h), as udplso
// works it out before each grant.
//
// Segments are paced before they are dequeued, never after: a dequeued
// segment's payload points into the heap and must leave promptly, and its
// timers start at dequeue. So the pacer grants a burst of whole segments
// (what the rate allows in a few milliseconds, at least one) only once the
// token bucket holds that many bits. A rate that changes keeps the
// bucket's credit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "libltp/udp/clock.h"
#include "libltp/udp/token_bucket.h"

namespace ltp::udplso {

class Pacer {
 public:
  // `max_batch`: the most segments granted at once; `segment_bytes`: the
  // span's largest segment.
  Pacer(std::uint64_t segment_bytes, std::size_t max_batch);

  // Segments that may be dequeued now at `bits_per_second` (0: no limit);
  // 0 means wait `*wait` first.
  std::size_t grant(std::uint64_t bits_per_second, udp::Nanos now, udp::Nanos* wait);
  // What was actually sent.
  void spend(std::uint64_t bytes, udp::Nanos now);
  // The rate in force after the last grant(), bits/s; 0 = unlimited.
  std::uint64_t rate() const { return rate_; }

 private:
  std::uint64_t segment_bits_;
  std::size_t max_batch_;
  std::uint64_t rate_ = 0;
  std::size_t burst_segments_ = 0;
  std::optional<udp::TokenBucket> bucket_;
};

}  // namespace ltp::udplso
