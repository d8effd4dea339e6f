#include "libltp/udp/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace ltp::udp {
namespace {
constexpr double kRoundingBits = 1e-6;
}  // namespace

TokenBucket::TokenBucket(std::uint64_t bits_per_second, std::uint64_t burst_bits, Nanos now)
    : bits_per_second_(static_cast<double>(bits_per_second)),
      burst_(static_cast<double>(burst_bits)),
      tokens_(burst_),
      last_(now) {}

void TokenBucket::refill(Nanos now) {
  if (now <= last_) return;  // a clock that does not advance adds nothing
  const double elapsed_seconds = static_cast<double>((now - last_).count()) * 1e-9;
  tokens_ = std::min(burst_, tokens_ + elapsed_seconds * bits_per_second_);
  last_ = now;
}

double TokenBucket::needed(std::uint64_t bits) const {
  return std::min(static_cast<double>(bits), burst_);
}

bool TokenBucket::try_take(std::uint64_t bits, Nanos now) {
  refill(now);
  // The tolerance absorbs rounding, so a wait of exactly wait_time() succeeds.
  if (tokens_ + kRoundingBits < needed(bits)) return false;
  tokens_ -= static_cast<double>(bits);
  return true;
}

Nanos TokenBucket::wait_time(std::uint64_t bits, Nanos now) {
  refill(now);
  const double missing = needed(bits) - tokens_;
  if (missing <= 0) return Nanos(0);
  return Nanos(static_cast<Nanos::rep>(std::ceil(missing * 1e9 / bits_per_second_)));
}

void TokenBucket::set_rate(std::uint64_t bits_per_second, std::uint64_t burst_bits, Nanos now) {
  refill(now);
  bits_per_second_ = static_cast<double>(bits_per_second);
  burst_ = static_cast<double>(burst_bits);
  tokens_ = std::min(tokens_, burst_);
}

}  // namespace ltp::udp
