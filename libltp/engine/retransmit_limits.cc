#include "libltp/engine/retransmit_limits.h"

#include <algorithm>
#include <cmath>

namespace ltp::engine {

double segment_loss(double maxber, std::uint64_t max_segment_size) {
  constexpr double kDefaultMaxber = 1e-6;
  constexpr double kWorstSegmentLoss = 0.99;
  if (!(maxber > 0.0 && maxber < 1.0)) maxber = kDefaultMaxber;
  const double bits = 8.0 * static_cast<double>(max_segment_size);
  return std::min(1.0 - std::pow(1.0 - maxber, bits), kWorstSegmentLoss);
}

std::uint64_t derived_limit(double maxber, std::uint64_t max_segment_size) {
  constexpr double kResidualLoss = 1e-6;
  constexpr std::uint64_t kMinRetransmissions = 3;
  const double p = segment_loss(maxber, max_segment_size);
  std::uint64_t n = 0;
  for (double miss = 1.0; miss > kResidualLoss; miss *= p) ++n;
  return std::max(n, kMinRetransmissions);
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
