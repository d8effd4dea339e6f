#include "daemons/udplso/pacer.h"

#include <gtest/gtest.h>

namespace ltp::udplso {
namespace {

using namespace std::chrono_literals;

TEST(Pacer, NoRateGrantsWholeBatches) {
  Pacer pacer(1400, 64);
  udp::Nanos wait{0};
  EXPECT_EQ(pacer.grant(0, 0ns, &wait), 64u);
  EXPECT_EQ(pacer.rate(), 0u);
}

TEST(Pacer, BurstsOfWhatFiveMillisecondsAllow) {
  Pacer pacer(1000, 64);  // 1 MB/s: 5 ms = 5 segments of 1000 octets
  udp::Nanos wait{0};
  // The bucket starts with the four bursts it can hold.
  for (int burst = 0; burst < 4; ++burst) {
    EXPECT_EQ(pacer.grant(8'000'000, 0ns, &wait), 5u);
    pacer.spend(5000, 0ns);
  }
  EXPECT_EQ(pacer.grant(8'000'000, 0ns, &wait), 0u);
  EXPECT_EQ(wait, 5ms);
  EXPECT_EQ(pacer.grant(8'000'000, 5ms, &wait), 5u);
}

TEST(Pacer, SleepingPastTheDueTimeDoesNotLowerTheRate) {
  Pacer pacer(1000, 64);  // 1000 segments a second at 8 Mbit/s
  udp::Nanos now{0};
  std::uint64_t sent = 0;
  udp::Nanos wait{0};
  ASSERT_EQ(pacer.grant(8'000'000, now, &wait), 5u);
  pacer.spend(20'000, now);  // start from an empty bucket
  while (now < 1s) {
    const std::size_t granted = pacer.grant(8'000'000, now, &wait);
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

TEST(Pacer, ARateThatChangesKeepsTheBucketsCredit) {
  Pacer pacer(1000, 64);
  udp::Nanos wait{0};
  EXPECT_EQ(pacer.grant(8'000'000, 0ns, &wait), 5u);
  pacer.spend(20'000, 0ns);  // the bucket is empty
  // Doubled: the empty bucket stays empty (no fresh burst) ...
  EXPECT_EQ(pacer.grant(16'000'000, 0ns, &wait), 0u);
  EXPECT_EQ(pacer.rate(), 16'000'000u);
  // ... and fills twice as fast.
  EXPECT_EQ(pacer.grant(16'000'000, 5ms, &wait), 10u);
  EXPECT_EQ(pacer.grant(0, 5ms, &wait), 64u) << "no rate: whole batches";
}

TEST(Pacer, OneSegmentAtATimeAtLowRates) {
  Pacer pacer(1000, 64);
  udp::Nanos wait{0};
  EXPECT_EQ(pacer.grant(8000, 0ns, &wait), 1u) << "1000 octets/s";
  pacer.spend(4000, 0ns);  // the four segments the bucket starts with
  EXPECT_EQ(pacer.grant(8000, 0ns, &wait), 0u);
  EXPECT_EQ(wait, 1s);
}

}  // namespace
}  // namespace ltp::udplso
