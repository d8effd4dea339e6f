// The tail probe (tail_probe.cc) on a long link whose response timers
// carry long queuing allowances: a lost last checkpoint is resent about a
// round trip and a quarter after the span ran dry, not when its timer
// expires; the probe's copy is probed once more, at twice the interval;
// and a copy its timer resent may be probed again.
#include <gtest/gtest.h>

#include <vector>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using codec::SegmentType;
using testing::Crossing;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

// A light time of a second, 2 MB/s, and 3 s of queuing allowed each side:
// response timers of about 8 s against a round trip of about 2 s.
LockstepConfig long_link() {
  // The engines are not told the rate: their timers are the light time
  // and the queuing allowances alone.
  LockstepConfig c = testing::long_link_config(1000, 2'000'000, /*told=*/false);
  c.node.own_queuing_ms = 3000;
  c.span.queuing_latency_ms = 3000;
  return c;
}

struct TwoBlocks {
  codec::SessionId first, second;
  std::vector<Crossing> second_checkpoints;  // every copy, in order
  std::uint64_t first_answer_arrives = 0;    // the first round-trip sample
};

// Two blocks; the first `lost` copies of the second block's last
// checkpoint are lost.
TwoBlocks run_two_blocks(Lockstep& net, int lost) {
  TwoBlocks t;
  t.first = net.send(kA, Lockstep::pattern(50'000, 1));
  t.second = net.send(kA, Lockstep::pattern(50'000, 2));
  auto dropped = std::make_shared<int>(0);
  net.set_filter([=, second = t.second](const Crossing& c) {
    const bool drop =
        c.from == kA && c.session == second && codec::is_checkpoint(c.type) && *dropped < lost;
    if (drop) ++*dropped;
    return Verdict{drop ? 0 : 1, 0};
  });
  EXPECT_TRUE(net.run());
  t.second_checkpoints = net.crossings([&](const Crossing& c) {
    return c.from == kA && c.session == t.second && codec::is_checkpoint(c.type);
  });
  const auto reports = net.crossings([&](const Crossing& c) {
    return c.from == kB && c.type == SegmentType::report && c.session == t.first;
  });
  if (!reports.empty()) t.first_answer_arrives = reports.front().sent_at + 1000;
  EXPECT_EQ(net.notices(kB, db::NoticeType::red_part).size(), 2u);
  return t;
}

TEST(TailProbe, ALostLastCheckpointCostsAboutARoundTrip) {
  Lockstep net(long_link());
  const auto t = run_two_blocks(net, 1);
  ASSERT_EQ(t.second_checkpoints.size(), 2u);
  ASSERT_NE(t.first_answer_arrives, 0u);
  // The probe is armed when the first answer brings a round trip of
  // about 2 s: 2.5 s later, where the timer would take 8 s from the send.
  EXPECT_LE(t.second_checkpoints[1].sent_at, t.first_answer_arrives + 2600);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// The probe's copy is lost too: a second probe, at twice the interval,
// resends it; that copy lost as well, the timer resends the checkpoint
// (backed off), and that copy, lost too, is probed once more instead of
// waiting for a timer twice as long.
TEST(TailProbe, ACopyItsTimerResentIsProbedAgain) {
  Lockstep net(long_link());
  const auto t = run_two_blocks(net, 4);
  ASSERT_EQ(t.second_checkpoints.size(), 5u);
  const auto& copies = t.second_checkpoints;
  EXPECT_LE(copies[1].sent_at, t.first_answer_arrives + 2600);  // the probe
  EXPECT_GE(copies[2].sent_at - copies[1].sent_at, 4900u);      // the second probe
  EXPECT_LE(copies[2].sent_at - copies[1].sent_at, 5200u);
  EXPECT_GE(copies[3].sent_at - copies[2].sent_at, 7000u);  // the timer
  EXPECT_LE(copies[4].sent_at - copies[3].sent_at, 2600u);  // probed again
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace ltp::engine
