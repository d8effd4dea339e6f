// VolatileSegment tests: create/open/remove, identity checks against the
// heap, recreation over a stale segment, and modes.
#include "ipc/volatile_segment.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "ipc/testing/node_fixture.h"

namespace ltp::ipc {
namespace {

class VolatileSegmentTest : public testing::NodeFixture {};

mode_t shm_mode(const std::string& object) {
  struct stat st {};
  EXPECT_EQ(::stat(("/dev/shm/" + object).c_str(), &st), 0) << object;
  return st.st_mode & 0777;
}

TEST_F(VolatileSegmentTest, OpenFindsWhatCreateMade) {
  EXPECT_EQ(VolatileSegment::open(node(), 42).error(), ShmError::missing);
  auto created = VolatileSegment::create(node(), 42, {.size = 1 << 20}).value();
  *created->segment().construct<int>("answer")(0) = 7;
  auto opened = VolatileSegment::open(node(), 42).value();
  EXPECT_EQ(*opened->segment().find<int>("answer").first, 7);
  EXPECT_EQ(opened->heap_identity(), 42u);
}

TEST_F(VolatileSegmentTest, ForeignOrStaleIdentityIsRefused) {
  ASSERT_TRUE(VolatileSegment::create(node(), 42, {.size = 1 << 20}));
  EXPECT_EQ(VolatileSegment::open(node(), 43).error(), ShmError::wrong_heap);
}

TEST_F(VolatileSegmentTest, CreateReplacesAStaleSegment) {
  {
    auto stale = VolatileSegment::create(node(), 1, {.size = 1 << 20}).value();
    stale->segment().construct<int>("leftover")(5);
  }
  auto fresh = VolatileSegment::create(node(), 2, {.size = 1 << 20}).value();
  EXPECT_EQ(fresh->segment().find<int>("leftover").first, nullptr);
  EXPECT_TRUE(VolatileSegment::open(node(), 2));
  EXPECT_TRUE(VolatileSegment::remove(node()));
  EXPECT_EQ(VolatileSegment::open(node(), 2).error(), ShmError::missing);
}

TEST_F(VolatileSegmentTest, TwoNodesDoNotShare) {
  testing::TempDir other_dir;
  const auto other = NodeDir::at(other_dir.path()).value();
  ASSERT_TRUE(VolatileSegment::create(node(), 1, {.size = 1 << 20}));
  EXPECT_EQ(VolatileSegment::open(other, 1).error(), ShmError::missing);
}

TEST_F(VolatileSegmentTest, ModeIs0600Or0660WhateverTheUmask) {
  const mode_t old = ::umask(0);
  ASSERT_TRUE(VolatileSegment::create(node(), 1, {.size = 1 << 20}));
  EXPECT_EQ(shm_mode(VolatileSegment::name(node())), 0600u);
  ::umask(077);
  ASSERT_TRUE(VolatileSegment::create(node(), 1, {.size = 1 << 20, .group_access = true}));
  EXPECT_EQ(shm_mode(VolatileSegment::name(node())), 0660u);
  ::umask(old);
}

}  // namespace
}  // namespace ltp::ipc
