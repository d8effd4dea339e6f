// TokenBucket: a rate limit in bits per second with a burst allowance.
//
// udplso paces its transmissions with it (ION's txbps), ltpnetem caps a
// link's rate with it. The caller supplies the time on every call (see
// clock.h), so tests run it on a made-up clock.
//
// A datagram larger than the burst would never fit, so a datagram is let
// through whenever the bucket holds at least min(its size, burst); the
// bucket may then go into debt, which later refills repay. The long-run
// rate is therefore exact whatever the datagram sizes.
#pragma once

#include <cstdint>

#include "libltp/udp/clock.h"

namespace ltp::udp {

class TokenBucket {
 public:
  // bits_per_second and burst_bits must be > 0. Starts full at `now`.
  TokenBucket(std::uint64_t bits_per_second, std::uint64_t burst_bits, Nanos now);

  // Takes `bits` and returns true if they may go now; else takes nothing.
  bool try_take(std::uint64_t bits, Nanos now);

  // How long from `now` until try_take(bits) would succeed (0: already).
  Nanos wait_time(std::uint64_t bits, Nanos now);

  // A new rate and burst from `now` on; what the bucket holds (or owes)
  // carries over, up to the new burst, so a rate that changes often
  // (udplso's learned rate) neither loses credit nor grants a fresh burst.
  void set_rate(std::uint64_t bits_per_second, std::uint64_t burst_bits, Nanos now);

 private:
  void refill(Nanos now);
  double needed(std::uint64_t bits) const;

  double bits_per_second_;
  double burst_;
  double tokens_;  // bits; negative while in debt
  Nanos last_;
};

}  // namespace ltp::udp
