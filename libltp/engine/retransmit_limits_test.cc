#include "libltp/engine/retransmit_limits.h"

#include <gtest/gtest.h>

namespace ltp::engine {
namespace {

TEST(RetransmitLimits, DerivedFromMaxberAndSegmentSize) {
  // A clean link needs the minimum; a noisy one more; bigger segments more.
  EXPECT_EQ(derived_limit(0, 1400), 1u);
  EXPECT_EQ(derived_limit(1e-7, 1400), 2u);  // p ~ 1.1e-3: p^2 > 1e-6, p^3 < 1e-6
  EXPECT_GT(derived_limit(1e-4, 1400), derived_limit(1e-6, 1400));
  EXPECT_GE(derived_limit(1e-5, 64000), derived_limit(1e-5, 1400));
  EXPECT_LE(derived_limit(0.5, 64000), 99u);  // bounded even when every segment is hit
}

TEST(RetransmitLimits, SpanOverridesWin) {
  db::NodeConfig node;
  db::SpanConfig span;
  span.checkpoint_limit = 7;
  span.cancel_limit = 9;
  const auto limits = retransmit_limits(node, span);
  EXPECT_EQ(limits.checkpoint, 7u);
  EXPECT_EQ(limits.report, derived_limit(node.maxber, span.max_segment_size));
  EXPECT_EQ(limits.cancel, 9u);
}

}  // namespace
}  // namespace ltp::engine
