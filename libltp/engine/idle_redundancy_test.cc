// Redundancy on a link of known rate and light time (idle_redundancy.cc):
// every checkpoint goes out twice, and with less than a round trip's worth
// of data queued a retransmission's data goes out twice too, so losing one
// copy of a resent segment does not cost another round trip; while more
// waits a retransmission's data goes once, and where the rate is unknown
// or the span does not take copies nothing is copied.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
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

// A light time of a second and 2 MB/s each way, which the engines are
// told, and spans that take copies (`m redundancy ENGINE on`).
LockstepConfig long_link() {
  LockstepConfig c = testing::long_link_config(1000, 2'000'000);
  c.span.redundancy = 1;
  return c;
}

// Loses each session's red data segments `nth` .. `nth + count - 1` of
// the first pass, and the first `resends_lost` copies of the first of
// them that follow.
void lose_segments(Lockstep& net, std::uint64_t nth, std::uint64_t count, int resends_lost) {
  struct Loss {
    std::uint64_t seen = 0;
    std::optional<std::uint64_t> offset;  // of the first segment lost
    int resends_dropped = 0;
  };
  auto losses = std::make_shared<std::map<std::uint64_t, Loss>>();
  net.set_filter([=](const Crossing& c) {
    if (c.from != kA || !codec::is_red_data(c.type)) return Verdict{};
    Loss& loss = (*losses)[c.session.number];
    if (loss.seen < nth + count) {
      const std::uint64_t index = loss.seen++;
      if (index < nth) return Verdict{};
      if (index == nth) loss.offset = c.offset;
      return Verdict{0, 0};
    }
    if (loss.offset == c.offset && loss.resends_dropped < resends_lost) {
      ++loss.resends_dropped;
      return Verdict{0, 0};
    }
    return Verdict{};
  });
}
void lose_a_segment(Lockstep& net, std::uint64_t nth, int resends_lost) {
  lose_segments(net, nth, 1, resends_lost);
}

// Every red data segment of `session` that started at `offset`, in order.
std::vector<Crossing> sent_at_offset(const Lockstep& net, codec::SessionId session,
                                     std::uint64_t offset) {
  return net.crossings([&](const Crossing& c) {
    return c.from == kA && codec::is_red_data(c.type) && c.session == session && c.offset == offset;
  });
}

// Two segments lost; the first copy of the first one's resend is lost
// too. Its second copy goes ahead of the retransmission's checkpoint (on
// the second segment, with its own copy): one round.
TEST(IdleRedundancy, ALostCopyOfAResendCostsNoSecondRound) {
  Lockstep net(long_link());
  const auto session = net.send(kA, Lockstep::pattern(100'000, 1));
  lose_segments(net, 9, 2, 1);
  ASSERT_TRUE(net.run());

  const auto lost = net.crossings(SegmentType::red_data).at(9);
  const auto copies = sent_at_offset(net, session, lost.offset);
  // Lost, then twice without a checkpoint: the copy (lost), the resend.
  ASSERT_EQ(copies.size(), 3u);
  EXPECT_FALSE(codec::is_checkpoint(copies[1].type));
  EXPECT_FALSE(codec::is_checkpoint(copies[2].type));
  const auto reports = net.crossings(SegmentType::report);
  const auto delivered = net.notices(kB, db::NoticeType::red_part);
  ASSERT_EQ(delivered.size(), 1u);
  // The first report's arrival, then one light time: no second round.
  EXPECT_LE(delivered[0].at, reports[0].sent_at + 2000 + 10);
  EXPECT_EQ(net.notices(kA, db::NoticeType::export_complete).size(), 1u);
  // Each checkpoint's copy is answered again, after the first answer
  // closed the session: every report the sender got is a segment it got.
  const auto sender = net.engine(kA).stats(kB).value();
  EXPECT_GT(sender.segments_dropped_closed, 0u);
  EXPECT_EQ(sender.segments_received, sender.reports_received);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// A lost last checkpoint of a retransmission costs nothing either: its
// copy follows it.
TEST(IdleRedundancy, ALostCheckpointIsCoveredByItsCopy) {
  Lockstep net(long_link());
  const auto session = net.send(kA, Lockstep::pattern(100'000, 1));
  lose_a_segment(net, 9, 2);  // the data's copy and the checkpoint
  ASSERT_TRUE(net.run());
  const auto lost = net.crossings(SegmentType::red_data).at(9);
  const auto copies = sent_at_offset(net, session, lost.offset);
  ASSERT_EQ(copies.size(), 4u);  // lost, copy (lost), checkpoint (lost), its copy
  EXPECT_FALSE(codec::is_checkpoint(copies[1].type));
  EXPECT_TRUE(codec::is_checkpoint(copies[2].type));
  EXPECT_TRUE(codec::is_checkpoint(copies[3].type));
  EXPECT_EQ(copies[2].checkpoint_serial, copies[3].checkpoint_serial);
  const auto reports = net.crossings(SegmentType::report);
  const auto delivered = net.notices(kB, db::NoticeType::red_part);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_LE(delivered[0].at, reports[0].sent_at + 2000 + 10);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// Every copy of the gap lost — the data's copy, the checkpoint and the
// checkpoint's copy — so the next round resends it (a checkpoint and its
// copy again), and the block still completes.
TEST(IdleRedundancy, EveryCopyLostTakesAnotherRound) {
  Lockstep net(long_link());
  const auto session = net.send(kA, Lockstep::pattern(100'000, 1));
  lose_a_segment(net, 9, 3);
  ASSERT_TRUE(net.run());
  const auto first = net.crossings(SegmentType::red_data).at(9);
  const auto copies = sent_at_offset(net, session, first.offset);
  ASSERT_GE(copies.size(), 5u);
  EXPECT_TRUE(codec::is_checkpoint(copies[4].type));
  EXPECT_EQ(net.notices(kB, db::NoticeType::red_part).size(), 1u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// The receiver reports as soon as a red part is whole, which the copy can
// make it ahead of the retransmission checkpoint, and the sender closes
// the session on that report. It still counts as the answer to the
// session's checkpoint: the second block's last checkpoint, lost and sent
// before that retransmission (with its copy), is resent when the report
// arrives, not when its own timer (long queuing allowances here) expires.
TEST(IdleRedundancy, ACompletingReportShowsEarlierCheckpointsLost) {
  auto config = long_link();
  config.node.own_queuing_ms = 3000;
  config.span.queuing_latency_ms = 3000;
  Lockstep net(config);
  const auto first = net.send(kA, Lockstep::pattern(100'000, 1));
  const auto second = net.send(kA, Lockstep::pattern(100'000, 2));
  int second_checkpoints_lost = 0;  // the last checkpoint and its copy
  net.set_filter([&](const Crossing& c) {
    if (c.from != kA || !codec::is_red_data(c.type)) return Verdict{};
    if (c.session == second && codec::is_checkpoint(c.type) && second_checkpoints_lost < 2) {
      ++second_checkpoints_lost;
      return Verdict{0, 0};
    }
    // The first block's tenth segment (it goes first).
    const bool lost = c.session == first && c.type == SegmentType::red_data && c.index_of_type == 9;
    return Verdict{lost ? 0 : 1, 0};
  });
  ASSERT_TRUE(net.run());
  ASSERT_EQ(second_checkpoints_lost, 2);
  const auto reports = net.crossings([&](const Crossing& c) {
    return c.from == kB && c.type == SegmentType::report && c.session == first;
  });
  ASSERT_FALSE(reports.empty());
  // The first report of the next round (the first ones answer the first
  // pass's checkpoint and its copy): the one the copied data completed.
  const auto completing = std::find_if(reports.begin(), reports.end(), [&](const Crossing& c) {
    return c.sent_at > reports.front().sent_at + 1500;
  });
  ASSERT_NE(completing, reports.end());
  EXPECT_EQ(completing->checkpoint_serial, 0u);  // asynchronous
  const std::uint64_t arrives = completing->sent_at + 1000;
  const auto resent = net.crossings([&](const Crossing& c) {
    return c.from == kA && c.session == second && codec::is_checkpoint(c.type);
  });
  ASSERT_EQ(resent.size(), 4u);  // the lost two, then the resend and its copy
  EXPECT_LE(resent[2].sent_at, arrives + 10) << "waited for its own timer";
  EXPECT_EQ(net.notices(kB, db::NoticeType::red_part).size(), 2u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// `blocks` blocks of a megabyte (half a second each on the link), the
// first one's tenth segment lost: every sending of that segment, and when
// the last block's first pass ended.
struct FirstBlockResend {
  std::vector<Crossing> copies;
  std::uint64_t last_first_pass_at = 0;
};
FirstBlockResend resend_of_first_block(std::uint64_t blocks) {
  Lockstep net(long_link());
  std::vector<codec::SessionId> sessions;
  for (std::uint64_t i = 0; i < blocks; ++i) {
    sessions.push_back(net.send(kA, Lockstep::pattern(1'000'000, i)));
  }
  lose_a_segment(net, 9, 0);
  EXPECT_TRUE(net.run());
  EXPECT_EQ(net.notices(kB, db::NoticeType::red_part).size(), sessions.size());
  const auto red_data_of = [&](codec::SessionId session) {
    return net.crossings([&](const Crossing& c) {
      return c.from == kA && c.session == session && codec::is_red_data(c.type);
    });
  };
  return {sent_at_offset(net, sessions.front(), red_data_of(sessions.front()).at(9).offset),
          red_data_of(sessions.back()).back().sent_at};
}

// Ten blocks, five seconds of the link: when the first block's report
// comes back (2.5 s) more than a round trip's worth is still queued, so a
// second round for it would still end before the transfer does; the
// resend's data goes out once, only its checkpoint is copied. (The gap is
// one segment: its resend is the retransmission's checkpoint.)
TEST(IdleRedundancy, ABusyLinkGetsOneCopyOfTheData) {
  const auto resend = resend_of_first_block(10);
  ASSERT_EQ(resend.copies.size(), 3u);  // lost; resent as the checkpoint; its copy
  EXPECT_TRUE(codec::is_checkpoint(resend.copies[1].type));
  EXPECT_TRUE(codec::is_checkpoint(resend.copies[2].type));
}

// Eight blocks, four seconds: when the first block's report comes back,
// what is still queued goes out within the round trip, so a second round
// for that block would end the transfer late; its resend goes twice,
// while later blocks' first passes are still going out.
TEST(IdleRedundancy, ALinkWithLessThanARoundTripQueuedGetsTwoCopies) {
  const auto resend = resend_of_first_block(8);
  ASSERT_EQ(resend.copies.size(), 4u);  // lost; its copy; resent as the checkpoint; its copy
  EXPECT_FALSE(codec::is_checkpoint(resend.copies[1].type));
  EXPECT_TRUE(codec::is_checkpoint(resend.copies[2].type));
  EXPECT_LT(resend.copies[1].sent_at, resend.last_first_pass_at);
}

// One segment lost and resent once, as the checkpoint: no copy of it
// and none of any checkpoint.
void expect_no_copies(const LockstepConfig& config) {
  Lockstep net(config);
  const auto session = net.send(kA, Lockstep::pattern(100'000, 1));
  lose_a_segment(net, 9, 0);
  ASSERT_TRUE(net.run());
  const auto first = net.crossings(SegmentType::red_data).at(9);
  EXPECT_EQ(sent_at_offset(net, session, first.offset).size(), 2u);
  const auto checkpoints =
      net.crossings([](const Crossing& c) { return c.from == kA && codec::is_checkpoint(c.type); });
  ASSERT_EQ(checkpoints.size(), 2u);  // the first pass's, the resend's
  EXPECT_NE(checkpoints[0].checkpoint_serial, checkpoints[1].checkpoint_serial);
  EXPECT_EQ(net.notices(kB, db::NoticeType::red_part).size(), 1u);
}

// Without a rate (or a light time) the engine cannot tell an idle link.
TEST(IdleRedundancy, NoRateNoCopy) {
  auto config = long_link();
  config.transmit_rate = 0;
  expect_no_copies(config);
}

// A span whose operator has not said the peer takes copies (ION 4.1.3
// delivers a block twice for them) gets none, rate and range or not.
TEST(IdleRedundancy, ASpanWithoutRedundancyGetsNoCopy) {
  auto config = long_link();
  config.span.redundancy = 0;
  expect_no_copies(config);
}

}  // namespace
}  // namespace ltp::engine
