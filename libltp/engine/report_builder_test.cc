#include "libltp/engine/report_builder.h"

#include <gtest/gtest.h>

namespace ltp::engine {
namespace {

TEST(ReportBuilder, OneReportWhenClaimsFit) {
  const auto reports = plan_reports(0, 1000, {{0, 100}, {200, 300}, {900, 1000}}, 20);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].lower_bound, 0u);
  EXPECT_EQ(reports[0].upper_bound, 1000u);
  EXPECT_EQ(reports[0].claims, (std::vector<codec::Claim>{{0, 100}, {200, 100}, {900, 100}}));
}

TEST(ReportBuilder, NothingReceivedGivesAnEmptyReport) {
  const auto reports = plan_reports(500, 800, {}, 20);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].claims.empty());
  EXPECT_EQ(reports[0].lower_bound, 500u);
}

TEST(ReportBuilder, SplitsIntoConsecutiveReports) {
  std::vector<db::ByteRange> received;
  for (std::uint64_t i = 0; i < 45; ++i) received.push_back({100 + i * 20, 100 + i * 20 + 10});
  const auto reports = plan_reports(100, 2000, received, 20);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].lower_bound, 100u);
  EXPECT_EQ(reports[0].claims.size(), 20u);
  EXPECT_EQ(reports[0].upper_bound, 100u + 19 * 20 + 10);
  for (std::size_t i = 1; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].lower_bound, reports[i - 1].upper_bound);  // consecutive scopes
  }
  EXPECT_EQ(reports[2].upper_bound, 2000u);
  EXPECT_EQ(reports[2].claims.size(), 5u);
  // Claim offsets are relative to each report's own lower bound.
  EXPECT_EQ(reports[1].claims[0].offset, 100u + 20 * 20 - reports[1].lower_bound);
}

TEST(ReportBuilder, ClaimsPerReportRespectSegmentSize) {
  EXPECT_EQ(max_claims_per_report(1400, 1 << 20), 20u);
  EXPECT_LT(max_claims_per_report(100, 1 << 20), 20u);
  EXPECT_GE(max_claims_per_report(10, 1 << 20), 1u);
}

}  // namespace
}  // namespace ltp::engine
