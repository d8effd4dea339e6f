#include "daemons/udplso/pacer.h"

#include <algorithm>

namespace ltp::udplso {
namespace {

// A burst is what the rate allows in 1/kBurstsPerSecond s (5 ms): short
// enough that pacing stays smooth for the link, long enough to fill
// sendmmsg batches at high rates.
constexpr std::uint64_t kBurstsPerSecond = 200;

// The bucket holds a few bursts: time slept past a burst's due time (timer
// slack, a busy core) is made up by the next grants instead of being lost,
// which would pace below the rate.
constexpr std::uint64_t kBurstsHeld = 4;

}  // namespace

Pacer::Pacer(std::uint64_t segment_bytes, std::size_t max_batch)
    : segment_bits_(std::max<std::uint64_t>(segment_bytes, 1) * 8),
      max_batch_(std::max<std::size_t>(max_batch, 1)) {}

std::size_t Pacer::grant(std::uint64_t rate, udp::Nanos now, udp::Nanos* wait) {
  if (rate != rate_) {
    rate_ = rate;
    if (rate == 0) {
      bucket_.reset();
    } else {
      const std::uint64_t burst = std::max(segment_bits_, rate / kBurstsPerSecond);
      burst_segments_ = std::clamp<std::size_t>(burst / segment_bits_, 1, max_batch_);
      const std::uint64_t held = kBurstsHeld * burst_segments_ * segment_bits_;
      if (bucket_) {
        bucket_->set_rate(rate, held, now);
      } else {
        bucket_.emplace(rate, held, now);
      }
    }
  }
  if (!bucket_) return max_batch_;
  const udp::Nanos missing = bucket_->wait_time(burst_segments_ * segment_bits_, now);
  if (missing.count() > 0) {
    *wait = missing;
    return 0;
  }
  return burst_segments_;
}

void Pacer::spend(std::uint64_t bytes, udp::Nanos now) {
  if (bucket_) (void)bucket_->try_take(bytes * 8, now);
}

}  // namespace ltp::udplso
