#include "daemons/udplso/pacer.h"

#include <gtest/gtest.h>

namespace ltp::udplso {
namespace {

using namespace std::chrono_literals;

TEST(Pacer, NoRateGrantsWholeBatches) {
  Pacer pacer(0, 1400, 64);
  udp::Nanos wait{0};
  EXPECT_EQ(pacer.grant(0, 0ns, &wait), 64u);
  EXPECT_EQ(pacer.rate(), 0u);
}

TEST(Pacer, BurstsOfWhatFiveMillisecondsAllow) {
  Pacer pacer(8'000'000, 1000, 64);  // 1 MB/s: 5 ms = 5 segments of 1000 octets
  udp::Nanos wait{0};
  // The bucket starts with the four bursts it can hold.
  for (int burst = 0; burst < 4; ++burst) {
    EXPECT_EQ(pacer.grant(0, 0ns, &wait), 5u);
    pacer.spend(5000, 0ns);
  }
  EXPECT_EQ(pacer.grant(0, 0ns, &wait), 0u);
  EXPECT_EQ(wait, 5ms);
  EXPECT_EQ(pacer.grant(0, 5ms, &wait), 5u);
}

TEST(Pacer, SleepingPastTheDueTimeDoesNotLowerTheRate) {
  Pacer pacer(8'000'000, 1000, 64);  // 1000 segments a second
  udp::Nanos now{0};
  std::uint64_t sent = 0;
  udp::Nanos wait{0};
  ASSERT_EQ(pacer.grant(0, now, &wait), 5u);
  pacer.spend(20'000, now);  // start from an empty bucket
  while (now < 1s) {
    const std::size_t granted = pacer.grant(0, now, &wait);
    if (granted == 0) {
      now += wait + 1ms;  // every sleep overshoots by 1 ms
      continue;
    }
    pacer.spend(granted * 1000, now);
    sent += granted;
  }
  EXPECT_GE(sent, 980u);
  EXPECT_LE(sent, 1000u);
}

TEST(Pacer, TheLowerOfTxbpsAndThePlanWins) {
  Pacer pacer(8'000'000, 1000, 64);
  udp::Nanos wait{0};
  EXPECT_EQ(pacer.grant(1000, 0ns, &wait), 1u) << "1000 octets/s: one segment at a time";
  EXPECT_EQ(pacer.rate(), 8000u);
  pacer.spend(4000, 0ns);  // the four segments the bucket starts with
  EXPECT_EQ(pacer.grant(1000, 0ns, &wait), 0u);
  EXPECT_EQ(wait, 1s);
  Pacer plan_only(0, 1000, 64);
  EXPECT_EQ(plan_only.grant(2'000'000, 0ns, &wait), 10u);
  EXPECT_EQ(plan_only.rate(), 16'000'000u);
}

}  // namespace
}  // namespace ltp::udplso
