#include "libltp/db/volatile_db.h"

#include <gtest/gtest.h>

#include "ipc/testing/node_fixture.h"

namespace ltp::db {
namespace {

using VolatileDbTest = ipc::testing::NodeFixture;

TEST_F(VolatileDbTest, SpansAreFoundAgainByAnotherAttach) {
  auto segment = ipc::VolatileSegment::create(node(), 42, {.size = 1 << 20}).value();
  auto vdb = VolatileDb::attach(*segment);
  EXPECT_EQ(vdb.find_span(7), nullptr);
  VolatileSpan* span = vdb.span(7);
  ASSERT_NE(span, nullptr);
  span->owlt_ms = 1200;
  span->transmit_rate = 125000;
  // Colliding engine ids (same slot) coexist.
  vdb.span(7 + VolatileDbState::kSlots)->owlt_ms = 5;

  auto again = ipc::VolatileSegment::open(node(), 42).value();
  auto other = VolatileDb::attach(*again);
  ASSERT_NE(other.find_span(7), nullptr);
  EXPECT_EQ(other.find_span(7)->owlt_ms, 1200u);
  EXPECT_EQ(other.find_span(7)->transmit_rate, 125000u);
  EXPECT_EQ(other.find_span(7 + VolatileDbState::kSlots)->owlt_ms, 5u);
  EXPECT_EQ(other.find_span(8), nullptr);
}

}  // namespace
}  // namespace ltp::db
