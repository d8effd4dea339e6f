#include "libltp/db/chunked_buffer.h"

#include <gtest/gtest.h>

#include <numeric>

#include "ipc/testing/heap_fixture.h"

namespace ltp::db {
namespace {

using ChunkedBufferTest = ipc::testing::HeapFixture;

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

TEST_F(ChunkedBufferTest, AppendsAcrossChunksAndReadsBack) {
  auto txn = begin();
  auto buffer = ChunkedBuffer::create(txn, 100).value();
  std::vector<std::uint8_t> all;
  for (int i = 0; i < 5; ++i) {
    const auto part = pattern(40000, static_cast<std::uint8_t>(i));
    ASSERT_TRUE(buffer.append(txn, part));
    all.insert(all.end(), part.begin(), part.end());
  }
  EXPECT_EQ(buffer.length(txn), all.size());
  EXPECT_EQ(buffer.read_all(txn), all);
  const auto run = buffer.contiguous(txn, ChunkedBuffer::kChunkBytes - 10, 100);
  EXPECT_EQ(run.size(), 10u);  // never straddles a chunk
  ASSERT_TRUE(buffer.destroy(txn));
  ASSERT_TRUE(txn.commit());
}

TEST_F(ChunkedBufferTest, WritesOutOfOrderGrowTheTable) {
  auto txn = begin();
  const auto before = heap_->header().alloc.blocks_in_use;
  auto buffer = ChunkedBuffer::create(txn, 10).value();
  const auto far = pattern(5000, 7);
  const auto near = pattern(10, 1);
  ASSERT_TRUE(buffer.write_at(txn, 300000, far));
  ASSERT_TRUE(buffer.write_at(txn, 0, near));
  EXPECT_EQ(buffer.length(txn), 305000u);
  std::vector<std::uint8_t> out(5000);
  buffer.read(txn, 300000, out);
  EXPECT_EQ(out, far);
  std::vector<std::uint8_t> head(10);
  buffer.read(txn, 0, head);
  EXPECT_EQ(head, near);
  ASSERT_TRUE(buffer.destroy(txn));
  ASSERT_TRUE(txn.commit());
  EXPECT_EQ(heap_->header().alloc.blocks_in_use, before);
}

}  // namespace
}  // namespace ltp::db
