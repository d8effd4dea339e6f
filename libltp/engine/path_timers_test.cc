// Response timers that know the path (timeline.cc response_interval):
// a link that takes far longer than the configuration says (a relay's
// queue, a slower peer) must not get blocks cancelled that are getting
// through. Resent checkpoints back off until their answer can arrive, and
// the measured round trip then floors the timers of later blocks.
#include <gtest/gtest.h>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::NoticeType;
using testing::Lockstep;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

// The engines are told 100 ms each way and 50 ms of queuing at each end
// (response timers of 0.3 s); the link adds 1.5 s each way.
testing::LockstepConfig slow_path() {
  testing::LockstepConfig config;
  config.owlt_ms = 100;
  config.node.own_queuing_ms = 50;
  config.span.queuing_latency_ms = 50;
  config.span.checkpoint_limit = 4;
  config.span.report_limit = 4;
  config.span.cancel_limit = 4;
  return config;
}
constexpr std::uint64_t kUnforeseenDelayMs = 1500;

std::uint64_t checkpoints_resent(Lockstep& net) {
  return net.engine(kA).stats(kB).value().checkpoints_retransmitted;
}

TEST(PathTimers, AQueueTheConfigurationDidNotForeseeCancelsNothing) {
  Lockstep net(slow_path());
  net.set_filter([](const testing::Crossing&) { return testing::Verdict{1, kUnforeseenDelayMs}; });
  const auto first = Lockstep::pattern(30000, 1);
  net.send(kA, first);
  ASSERT_TRUE(net.run());
  ASSERT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty())
      << "cancelled while the block was delivered";
  // The first block's checkpoint was resent (the timer knew no better),
  // each time waiting twice as long.
  const std::uint64_t resent_first = checkpoints_resent(net);
  EXPECT_GE(resent_first, 1u);
  EXPECT_LE(resent_first, 4u);

  // The next block's timers stand on the measured path: no resend at all.
  net.send(kA, Lockstep::pattern(30000, 2));
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 2u);
  EXPECT_EQ(checkpoints_resent(net), resent_first);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty());
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// A link that really is down for good still ends in a cancel: backing off
// delays it (doubling up to 16 times the interval), never forever.
TEST(PathTimers, ADeadLinkStillEndsInACancel) {
  Lockstep net(slow_path());
  net.set_filter([](const testing::Crossing& x) { return testing::Verdict{x.from == kA ? 0 : 1}; });
  const std::uint64_t start = net.now();
  net.send(kA, Lockstep::pattern(3000, 3));
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  // 0.3 s, then 0.6, 1.2, 2.4, 4.8: under 10 s, and the cancel's own
  // retransmissions after it.
  EXPECT_LT(cancelled[0].at, start + 60000);
}

}  // namespace
}  // namespace ltp::engine
