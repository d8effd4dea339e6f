// Session numbers and serials a peer cannot predict: drawn from the CSPRNG
// on a node, repeatable only where a test seeds them.
#include "libltp/engine/random_source.h"

#include <gtest/gtest.h>

#include <set>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

TEST(RandomSourceTest, UnseededSourcesDifferAndStayInBounds) {
  RandomSource a(0), b(0);
  std::set<std::uint64_t> drawn;
  int same = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.between(1, UINT32_MAX);
    same += x == b.between(1, UINT32_MAX);
    EXPECT_GE(x, 1u);
    EXPECT_LE(x, UINT32_MAX);
    drawn.insert(x);
  }
  EXPECT_EQ(same, 0);
  EXPECT_GT(drawn.size(), 990u);
  for (int i = 0; i < 1000; ++i) {
    const auto x = a.between(1, 3);
    EXPECT_TRUE(x >= 1 && x <= 3);
  }
}

TEST(RandomSourceTest, ASeedRepeats) {
  RandomSource a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.between(1, 16383), b.between(1, 16383));
}

// A node's sessions are not numbered 1, 2, 3...: no two consecutive ones
// differ by one, none repeats, all stay below 2^32.
TEST(RandomSourceTest, SessionNumbersAreNeitherSequentialNorRepeated) {
  testing::LockstepConfig config;
  config.span.aggregation_size_threshold = 1;
  config.span.max_export_sessions = 200;
  testing::Lockstep net(config);
  std::set<std::uint64_t> numbers;
  std::uint64_t previous = 0;
  int sequential = 0;
  for (int i = 0; i < 200; ++i) {
    const auto sid = net.send(testing::Lockstep::kA, testing::Lockstep::pattern(10, i));
    ASSERT_NE(sid.number, 0u);
    ASSERT_LE(sid.number, UINT32_MAX);
    sequential += sid.number == previous + 1;
    previous = sid.number;
    numbers.insert(sid.number);
  }
  EXPECT_EQ(numbers.size(), 200u);
  EXPECT_EQ(sequential, 0);
  EXPECT_FALSE(numbers.count(1));
}

}  // namespace
}  // namespace ltp::engine
