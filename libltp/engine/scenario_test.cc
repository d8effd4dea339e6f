// The PROTOCOL.md test floor, one named test per scenario, two engines in
// lock-step (testing/lockstep.h).
#include <gtest/gtest.h>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using testing::Crossing;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
using codec::SegmentType;
using db::NoticeType;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

LockstepConfig base_config() {
  LockstepConfig c;
  c.node.own_queuing_ms = 50;
  c.node.closed_memory_ms = 10000;
  c.span.max_segment_size = 1000;
  c.span.aggregation_size_threshold = 1;  // one SDU per block unless a test says otherwise
  c.span.aggregation_time_limit_ms = 10;
  c.span.queuing_latency_ms = 50;
  c.span.stale_import_ms = 30000;
  c.owlt_ms = 100;
  return c;
}

void expect_clean(Lockstep& net) {
  const auto problems = net.leftovers();
  for (const auto& p : problems) ADD_FAILURE() << p;
}

TEST(EngineScenario, AllRed) {
  Lockstep net(base_config());
  const auto sdu = Lockstep::pattern(5000, 1);
  const auto sid = net.send(kA, sdu);
  ASSERT_EQ(sid.number, 1u);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, sdu);
  EXPECT_TRUE(red[0].end_of_block);
  EXPECT_EQ(net.notices(kA, NoticeType::export_start).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::transmission_complete).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_cancelled).size(), 0u);
  EXPECT_EQ(net.count(kA, SegmentType::red_data), 5u);
  EXPECT_EQ(net.count(kA, SegmentType::red_checkpoint_eorp_eob), 1u);
  EXPECT_EQ(net.count(kB, SegmentType::report), 1u);
  EXPECT_EQ(net.count(kA, SegmentType::report_ack), 1u);
  EXPECT_EQ(net.trace().size(), 8u);
  const auto stats = net.engine(kA).stats(kB).value();
  EXPECT_EQ(stats.export_sessions_completed, 1u);
  EXPECT_EQ(stats.checkpoints_sent, 1u);
  EXPECT_EQ(net.engine(kB).stats(kA).value().import_sessions_completed, 1u);
  expect_clean(net);
}

}  // namespace
}  // namespace ltp::engine
