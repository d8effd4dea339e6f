#include "libltp/udp/token_bucket.h"

#include <gtest/gtest.h>

namespace ltp::udp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TokenBucket, StartsFullThenPacesAtTheRate) {
  TokenBucket bucket(8000, 16000, Nanos(0));  // 1000 octets/s, 2000-octet burst
  EXPECT_TRUE(bucket.try_take(8000, Nanos(0)));
  EXPECT_TRUE(bucket.try_take(8000, Nanos(0)));
  EXPECT_FALSE(bucket.try_take(8000, Nanos(0)));
  EXPECT_EQ(bucket.wait_time(8000, Nanos(0)), seconds(1));
  EXPECT_FALSE(bucket.try_take(8000, milliseconds(999)));
  EXPECT_TRUE(bucket.try_take(8000, seconds(1)));
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(8000, 16000, Nanos(0));
  EXPECT_TRUE(bucket.try_take(16000, Nanos(0)));
  EXPECT_TRUE(bucket.try_take(16000, seconds(100)));
  EXPECT_FALSE(bucket.try_take(8, seconds(100)));
}

TEST(TokenBucket, DatagramsBiggerThanTheBurstPassIntoDebt) {
  TokenBucket bucket(1000, 100, Nanos(0));
  EXPECT_TRUE(bucket.try_take(1100, Nanos(0)));  // full bucket: goes, 1000 bits in debt
  EXPECT_EQ(bucket.wait_time(1100, Nanos(0)), milliseconds(1100));
  EXPECT_TRUE(bucket.try_take(1100, milliseconds(1100)));
}

TEST(TokenBucket, LongRunRateIsExact) {
  TokenBucket bucket(1'000'000, 12'000, Nanos(0));
  Nanos now(0);
  std::uint64_t sent_bits = 0;
  while (now < seconds(10)) {
    if (bucket.try_take(11'200, now)) {
      sent_bits += 11'200;
    } else {
      now += bucket.wait_time(11'200, now);
    }
  }
  EXPECT_NEAR(static_cast<double>(sent_bits), 10e6 + 12'000, 11'200);
}

TEST(TokenBucket, ClockGoingBackwardsAddsNothing) {
  TokenBucket bucket(1000, 1000, seconds(5));
  EXPECT_TRUE(bucket.try_take(1000, seconds(5)));
  EXPECT_FALSE(bucket.try_take(1000, seconds(4)));
  EXPECT_TRUE(bucket.try_take(1000, seconds(6)));
}

}  // namespace
}  // namespace ltp::udp
