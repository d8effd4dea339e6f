#include "libltp/db/interval_set.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "ipc/heap_check.h"
#include "ipc/testing/heap_fixture.h"

namespace ltp::db {
namespace {

using IntervalSetTest = ipc::testing::HeapFixture;

std::vector<ByteRange> ranges(const ipc::Transaction& txn, const IntervalSet& set) {
  std::vector<ByteRange> out;
  set.for_each_inside(txn, {0, UINT64_MAX}, [&](ByteRange r) { out.push_back(r); });
  return out;
}

TEST_F(IntervalSetTest, MergesTouchingAndOverlappingRanges) {
  auto txn = begin();
  auto set = IntervalSet::create(txn).value();
  ASSERT_TRUE(set.insert(txn, {10, 20}));
  ASSERT_TRUE(set.insert(txn, {30, 40}));
  ASSERT_TRUE(set.insert(txn, {20, 25}));  // adjacent: merges
  EXPECT_EQ(ranges(txn, set), (std::vector<ByteRange>{{10, 25}, {30, 40}}));
  ASSERT_TRUE(set.insert(txn, {5, 35}));
  EXPECT_EQ(ranges(txn, set), (std::vector<ByteRange>{{5, 40}}));
  EXPECT_TRUE(set.covers(txn, {5, 40}));
  EXPECT_FALSE(set.covers(txn, {4, 6}));
  ASSERT_TRUE(set.insert(txn, {50, 60}));
  std::vector<ByteRange> gaps;
  set.for_each_gap(txn, {0, 70}, [&](ByteRange r) { gaps.push_back(r); });
  EXPECT_EQ(gaps, (std::vector<ByteRange>{{0, 5}, {40, 50}, {60, 70}}));
  EXPECT_EQ(set.max_end(txn), 60u);
  ASSERT_TRUE(set.destroy(txn));
  ASSERT_TRUE(txn.commit());
}

TEST_F(IntervalSetTest, InOrderRangesExtendOneEntryWithoutAllocating) {
  auto txn = begin();
  auto set = IntervalSet::create(txn).value();
  ASSERT_TRUE(set.insert(txn, {0, 1400}));
  ASSERT_TRUE(set.insert(txn, {5000, 6000}));
  const std::uint64_t in_use = ipc::heap_stats(txn).bytes_in_use;
  for (std::uint64_t at = 1400; at < 4200; at += 1400) {
    ASSERT_TRUE(set.insert(txn, {at, at + 1400}));
  }
  EXPECT_EQ(ipc::heap_stats(txn).bytes_in_use, in_use);
  EXPECT_EQ(ranges(txn, set), (std::vector<ByteRange>{{0, 4200}, {5000, 6000}}));
  ASSERT_TRUE(set.insert(txn, {4200, 5000}));  // bridges the two
  EXPECT_EQ(ranges(txn, set), (std::vector<ByteRange>{{0, 6000}}));
  for (const auto& p : ipc::check_heap(txn)) ADD_FAILURE() << p;
  ASSERT_TRUE(txn.commit());
}

TEST_F(IntervalSetTest, MatchesABitmapUnderRandomInserts) {
  std::mt19937_64 rng(5);
  auto txn = begin();
  auto set = IntervalSet::create(txn).value();
  std::vector<bool> bits(2000);
  for (int i = 0; i < 400; ++i) {
    const std::uint64_t s = rng() % 1990, n = 1 + rng() % 10;
    ASSERT_TRUE(set.insert(txn, {s, s + n}));
    for (std::uint64_t b = s; b < s + n; ++b) bits[b] = true;
  }
  std::vector<bool> seen(2000);
  for (const auto r : ranges(txn, set)) {
    for (std::uint64_t b = r.start; b < r.end; ++b) seen[b] = true;
  }
  EXPECT_EQ(seen, bits);
  ASSERT_TRUE(set.destroy(txn));
  ASSERT_TRUE(txn.commit());
}

}  // namespace
}  // namespace ltp::db
