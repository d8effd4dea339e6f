#include "libltp/db/ltp_db.h"

#include <gtest/gtest.h>

#include "ipc/testing/heap_fixture.h"

namespace ltp::db {
namespace {

using LtpDbTest = ipc::testing::HeapFixture;

TEST_F(LtpDbTest, SpanSeatAndClientConfiguration) {
  auto txn = begin();
  auto db = LtpDb::create(txn, 7, NodeConfig{}).value();
  EXPECT_EQ(LtpDb::create(txn, 7, NodeConfig{}).error(), DbError::already_exists);
  SpanConfig span;
  span.engine_id = 3;
  ASSERT_TRUE(db.add_span(txn, span));
  EXPECT_EQ(db.add_span(txn, span).error(), DbError::already_exists);
  span.max_segment_size = 64000;
  ASSERT_TRUE(db.change_span(txn, span));
  EXPECT_EQ(db.span_info(txn, 3).value().max_segment_size, 64000u);
  span.engine_id = 9;
  ASSERT_TRUE(db.add_span(txn, span));
  EXPECT_EQ(db.list_spans(txn), (std::vector<std::uint64_t>{3, 9}));
  ASSERT_TRUE(db.delete_span(txn, 9));
  EXPECT_EQ(db.span_info(txn, 9).error(), DbError::no_such_span);

  ASSERT_TRUE(db.add_seat(txn, "udplsi 0.0.0.0:1113"));
  EXPECT_EQ(db.list_seats(txn), (std::vector<std::string>{"udplsi 0.0.0.0:1113"}));
  ASSERT_TRUE(db.delete_seat(txn, "udplsi 0.0.0.0:1113"));
  EXPECT_EQ(db.delete_seat(txn, "x").error(), DbError::no_such_seat);

  ASSERT_TRUE(db.open_client(txn, 1, 100));
  EXPECT_EQ(db.open_client(txn, 1, 200).error(), DbError::client_in_use);
  ASSERT_TRUE(db.close_client(txn, 1));
  EXPECT_FALSE(db.client_is_open(txn, 1));
  ASSERT_TRUE(db.open_client(txn, 1, 200));
  ASSERT_TRUE(txn.commit());

  auto again = begin();
  auto reopened = LtpDb::open(again).value();
  EXPECT_EQ(reopened.own_engine_id(again), 7u);
  EXPECT_TRUE(reopened.client_is_open(again, 1));
  ASSERT_TRUE(again.commit());
}

// A heap made by another version is refused by name, not taken for an
// empty one: ltpadmin '1' must not be invited to build a second database.
TEST_F(LtpDbTest, ADatabaseOfAnotherFormatIsRefused) {
  auto txn = begin();
  const auto db = LtpDb::create(txn, 7, NodeConfig{}).value();
  ASSERT_TRUE(txn.put(db.root_addr() + offsetof(DbRoot, format_version), kDbFormatVersion + 1));
  ASSERT_TRUE(txn.commit());
  auto again = begin();
  EXPECT_EQ(LtpDb::open(again).error(), DbError::wrong_format);
  EXPECT_EQ(LtpDb::create(again, 7, NodeConfig{}).error(), DbError::already_exists);
  ASSERT_TRUE(again.commit());
}

}  // namespace
}  // namespace ltp::db
