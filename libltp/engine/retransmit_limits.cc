#include "libltp/engine/retransmit_limits.h"

#include <cmath>

namespace ltp::engine {

std::uint64_t derived_limit(double maxber, std::uint64_t max_segment_size) {
  constexpr double kResidualLoss = 1e-6;
  constexpr std::uint64_t kMinTries = 2;
  constexpr std::uint64_t kMaxTries = 100;
  const double bits = 8.0 * static_cast<double>(max_segment_size);
  const double p = 1.0 - std::pow(1.0 - maxber, bits);
  std::uint64_t tries = kMinTries;
  if (p > 0) {
    double miss = std::pow(p, static_cast<double>(tries));
    while (miss >= kResidualLoss && tries < kMaxTries) {
      ++tries;
      miss *= p;
    }
  }
  return tries - 1;
}

RetransmitLimits retransmit_limits(const db::NodeConfig& node, const db::SpanConfig& span) {
  const std::uint64_t derived = derived_limit(node.maxber, span.max_segment_size);
  return {
      span.checkpoint_limit != 0 ? span.checkpoint_limit : derived,
      span.report_limit != 0 ? span.report_limit : derived,
      span.cancel_limit != 0 ? span.cancel_limit : derived,
  };
}

}  // namespace ltp::engine
