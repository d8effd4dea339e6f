// Nanos and monotonic_now(): the time type of libltp/udp's pacing and of
// ltpnetem's impairment core.
//
// Time-dependent logic (TokenBucket, ltpnetem's DirectionCore) takes the
// current time as an argument instead of reading a clock, so unit tests
// drive it with made-up times; the socket loops pass monotonic_now().
#pragma once

#include <chrono>

namespace ltp::udp {

using Nanos = std::chrono::nanoseconds;

// CLOCK_MONOTONIC as nanoseconds since an arbitrary start.
inline Nanos monotonic_now() {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace ltp::udp
