// Allocator tests: sizes and alignment, coalescing back to one block,
// huge blocks, out-of-space, and a randomised churn checked against the
// full heap check.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ipc/heap_check.h"
#include "ipc/testing/heap_fixture.h"

namespace ltp::ipc {
namespace {

using testing::HeapFixture;

class AllocatorTest : public HeapFixture {
 protected:
  void expect_consistent() {
    auto txn = begin();
    const auto problems = check_heap(txn);
    for (const auto& p : problems) ADD_FAILURE() << p;
    ASSERT_TRUE(txn.commit());
  }
};

TEST_F(AllocatorTest, SmallObjectsAreAlignedDistinctAndLargeEnough) {
  auto txn = begin();
  std::map<Addr, std::uint64_t> objects;
  for (std::uint64_t bytes : {1, 8, 15, 16, 17, 100, 500, 1000, 1008, 1009, 5000}) {
    auto a = txn.alloc(bytes);
    ASSERT_TRUE(a);
    EXPECT_EQ(a.value() % 16, 0u);
    EXPECT_GE(txn.usable_size(a.value()).value(), bytes);
    objects[a.value()] = txn.usable_size(a.value()).value();
  }
  Addr end = 0;
  for (auto [addr, size] : objects) {
    EXPECT_GE(addr, end) << "objects overlap";
    end = addr + size;
  }
  ASSERT_TRUE(txn.commit());
  expect_consistent();
}

TEST_F(AllocatorTest, FreeingEverythingCoalescesToOneBlock) {
  std::uint64_t largest_before = 0;
  {
    auto txn = begin();
    largest_before = heap_stats(txn).largest_free_block;
    ASSERT_TRUE(txn.commit());
  }
  std::vector<Addr> objects;
  {
    auto txn = begin();
    for (int i = 0; i < 500; ++i) objects.push_back(txn.alloc(16 + (i * 37) % 3000).value());
    ASSERT_TRUE(txn.commit());
  }
  expect_consistent();
  {
    auto txn = begin();
    for (std::size_t i = 0; i < objects.size(); i += 2) ASSERT_TRUE(txn.free(objects[i]));
    ASSERT_TRUE(txn.commit());
  }
  expect_consistent();
  {
    auto txn = begin();
    for (std::size_t i = 1; i < objects.size(); i += 2) ASSERT_TRUE(txn.free(objects[i]));
    ASSERT_TRUE(txn.commit());
  }
  auto txn = begin();
  const HeapStats s = heap_stats(txn);
  EXPECT_EQ(s.objects, 0u);
  EXPECT_EQ(s.bytes_in_use, 0u);
  EXPECT_EQ(s.free_blocks, 1u);
  EXPECT_EQ(s.largest_free_block, largest_before);
  EXPECT_TRUE(check_heap(txn).empty());
}

TEST_F(AllocatorTest, HugeBlocksWork) {
  create_and_attach(HeapCreateOptions{.size = std::uint64_t{512} << 20, .log_size = 1 << 20});
  auto txn = begin();
  const std::uint64_t big = std::uint64_t{300} << 20;
  auto a = txn.alloc(big);
  ASSERT_TRUE(a);
  // Touch both ends only: the file is sparse.
  const char tail[] = "end";
  txn.write_unlogged(a.value() + big - sizeof tail, tail, sizeof tail);
  ASSERT_TRUE(txn.put<std::uint64_t>(a.value(), 42));
  ASSERT_TRUE(txn.commit());
  auto check = begin();
  EXPECT_EQ(*check.get<std::uint64_t>(a.value()), 42u);
  EXPECT_TRUE(check_heap(check).empty());
  EXPECT_LT(heap_stats(check).largest_free_block, std::uint64_t{212} << 20);
}

TEST_F(AllocatorTest, OutOfSpaceFailsAndDoomsTheTransaction) {
  HeapStats before;
  {
    auto txn = begin();
    before = heap_stats(txn);
    ASSERT_TRUE(txn.alloc(100));
    auto too_big = txn.alloc(before.largest_free_block + 1);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error(), HeapError::out_of_space);
    EXPECT_TRUE(txn.is_doomed());
    auto commit = txn.commit();
    ASSERT_FALSE(commit);
    EXPECT_EQ(commit.error(), HeapError::out_of_space);
  }
  auto txn = begin();
  EXPECT_EQ(heap_stats(txn).bytes_in_use, before.bytes_in_use);
  EXPECT_TRUE(check_heap(txn).empty());
  // Exactly the largest free block is still allocatable.
  EXPECT_TRUE(txn.alloc(before.largest_free_block));
}

TEST_F(AllocatorTest, FillingTheHeapThenFreeingRestoresIt) {
  std::vector<Addr> objects;
  for (;;) {
    auto txn = begin();
    auto a = txn.alloc(64 * 1024);
    if (!a) {
      EXPECT_EQ(a.error(), HeapError::out_of_space);
      break;
    }
    objects.push_back(a.value());
    ASSERT_TRUE(txn.commit());
  }
  EXPECT_GT(objects.size(), 200u);
  expect_consistent();
  auto txn = begin();
  for (Addr a : objects) ASSERT_TRUE(txn.free(a));
  ASSERT_TRUE(txn.commit());
  auto after = begin();
  EXPECT_EQ(heap_stats(after).free_blocks, 1u);
}

TEST_F(AllocatorTest, BadFreesAreRefused) {
  auto txn = begin();
  const Addr a = txn.alloc(64).value();
  EXPECT_EQ(txn.free(a + 16).error(), HeapError::bad_address);
  EXPECT_EQ(txn.free(8).error(), HeapError::bad_address);
  EXPECT_EQ(txn.free(heap_->header().file_size + 4096).error(), HeapError::bad_address);
  ASSERT_TRUE(txn.free(a));
  // A second free of the same object in one transaction fails at commit.
  ASSERT_TRUE(txn.free(a));
  EXPECT_EQ(txn.commit().error(), HeapError::bad_address);
}

TEST_F(AllocatorTest, RandomChurnStaysConsistent) {
  std::mt19937_64 rng(7);
  std::map<Addr, std::uint64_t> live;  // addr -> stamp written in it
  for (int round = 0; round < 60; ++round) {
    auto txn = begin();
    for (int op = 0; op < 50; ++op) {
      if (live.empty() || rng() % 3 != 0) {
        const std::uint64_t bytes = rng() % 8 == 0 ? 2000 + rng() % 200000 : 8 + rng() % 900;
        auto a = txn.alloc(bytes);
        ASSERT_TRUE(a);
        ASSERT_TRUE(txn.put<std::uint64_t>(a.value(), a.value() ^ 0x5a5a));
        live[a.value()] = a.value() ^ 0x5a5a;
      } else {
        auto it = live.begin();
        std::advance(it, rng() % live.size());
        ASSERT_TRUE(txn.free(it->first));
        live.erase(it);
      }
    }
    ASSERT_TRUE(txn.commit());
    if (round % 10 == 9) {
      auto check = begin();
      for (auto [addr, stamp] : live) ASSERT_EQ(*check.get<std::uint64_t>(addr), stamp);
      const auto problems = check_heap(check);
      ASSERT_TRUE(problems.empty()) << problems.front();
      EXPECT_EQ(heap_stats(check).objects, live.size());
    }
  }
}

}  // namespace
}  // namespace ltp::ipc
