// The span's data queue on a long, rate-limited link (issue 21): a block's
// retransmission goes out as soon as the report asking for it arrives,
// ahead of the first pass of later blocks still queued, and the first
// pass of those blocks still completes.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using codec::SegmentType;
using testing::Crossing;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

// A one-way light time of a second and 2 MB/s each way, which the engines
// are told (as a contact plan would): ten blocks of 1 MB take 5 s of first
// pass, and the first block's report is back after about 2.5 s.
LockstepConfig long_link() {
  LockstepConfig c = testing::long_link_config(1000, 2'000'000);
  c.span.max_export_sessions = 20;
  c.span.max_import_sessions = 20;
  return c;
}

bool is_red(const Crossing& c) { return c.from == kA && codec::is_red_data(c.type); }

TEST(SpanQueue, ARetransmissionLeavesAsItsReportArrivesAheadOfLaterFirstPasses) {
  Lockstep net(long_link());
  constexpr std::size_t kBlocks = 10;
  constexpr std::size_t kBlockBytes = 1'000'000;
  std::vector<codec::SessionId> sessions;
  for (std::size_t i = 0; i < kBlocks; ++i) {
    sessions.push_back(net.send(kA, Lockstep::pattern(kBlockBytes, i)));
  }
  // The tenth data segment of the first block is lost, once.
  net.set_filter([first = sessions.front()](const Crossing& c) {
    const bool lost = c.from == kA && c.type == SegmentType::red_data && c.session == first &&
                      c.index_of_type == 9;
    return Verdict{lost ? 0 : 1, 0};
  });
  ASSERT_TRUE(net.run());

  const auto first_report = net.crossings([&](const Crossing& c) {
    return c.from == kB && c.type == SegmentType::report && c.session == sessions.front();
  });
  ASSERT_FALSE(first_report.empty());
  const std::uint64_t report_arrives = first_report.front().sent_at + 1000;
  const auto resent = net.crossings([&](const Crossing& c) {
    return is_red(c) && c.session == sessions.front() && c.sent_at >= report_arrives;
  });
  ASSERT_FALSE(resent.empty()) << "the lost segment was never resent";
  // One segment time at 2 MB/s is 0.7 ms; the clock steps in milliseconds.
  EXPECT_LE(resent.front().sent_at, report_arrives + 1)
      << "the retransmission waited behind the first pass of later blocks";
  const auto later_first_pass = net.crossings([&](const Crossing& c) {
    return is_red(c) && c.session == sessions.back() && c.sent_at > resent.front().sent_at;
  });
  EXPECT_FALSE(later_first_pass.empty())
      << "the last block's first pass was not still queued: the test proves nothing";

  for (const auto& session : sessions) {
    const auto done = net.notices(kA, db::NoticeType::export_complete);
    EXPECT_TRUE(
        std::any_of(done.begin(), done.end(), [&](const auto& n) { return n.session == session; }));
  }
  EXPECT_EQ(net.notices(kB, db::NoticeType::red_part).size(), kBlocks);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace ltp::engine
