#include "libltp/engine/retransmit_limits.h"

#include <gtest/gtest.h>

namespace ltp::engine {
namespace {

TEST(RetransmitLimits, DerivedFromMaxberAndSegmentSize) {
  // ION 4.1.3's default maxber with 1400-octet segments: p ~ 1.1e-2,
  // p^3 ~ 1.4e-6 > 1e-6, p^4 < 1e-6. ion-rlexc.pcap shows those 4 resends.
  EXPECT_EQ(derived_limit(1e-6, 1400), 4u);
  // A clean link still gets ION's floor of 3; out-of-range maxber is 1e-6.
  EXPECT_EQ(derived_limit(1e-9, 1400), 3u);
  EXPECT_EQ(derived_limit(0, 1400), 4u);
  EXPECT_EQ(derived_limit(1.5, 1400), 4u);
  // Noisier links and bigger segments need more.
  EXPECT_EQ(derived_limit(1e-4, 1400), 35u);  // p ~ 0.67
  EXPECT_GT(derived_limit(1e-4, 1400), derived_limit(1e-6, 1400));
  EXPECT_GE(derived_limit(1e-5, 64000), derived_limit(1e-5, 1400));
  // Every segment hit: the loss rate is capped at 0.99, so the limit stays
  // finite (0.99^1375 < 1e-6), as in ION.
  EXPECT_EQ(derived_limit(0.5, 64000), 1375u);
  EXPECT_EQ(derived_limit(0.9, 64000), 1375u);
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
