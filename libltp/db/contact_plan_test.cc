#include "libltp/db/contact_plan.h"

#include <gtest/gtest.h>

namespace ltp::db {
namespace {

constexpr std::uint64_t kOwn = 2;
constexpr std::uint64_t kPeer = 3;

TEST(ContactPlan, NeighbourWithoutContactsIsAlwaysUpUnlimited) {
  ContactPlan plan;
  plan.contacts.push_back(Contact{kOwn, 9, 0, 1000, 500, 1.0});  // another neighbour
  plan.ranges.push_back(Range{kOwn, kPeer, 0, 1000, 5000});      // a range alone plans nothing
  const LinkView v = link_at(plan, kOwn, kPeer, 500);
  EXPECT_FALSE(v.planned);
  EXPECT_TRUE(v.transmit_up);
  EXPECT_TRUE(v.receive_up);
  EXPECT_EQ(v.transmit_rate, kUnlimitedRate);
  EXPECT_EQ(v.receive_rate, kUnlimitedRate);
  EXPECT_EQ(v.owlt_ms, 0u);
}

TEST(ContactPlan, ContactStartIsInclusiveEndExclusive) {
  ContactPlan plan;
  plan.contacts.push_back(Contact{kOwn, kPeer, 1000, 2000, 125000, 1.0});
  plan.ranges.push_back(Range{kPeer, kOwn, 1000, 2000, 1500});
  EXPECT_FALSE(link_at(plan, kOwn, kPeer, 999).transmit_up);
  const LinkView at_start = link_at(plan, kOwn, kPeer, 1000);
  EXPECT_TRUE(at_start.planned);
  EXPECT_TRUE(at_start.transmit_up);
  EXPECT_EQ(at_start.transmit_rate, 125000u);
  EXPECT_FALSE(at_start.receive_up);  // no contact from the peer toward us
  EXPECT_EQ(at_start.receive_rate, 0u);
  EXPECT_EQ(at_start.owlt_ms, 1500u);  // ranges hold in either direction
  EXPECT_TRUE(link_at(plan, kOwn, kPeer, 1999).transmit_up);
  const LinkView at_end = link_at(plan, kOwn, kPeer, 2000);
  EXPECT_TRUE(at_end.planned);
  EXPECT_FALSE(at_end.transmit_up);
  EXPECT_EQ(at_end.transmit_rate, 0u);
  EXPECT_EQ(at_end.owlt_ms, 0u);
}

TEST(ContactPlan, OverlappingContactsTakeTheHighestRateAndLongestOwlt) {
  ContactPlan plan;
  plan.contacts.push_back(Contact{kPeer, kOwn, 0, 3000, 1000, 1.0});
  plan.contacts.push_back(Contact{kPeer, kOwn, 2000, 5000, 4000, 0.5});
  plan.ranges.push_back(Range{kOwn, kPeer, 0, 5000, 100});
  plan.ranges.push_back(Range{kOwn, kPeer, 2500, 5000, 300});
  EXPECT_EQ(link_at(plan, kOwn, kPeer, 1000).receive_rate, 1000u);
  EXPECT_EQ(link_at(plan, kOwn, kPeer, 2000).receive_rate, 4000u);
  EXPECT_EQ(link_at(plan, kOwn, kPeer, 2600).owlt_ms, 300u);
  EXPECT_EQ(link_at(plan, kOwn, kPeer, 4000).receive_rate, 4000u);
  EXPECT_FALSE(link_at(plan, kOwn, kPeer, 5000).receive_up);
}

TEST(ContactPlan, LoopbackContactServesBothDirections) {
  ContactPlan plan;
  plan.contacts.push_back(Contact{1, 1, 0, 1000, 100000, 1.0});
  const LinkView v = link_at(plan, 1, 1, 10);
  EXPECT_TRUE(v.transmit_up);
  EXPECT_TRUE(v.receive_up);
}

TEST(ContactPlan, UpcomingChangesAreStartsAndEndsInOrder) {
  ContactPlan plan;
  plan.contacts.push_back(Contact{kOwn, kPeer, 1000, 2000, 1, 1.0});
  plan.contacts.push_back(Contact{kPeer, kOwn, 1000, 3000, 1, 1.0});
  plan.contacts.push_back(Contact{7, 8, 500, 600, 1, 1.0});  // not ours
  plan.ranges.push_back(Range{4, kOwn, 1500, 2500, 1000});
  EXPECT_EQ(
      upcoming_changes(plan, kOwn, 0),
      (std::vector<LinkCue>{{1000, kPeer}, {1500, 4}, {2000, kPeer}, {2500, 4}, {3000, kPeer}}));
  EXPECT_EQ(upcoming_changes(plan, kOwn, 2000), (std::vector<LinkCue>{{2500, 4}, {3000, kPeer}}));
}

}  // namespace
}  // namespace ltp::db
