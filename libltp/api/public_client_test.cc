// The installed C++ API (openltp/client.hpp) as a program linked only with
// libopenltp.so sees it: errors come back as values with the internal
// API's codes and messages, and the value types behave without a node.
// (tests/install runs it against a live node, built out of the tree.)
#include <openltp/client.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace {

TEST(PublicClient, AttachingWhereNoNodeIsSaysSoAsAValue) {
  const auto missing = std::filesystem::temp_directory_path() / "openltp-no-such-node-dir";
  auto node = openltp::Node::attach(missing.string());
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().code, openltp::Errc::no_node);
  EXPECT_NE(node.error().message.find(missing.string()), std::string::npos) << node.error().message;
}

TEST(PublicClient, AnEmptyDirectoryIsNoNodeEither) {
  const auto dir = std::filesystem::temp_directory_path() / "openltp-public-client-empty";
  std::filesystem::create_directories(dir);
  auto node = openltp::Node::attach(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(node);
  EXPECT_EQ(node.error().code, openltp::Errc::no_node) << node.error().message;
}

TEST(PublicClient, ADataLessNoticeHoldsNothing) {
  openltp::Notice notice;
  EXPECT_EQ(notice.type, openltp::NoticeType::none);
  EXPECT_TRUE(notice.data.empty());
  EXPECT_EQ(notice.data.size(), 0u);
  EXPECT_TRUE(notice.data.to_vector().empty());
  EXPECT_TRUE(notice.data.release());
  openltp::BlockData moved = std::move(notice.data);
  EXPECT_TRUE(moved.empty());
}

TEST(PublicClient, ResultsCarryAValueOrAnError) {
  openltp::Result<int> value = 7;
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 7);
  openltp::Result<int> error = openltp::Error{openltp::Errc::in_use, "held by pid 1"};
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code, openltp::Errc::in_use);
  openltp::Result<void> done;
  EXPECT_TRUE(done);
}

}  // namespace
