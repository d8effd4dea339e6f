// The PROTOCOL.md test floor, one named test per scenario, two engines in
// lock-step (testing/lockstep.h).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "libltp/codec/encode.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using codec::SegmentType;
using db::NoticeType;
using testing::Crossing;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

LockstepConfig base_config() {
  LockstepConfig c;
  c.node.own_queuing_ms = 50;
  c.node.closed_memory_ms = 10000;
  c.span.max_segment_size = 1000;
  c.span.aggregation_size_threshold = 1;  // one SDU per block unless a test says otherwise
  c.span.aggregation_time_limit_ms = 10;
  c.span.queuing_latency_ms = 50;
  c.span.stale_import_ms = 30000;
  c.owlt_ms = 100;
  return c;
}

void expect_clean(Lockstep& net) {
  const auto problems = net.leftovers();
  for (const auto& p : problems) ADD_FAILURE() << p;
}

TEST(EngineScenario, AllRed) {
  Lockstep net(base_config());
  const auto sdu = Lockstep::pattern(5000, 1);
  const auto sid = net.send(kA, sdu);
  ASSERT_NE(sid.number, 0u);
  ASSERT_LE(sid.number, UINT32_MAX);  // CCSDS: session numbers below 2^32
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, sdu);
  EXPECT_TRUE(red[0].end_of_block);
  EXPECT_EQ(net.notices(kA, NoticeType::export_start).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::transmission_complete).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_cancelled).size(), 0u);
  EXPECT_EQ(net.count(kA, SegmentType::red_data), 5u);
  EXPECT_EQ(net.count(kA, SegmentType::red_checkpoint_eorp_eob), 1u);
  EXPECT_EQ(net.count(kB, SegmentType::report), 1u);
  EXPECT_EQ(net.count(kA, SegmentType::report_ack), 1u);
  EXPECT_EQ(net.trace().size(), 8u);
  const auto stats = net.engine(kA).stats(kB).value();
  EXPECT_EQ(stats.export_sessions_completed, 1u);
  EXPECT_EQ(stats.checkpoints_sent, 1u);
  EXPECT_EQ(net.engine(kB).stats(kA).value().import_sessions_completed, 1u);
  // Wake-ups went out: segments to send on both sides, notices to both
  // clients, the clock told of new deadlines, the window reopened.
  EXPECT_GT(net.signals(kA).segments, 0);
  EXPECT_GT(net.signals(kB).segments, 0);
  EXPECT_GT(net.signals(kA).notices, 0);
  EXPECT_GT(net.signals(kB).notices, 0);
  EXPECT_GT(net.signals(kA).timeline, 0);
  EXPECT_EQ(net.signals(kA).windows, 1);
  expect_clean(net);
}

// Drops the crossings `pred` selects (every copy), delivers the rest.
testing::LinkFilter drop_if(std::function<bool(const Crossing&)> pred) {
  return [pred](const Crossing& c) { return pred(c) ? Verdict{0, 0} : Verdict{}; };
}

// Drops the first copy of each of A's data segments starting at `offsets`.
testing::LinkFilter drop_first_copies_at(std::set<std::uint64_t> offsets) {
  auto dropped = std::make_shared<std::set<std::uint64_t>>();
  return drop_if([offsets = std::move(offsets), dropped](const Crossing& c) {
    return c.from == kA && codec::is_data(c.type) && offsets.contains(c.offset) &&
           dropped->insert(c.offset).second;
  });
}

void expect_delivered_once(Lockstep& net, const std::vector<std::uint8_t>& sdu) {
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, sdu);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_cancelled).size(), 0u);
  EXPECT_EQ(net.notices(kB, NoticeType::import_cancelled).size(), 0u);
}

std::vector<std::uint8_t> encode_segment(const codec::Segment& segment) {
  std::vector<std::uint8_t> out(codec::encoded_size(segment));
  EXPECT_TRUE(codec::encode(segment, out));
  return out;
}

std::vector<std::uint8_t> data_segment(SegmentType type, std::uint64_t number, std::uint64_t offset,
                                       const std::vector<std::uint8_t>& payload,
                                       std::uint64_t checkpoint_serial = 0) {
  codec::Segment seg;
  seg.header.type = type;
  seg.header.session = {kA, number};
  codec::DataSegment d;
  d.client_service_id = testing::kClient;
  d.offset = offset;
  d.payload = payload;
  if (codec::is_checkpoint(type)) d.checkpoint = codec::CheckpointSerials{checkpoint_serial, 0};
  seg.body = d;
  return encode_segment(seg);
}

TEST(EngineScenario, RedAndGreen) {
  Lockstep net(base_config());
  const auto sdu = Lockstep::pattern(5000, 2);
  net.send(kA, sdu, 2000);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, std::vector<std::uint8_t>(sdu.begin(), sdu.begin() + 2000));
  EXPECT_FALSE(red[0].end_of_block);
  std::vector<std::uint8_t> green(3000);
  std::size_t green_bytes = 0;
  bool eob = false;
  for (const auto& n : net.notices(kB, NoticeType::green_segment)) {
    std::copy(n.data.begin(), n.data.end(), green.begin() + (n.offset - 2000));
    green_bytes += n.length;
    eob |= n.end_of_block;
  }
  EXPECT_EQ(green_bytes, 3000u);
  EXPECT_TRUE(eob);
  EXPECT_EQ(green, std::vector<std::uint8_t>(sdu.begin() + 2000, sdu.end()));
  EXPECT_EQ(net.count(kA, SegmentType::red_checkpoint_eorp), 1u);
  EXPECT_EQ(net.count(kA, SegmentType::green_data_eob), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

// The report's ack can overtake green segments still queued behind it (the
// sender sends control segments first): the receiver keeps the session
// until the green part's end.
TEST(EngineScenario, GreenArrivingAfterTheReportAckIsDelivered) {
  Lockstep net(base_config());
  const auto sdu = Lockstep::pattern(5000, 4);
  net.set_filter([](const Crossing& c) {
    const bool green = c.type == SegmentType::green_data || c.type == SegmentType::green_data_eob;
    return Verdict{1, green ? 1000u : 0u};
  });
  net.send(kA, sdu, 2000);
  ASSERT_TRUE(net.run());
  ASSERT_LT(net.crossings(SegmentType::report_ack).front().sent_at + 100,
            net.crossings(SegmentType::green_data_eob).front().sent_at + 1000);
  std::vector<std::uint8_t> green;
  for (const auto& n : net.notices(kB, NoticeType::green_segment))
    green.insert(green.end(), n.data.begin(), n.data.end());
  EXPECT_EQ(green, std::vector<std::uint8_t>(sdu.begin() + 2000, sdu.end()));
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, MixedBlockWhoseGreenEndIsLostClosesWhenTheLinkIsQuiet) {
  Lockstep net(base_config());
  net.set_filter(drop_if([](const Crossing& c) { return c.type == SegmentType::green_data_eob; }));
  net.send(kA, Lockstep::pattern(5000, 5), 2000);
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

// ION's ltp_send needs no ltp_open: the block goes; its notices are dropped.
TEST(EngineScenario, ASenderWhoseClientIdIsNotOpenStillSends) {
  Lockstep net(base_config());
  net.close_client(kA);
  const auto sdu = Lockstep::pattern(3000, 6);
  ASSERT_EQ(net.send(kA, sdu).originator, kA);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, sdu);
  EXPECT_TRUE(net.notices(kA).empty());
  expect_clean(net);
}

// A closed session's block outlives it only until the link's next dequeue
// into its exclusive batch (as udplso's), not the whole payload grace; a
// dequeue through any other batch turns that off for the span. Each test
// sends one block with a 10-minute grace and returns the simulated time
// until nothing was left (the closed-session memory ages out in 10 s).
LockstepConfig long_grace(bool exclusive) {
  auto c = base_config();
  c.node.payload_grace_ms = 600'000;
  c.exclusive_batches = exclusive;
  return c;
}

std::uint64_t run_one_block(Lockstep& net) {
  const std::uint64_t start = net.now();
  net.send(kA, Lockstep::pattern(5000, 1));
  EXPECT_TRUE(net.run());
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
  return net.now() - start;
}

TEST(EngineScenario, ABlockIsFreedAtTheLinksNextDequeueNotAfterThePayloadGrace) {
  Lockstep net(long_grace(true));
  EXPECT_LT(run_one_block(net), 60'000u);
}

TEST(EngineScenario, WithoutAnExclusiveBatchABlockWaitsOutThePayloadGrace) {
  Lockstep net(long_grace(false));
  EXPECT_GE(run_one_block(net), 600'000u);
}

TEST(EngineScenario, ASecondBatchOnTheSpanTurnsTheEarlyReleaseOff) {
  Lockstep net(long_grace(true));
  OutboundBatch another;
  ASSERT_TRUE(net.engine(kA).dequeue(kB, 64, net.now(), another));  // finds nothing
  EXPECT_GE(run_one_block(net), 600'000u);
}

// No batch of an earlier run holds anything after a restart.
TEST(EngineScenario, ARestartForgetsTheSecondBatch) {
  Lockstep net(long_grace(true));
  OutboundBatch another;
  ASSERT_TRUE(net.engine(kA).dequeue(kB, 64, net.now(), another));
  net.restart(kA);
  EXPECT_LT(run_one_block(net), 60'000u);
}

TEST(EngineScenario, AllGreen) {
  Lockstep net(base_config());
  const auto sdu = Lockstep::pattern(3500, 3);
  net.send(kA, sdu, 0);
  ASSERT_TRUE(net.run());
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  const auto green = net.notices(kB, NoticeType::green_segment);
  ASSERT_EQ(green.size(), 4u);
  std::vector<std::uint8_t> got;
  for (const auto& n : green) got.insert(got.end(), n.data.begin(), n.data.end());
  EXPECT_EQ(got, sdu);
  EXPECT_TRUE(green.back().end_of_block);
  EXPECT_EQ(net.count(kB, SegmentType::report), 0u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, OneDataSegmentDropped) {
  Lockstep net(base_config());
  net.set_filter(drop_if(
      [](const Crossing& c) { return c.type == SegmentType::red_data && c.index_of_type == 2; }));
  const auto sdu = Lockstep::pattern(6000, 4);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  // Exactly the gap goes again, as a checkpoint citing the report.
  const auto resent = net.crossings([](const Crossing& c) {
    return c.from == kA && c.report_serial != 0 && codec::is_data(c.type);
  });
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].type, SegmentType::red_checkpoint);
  EXPECT_EQ(net.count(kB, SegmentType::report), 2u);
  EXPECT_EQ(net.engine(kA).stats(kB).value().data_segments_retransmitted, 1u);
  expect_clean(net);
}

TEST(EngineScenario, TwoDataSegmentsDropped) {
  Lockstep net(base_config());
  net.set_filter(drop_if([](const Crossing& c) {
    return c.type == SegmentType::red_data && (c.index_of_type == 0 || c.index_of_type == 3);
  }));
  const auto sdu = Lockstep::pattern(8000, 5);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  EXPECT_EQ(net.engine(kA).stats(kB).value().data_segments_retransmitted, 2u);
  EXPECT_EQ(net.count(kA, SegmentType::red_checkpoint), 1u);  // only the last retransmission
  expect_clean(net);
}

TEST(EngineScenario, DropsWithDiscretionaryCheckpoints) {
  auto config = base_config();
  config.span.checkpoint_every_segments = 3;
  Lockstep net(config);
  // A plain segment and a discretionary checkpoint (segments carry 977
  // octets of data), on their first pass.
  net.set_filter(drop_first_copies_at({977, 4885}));
  const auto sdu = Lockstep::pattern(10000, 6);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  EXPECT_GE(net.count(kB, SegmentType::report), 4u);  // mid-block checkpoints answered too
  expect_clean(net);
}

// Each discretionary checkpoint's report starts where the reports before
// it ended: one from offset 0 would list again the gap an earlier report
// asked for, and the sender, its resend already on the way, would send
// that gap twice.
TEST(EngineScenario, DiscretionaryReportsDoNotRepeatEarlierGaps) {
  auto config = base_config();
  config.span.checkpoint_every_segments = 3;
  Lockstep net(config);
  // The first pass of the second and fifth segments (977 octets of data
  // each, neither a checkpoint): gaps before the first and second
  // checkpoints.
  net.set_filter(drop_first_copies_at({977, 3908}));
  const auto sdu = Lockstep::pattern(10000, 6);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  for (const std::uint64_t offset : {977u, 3908u}) {
    const auto copies = net.crossings([offset](const Crossing& c) {
      return c.from == kA && codec::is_data(c.type) && c.offset == offset;
    });
    EXPECT_EQ(copies.size(), 2u) << "offset " << offset << ": the first pass and one resend";
  }
  expect_clean(net);
}

TEST(EngineScenario, CheckpointDropped) {
  Lockstep net(base_config());
  net.set_filter(drop_if([](const Crossing& c) {
    return c.type == SegmentType::red_checkpoint_eorp_eob && c.index_of_type == 0;
  }));
  const auto sdu = Lockstep::pattern(3000, 7);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  const auto cps = net.crossings(SegmentType::red_checkpoint_eorp_eob);
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].checkpoint_serial, cps[1].checkpoint_serial);   // a resent CP keeps its serial
  EXPECT_EQ(cps[1].sent_at - cps[0].sent_at, 2 * 100 + 50 + 50u);  // 2 OWLT + both queuing times
  expect_clean(net);
}

// The peer never answers; with every limit derived from ION's default
// maxber and 1400-octet segments, the wire shows what ION 4.1.3 sends in
// tests/interop/captures/ion-rlexc.pcap: the EOB checkpoint 5 times (one
// serial), then CS RLEXC 5 times, then the sender gives up.
TEST(EngineScenario, UnansweredPeerSeesIonsDefaultRetransmissions) {
  auto config = base_config();
  config.span.max_segment_size = 1400;
  Lockstep net(config);
  net.set_filter(drop_if([](const Crossing& c) { return c.from == kA; }));
  const auto sdu = Lockstep::pattern(3000, 18);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  std::set<std::uint64_t> serials;
  for (const auto& c : net.crossings(SegmentType::red_checkpoint_eorp_eob)) {
    serials.insert(c.checkpoint_serial);
  }
  EXPECT_EQ(serials.size(), 1u);
  EXPECT_EQ(net.count(kA, SegmentType::red_checkpoint_eorp_eob), 5u);
  EXPECT_EQ(net.count(kA, SegmentType::cancel_from_sender), 5u);
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason,
            static_cast<std::uint8_t>(codec::CancelReason::retransmission_limit));
  EXPECT_EQ(cancelled[0].data, sdu);
  expect_clean(net);
}

TEST(EngineScenario, EobCheckpointAlwaysDroppedCancelsWithRetransmissionLimit) {
  auto config = base_config();
  config.span.checkpoint_limit = 3;
  Lockstep net(config);
  net.set_filter(
      drop_if([](const Crossing& c) { return c.type == SegmentType::red_checkpoint_eorp_eob; }));
  const auto sdu = Lockstep::pattern(3000, 8);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.count(kA, SegmentType::red_checkpoint_eorp_eob), 4u);  // 1 + limit
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason,
            static_cast<std::uint8_t>(codec::CancelReason::retransmission_limit));
  EXPECT_EQ(cancelled[0].data, sdu);  // the SDU comes back
  EXPECT_TRUE(net.notices(kA, NoticeType::export_complete).empty());
  EXPECT_EQ(net.count(kA, SegmentType::cancel_from_sender), 1u);
  EXPECT_EQ(net.count(kB, SegmentType::cancel_ack_to_sender), 1u);
  const auto import_cancelled = net.notices(kB, NoticeType::import_cancelled);
  ASSERT_EQ(import_cancelled.size(), 1u);
  EXPECT_EQ(import_cancelled[0].reason, 2);
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  EXPECT_EQ(net.engine(kA).stats(kB).value().cancels_sent[2], 1u);
  expect_clean(net);
}

TEST(EngineScenario, ReportDropped) {
  Lockstep net(base_config());
  net.set_filter(drop_if(
      [](const Crossing& c) { return c.type == SegmentType::report && c.index_of_type == 0; }));
  const auto sdu = Lockstep::pattern(3000, 9);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  const auto reports = net.crossings(SegmentType::report);
  ASSERT_GE(reports.size(), 2u);
  EXPECT_EQ(reports[0].report_serial, reports[1].report_serial);  // resent, same serial
  // One RA per RS that arrives (the resent CP and B's RS timer may both resend it).
  EXPECT_EQ(net.count(kA, SegmentType::report_ack), reports.size() - 1);
  expect_clean(net);
}

TEST(EngineScenario, ReportAckDropped) {
  Lockstep net(base_config());
  net.set_filter(drop_if(
      [](const Crossing& c) { return c.type == SegmentType::report_ack && c.index_of_type == 0; }));
  const auto sdu = Lockstep::pattern(3000, 10);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  EXPECT_EQ(net.count(kB, SegmentType::report), 2u);
  EXPECT_EQ(net.count(kA, SegmentType::report_ack), 2u);  // the late RS is acked from closed memory
  EXPECT_EQ(net.engine(kA).stats(kB).value().segments_dropped_closed, 1u);
  expect_clean(net);
}

TEST(EngineScenario, ReportAckAlwaysDroppedCancelsWithRetransmissionLimit) {
  auto config = base_config();
  config.span.report_limit = 2;
  Lockstep net(config);
  net.set_filter(drop_if([](const Crossing& c) { return c.type == SegmentType::report_ack; }));
  const auto sdu = Lockstep::pattern(3000, 11);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.count(kB, SegmentType::report), 3u);
  ASSERT_EQ(net.count(kB, SegmentType::cancel_from_receiver), 1u);
  for (const auto& c : net.crossings(SegmentType::cancel_from_receiver)) {
    EXPECT_EQ(c.reason, 2);
  }
  EXPECT_EQ(net.count(kA, SegmentType::cancel_ack_to_receiver), 1u);
  // The red part was whole before the limit: delivered once, no second outcome.
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_TRUE(net.notices(kB, NoticeType::import_cancelled).empty());
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

// A sender that closed its session and never acknowledges the report
// again (ION keeps no memory of closed exports; here every RA is lost):
// the delivered session closes after a few quiet resends, not at the
// limit, and cancels nothing.
TEST(EngineScenario, ADeliveredBlocksReportUnansweredByAQuietSenderCloses) {
  auto config = base_config();
  config.span.report_limit = 30;  // a lossy link's maxber: minutes of resends
  Lockstep net(config);
  net.set_filter(drop_if([](const Crossing& c) { return c.type == SegmentType::report_ack; }));
  net.send(kA, Lockstep::pattern(3000, 11));
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.count(kB, SegmentType::report), 4u);  // sent, then 3 quiet resends
  EXPECT_EQ(net.count(kB, SegmentType::cancel_from_receiver), 0u);
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_TRUE(net.notices(kB, NoticeType::import_cancelled).empty());
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

// A report made obsolete by a later one that claims the whole block is
// not resent once that one is acknowledged (issue 18: it was resent at
// each timer until the limit, keeping the session open): here the first
// report's acknowledgement is always lost, and the block's retransmission
// is answered by a report of all of it, which is acknowledged.
TEST(EngineScenario, AReportOvertakenByAWholeBlockOneIsNotResent) {
  auto config = base_config();
  config.span.report_limit = 30;
  Lockstep net(config);
  std::uint64_t first_report = 0;
  net.set_filter([&](const Crossing& c) {
    if (c.type == SegmentType::red_data && c.report_serial == 0 && c.index_of_type == 1) {
      return Verdict{0, 0};  // one first-pass segment lost: the first report is partial
    }
    if (c.type == SegmentType::report && first_report == 0) first_report = c.report_serial;
    if (c.type == SegmentType::report_ack && c.report_serial == first_report) return Verdict{0, 0};
    return Verdict{};
  });
  net.send(kA, Lockstep::pattern(3000, 15));
  ASSERT_TRUE(net.run());
  ASSERT_NE(first_report, 0u);
  // Resent by its timer before the whole block's report was acknowledged,
  // perhaps; never after.
  const auto whole_acked = net.crossings([&](const Crossing& c) {
    return c.type == SegmentType::report_ack && c.report_serial != first_report;
  });
  ASSERT_FALSE(whole_acked.empty());
  const std::uint64_t known_at = whole_acked.front().sent_at + config.owlt_ms;
  EXPECT_TRUE(net.crossings([&](const Crossing& c) {
                   return c.type == SegmentType::report && c.report_serial == first_report &&
                          c.sent_at >= known_at;
                 })
                  .empty());
  EXPECT_EQ(net.count(kB, SegmentType::cancel_from_receiver), 0u);
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, MultiReportWithOneReportLost) {
  auto config = base_config();
  Lockstep net(config);
  // Every other first-pass segment lost: 25 claims, so two reports.
  net.set_filter([](const Crossing& c) {
    if (c.type == SegmentType::red_data && c.report_serial == 0 && c.index_of_type % 2 == 1)
      return Verdict{0, 0};
    if (c.type == SegmentType::report && c.index_of_type == 1) return Verdict{0, 0};
    return Verdict{};
  });
  const auto sdu = Lockstep::pattern(50 * 950, 12);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  const auto reports = net.crossings(SegmentType::report);
  ASSERT_GE(reports.size(), 3u);
  EXPECT_EQ(reports[0].claims, 20u);
  EXPECT_EQ(reports[1].report_serial, reports[0].report_serial + 1);
  expect_clean(net);
}

TEST(EngineScenario, SegmentsReordered) {
  Lockstep net(base_config());
  net.set_filter([](const Crossing& c) {
    return Verdict{1, (c.index_of_type * 37 + c.length) % 250};
  });
  const auto sdu = Lockstep::pattern(20000, 13);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  expect_clean(net);
}

TEST(EngineScenario, SegmentsDuplicated) {
  Lockstep net(base_config());
  net.set_filter([](const Crossing& c) { return Verdict{2, c.index_of_type % 3 * 20}; });
  const auto sdu = Lockstep::pattern(20000, 14);
  net.send(kA, sdu, 15000);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, std::vector<std::uint8_t>(sdu.begin(), sdu.begin() + 15000));
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty());
  expect_clean(net);
}

TEST(EngineScenario, MiscoloredRedAboveGreen) {
  Lockstep net(base_config());
  net.inject(kB, data_segment(SegmentType::green_data, 77, 100, Lockstep::pattern(100, 1)));
  net.inject(kB, data_segment(SegmentType::red_data, 77, 150, Lockstep::pattern(100, 2)), 1);
  ASSERT_TRUE(net.run());
  ASSERT_EQ(net.count(kB, SegmentType::cancel_from_receiver),
            1u + net.engine(kB).stats(kA).value().cancel_retransmissions);
  for (const auto& c : net.crossings(SegmentType::cancel_from_receiver)) {
    EXPECT_EQ(c.reason, 3);
  }
  const auto cancelled = net.notices(kB, NoticeType::import_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 3);
  EXPECT_EQ(net.engine(kB).stats(kA).value().cancels_sent[3],
            net.count(kB, SegmentType::cancel_from_receiver));
  expect_clean(net);
}

TEST(EngineScenario, MiscoloredGreenBelowRed) {
  Lockstep net(base_config());
  net.inject(kB, data_segment(SegmentType::red_data, 78, 0, Lockstep::pattern(200, 1)));
  net.inject(kB, data_segment(SegmentType::green_data, 78, 150, Lockstep::pattern(100, 2)), 1);
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kB, NoticeType::import_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 3);
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  expect_clean(net);
}

TEST(EngineScenario, TooMuchRedData) {
  Lockstep net(base_config());
  // The EORP says the red part ends at 100; more red data follows.
  net.inject(kB, data_segment(SegmentType::red_data, 79, 0, Lockstep::pattern(50, 1)));
  net.inject(
      kB, data_segment(SegmentType::red_checkpoint_eorp, 79, 50, Lockstep::pattern(50, 2), 9), 1);
  net.inject(kB, data_segment(SegmentType::red_data, 79, 100, Lockstep::pattern(50, 3)), 2);
  ASSERT_TRUE(net.run());
  // The red part [0,100) was whole when the checkpoint came: delivered, then
  // the excess is refused (its session is already closed or cancelled).
  const auto red = net.notices(kB, NoticeType::red_part);
  EXPECT_LE(red.size(), 1u);
  EXPECT_EQ(net.engine(kB).stats(kA).value().import_sessions_completed, 1u);
  expect_clean(net);
}

TEST(EngineScenario, UnknownClientServiceIsUnreachable) {
  Lockstep net(base_config());
  net.close_client(kB);
  const auto sdu = Lockstep::pattern(3000, 15);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  ASSERT_GE(net.count(kB, SegmentType::cancel_from_receiver), 1u);
  for (const auto& c : net.crossings(SegmentType::cancel_from_receiver)) {
    EXPECT_EQ(c.reason, 1);
  }
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 1);
  EXPECT_EQ(cancelled[0].data, sdu);
  EXPECT_GE(net.count(kA, SegmentType::cancel_ack_to_receiver), 1u);
  EXPECT_TRUE(net.notices(kB).empty());
  expect_clean(net);
}

// The EORP checkpoint is lost once, so the receiver cannot complete before
// the cancel.
bool first_eob_checkpoint(const Crossing& c) {
  return c.type == SegmentType::red_checkpoint_eorp_eob && c.index_of_type == 0;
}

TEST(EngineScenario, SenderCancel) {
  Lockstep net(base_config());
  net.set_filter(drop_if(first_eob_checkpoint));
  const auto sdu = Lockstep::pattern(30000, 16);
  const auto sid = net.send(kA, sdu);
  net.at(net.now() + 150,
         [&] { ASSERT_TRUE(net.engine(kA).cancel_export(sid.number, net.now())); });
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 0);
  EXPECT_EQ(cancelled[0].data, sdu);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_complete).empty());
  EXPECT_EQ(net.count(kA, SegmentType::cancel_from_sender), 1u);
  EXPECT_EQ(net.count(kB, SegmentType::cancel_ack_to_sender), 1u);
  const auto imported = net.notices(kB, NoticeType::import_cancelled);
  ASSERT_EQ(imported.size(), 1u);
  EXPECT_EQ(imported[0].reason, 0);
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  expect_clean(net);
}

// A restarted receiver, or one between two ltp_opens: the block it began
// accepting while open is kept for the id's next holder, not dropped after
// the sender was told it arrived.
TEST(EngineScenario, ARedPartCompletedWhileItsClientIsClosedWaitsForTheNextOpen) {
  Lockstep net(base_config());
  net.set_filter(drop_if(first_eob_checkpoint));
  const auto sdu = Lockstep::pattern(30000, 18);
  net.send(kA, sdu);
  net.at(net.now() + 101, [&] { net.close_client(kB); });
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_TRUE(net.crossings(SegmentType::cancel_from_receiver).empty());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, sdu);
  expect_clean(net);
}

TEST(EngineScenario, ReceiverCancel) {
  Lockstep net(base_config());
  net.set_filter(drop_if(first_eob_checkpoint));
  const auto sdu = Lockstep::pattern(30000, 17);
  const auto sid = net.send(kA, sdu);
  net.at(net.now() + 101,
         [&] { ASSERT_TRUE(net.engine(kB).cancel_import(kA, sid.number, net.now())); });
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 0);
  EXPECT_EQ(cancelled[0].data, sdu);
  EXPECT_EQ(net.count(kB, SegmentType::cancel_from_receiver), 1u);
  EXPECT_EQ(net.count(kA, SegmentType::cancel_ack_to_receiver), 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::import_cancelled).size(), 1u);
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  expect_clean(net);
}

TEST(EngineScenario, CancelSegmentsLost) {
  auto config = base_config();
  config.span.cancel_limit = 3;
  Lockstep net(config);
  net.set_filter(drop_if([](const Crossing& c) {
    return first_eob_checkpoint(c) ||
           (c.type == SegmentType::cancel_from_sender && c.index_of_type == 0) ||
           (c.type == SegmentType::cancel_ack_to_sender && c.index_of_type == 0);
  }));
  const auto sdu = Lockstep::pattern(30000, 18);
  const auto sid = net.send(kA, sdu);
  net.at(net.now() + 150,
         [&] { ASSERT_TRUE(net.engine(kA).cancel_export(sid.number, net.now())); });
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.count(kA, SegmentType::cancel_from_sender), 3u);
  EXPECT_EQ(net.count(kB, SegmentType::cancel_ack_to_sender), 2u);  // the second from closed memory
  EXPECT_EQ(net.notices(kA, NoticeType::export_cancelled).size(), 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::import_cancelled).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, StaleSegmentsAfterCloseDoNotReopen) {
  Lockstep net(base_config());
  const auto sdu = Lockstep::pattern(3000, 19);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run(2000) || true);
  ASSERT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  // Replay everything that crossed, late but within the closed-session memory.
  const auto replay = net.trace();
  for (const auto& c : replay) net.inject(c.to, c.bytes, 10);
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_TRUE(net.notices(kB, NoticeType::import_cancelled).empty());
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_GE(net.engine(kB).stats(kA).value().segments_dropped_closed, 4u);
  // Late RS: acked again; no data retransmitted.
  EXPECT_EQ(net.engine(kA).stats(kB).value().data_segments_retransmitted, 0u);
  expect_clean(net);
}

TEST(EngineScenario, LateCancelsAnsweredFromClosedMemory) {
  Lockstep net(base_config());
  const auto sid = net.send(kA, Lockstep::pattern(2000, 20));
  ASSERT_TRUE(net.run(3000) || true);
  codec::Segment cs;
  cs.header.type = SegmentType::cancel_from_sender;
  cs.header.session = sid;
  cs.body = codec::Cancel{codec::CancelReason::user_cancelled};
  net.inject(kB, encode_segment(cs));
  codec::Segment cr = cs;
  cr.header.type = SegmentType::cancel_from_receiver;
  net.inject(kA, encode_segment(cr));
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.count(kB, SegmentType::cancel_ack_to_sender), 1u);
  EXPECT_EQ(net.count(kA, SegmentType::cancel_ack_to_receiver), 1u);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty());
  EXPECT_TRUE(net.notices(kB, NoticeType::import_cancelled).empty());
  expect_clean(net);
}

TEST(EngineScenario, ExportSessionTableFull) {
  auto config = base_config();
  config.span.max_export_sessions = 2;
  Lockstep net(config);
  const auto one = Lockstep::pattern(2000, 21), two = Lockstep::pattern(2000, 22);
  net.send(kA, one);
  net.send(kA, two);
  EXPECT_EQ(net.engine(kA).send(testing::kClient, kB, one, kAllRed, net.now()).error(),
            EngineError::window_full);
  ASSERT_TRUE(net.run());
  EXPECT_GE(net.signals(kA).windows, 1);
  const auto three = Lockstep::pattern(2000, 23);
  net.send(kA, three);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 3u);
  EXPECT_EQ(red[2].data, three);
  expect_clean(net);
}

TEST(EngineScenario, ImportSessionTableFull) {
  auto config = base_config();
  config.span.max_export_sessions = 3;
  config.span.checkpoint_limit = 10;
  config.tweak = [](std::uint64_t id, db::NodeConfig&, db::SpanConfig& span) {
    if (id == kB) span.max_import_sessions = 1;
  };
  Lockstep net(config);
  std::map<std::uint64_t, std::vector<std::uint8_t>> sdus;  // session number -> SDU
  for (int i = 0; i < 3; ++i) {
    const auto sdu = Lockstep::pattern(2500, 30 + i);
    sdus[net.send(kA, sdu).number] = sdu;
  }
  ASSERT_TRUE(net.run());
  EXPECT_GT(net.engine(kB).stats(kA).value().segments_dropped_limit, 0u);
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 3u);  // later sessions get in once the first closes
  for (const auto& n : red) EXPECT_EQ(n.data, sdus[n.session.number]);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 3u);
  expect_clean(net);
}

TEST(EngineScenario, HeapFullOnReceiverCancels) {
  auto config = base_config();
  config.span.max_segment_size = 8000;
  config.tweak = [](std::uint64_t id, db::NodeConfig& node, db::SpanConfig&) {
    if (id == kB) node.heapmax = 300000;  // the database itself takes some of it
  };
  Lockstep net(config);
  const auto sdu = Lockstep::pattern(400000, 24);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 4);  // SYS_CNCLD
  EXPECT_EQ(net.notices(kB, NoticeType::import_cancelled).size(), 1u);
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  expect_clean(net);
}

TEST(EngineScenario, HeapFullOnSenderRefusesSend) {
  auto config = base_config();
  config.node.heapmax = 200000;
  Lockstep net(config);
  EXPECT_EQ(net.engine(kA)
                .send(testing::kClient, kB, Lockstep::pattern(300000, 1), kAllRed, net.now())
                .error(),
            EngineError::over_heapmax);
  ASSERT_TRUE(net.run());
  EXPECT_TRUE(net.trace().empty());
  expect_clean(net);
}

TEST(EngineScenario, AFullHeapMakesTheSenderWaitAndABlockOverHalfOfItIsRefused) {
  auto config = base_config();
  config.heap_bytes = 8 << 20;
  Lockstep net(config);
  Engine& a = net.engine(kA);
  const std::uint64_t arena = a.heap().header().arena_size;
  // Blocks in flight fill the heap: the next one waits for them (heap_full)
  // and nothing of it is kept.
  const auto block = Lockstep::pattern(arena / 3, 2);
  std::uint64_t accepted = 0;
  for (;;) {
    auto sent = a.send(testing::kClient, kB, block, kAllRed, net.now());
    if (!sent) {
      EXPECT_EQ(sent.error(), EngineError::heap_full);
      break;
    }
    ++accepted;
  }
  EXPECT_GE(accepted, 1u);
  const std::uint64_t in_use = a.heap().header().alloc.bytes_in_use;
  EXPECT_EQ(a.send(testing::kClient, kB, block, kAllRed, net.now()).error(),
            EngineError::heap_full);
  EXPECT_EQ(a.heap().header().alloc.bytes_in_use, in_use);
  // One that could never fit beside anything else is refused outright.
  EXPECT_EQ(
      a.send(testing::kClient, kB, Lockstep::pattern(arena / 2 + 1, 3), kAllRed, net.now()).error(),
      EngineError::block_too_large);
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), accepted);
  // Once those are delivered the heap has room again.
  ASSERT_TRUE(a.send(testing::kClient, kB, block, kAllRed, net.now()));
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), accepted + 1);
  expect_clean(net);
}

TEST(EngineScenario, BlocksCancelledInAFullHeapCloseWithoutTheirDataReturned) {
  auto config = base_config();
  config.heap_bytes = 8 << 20;
  Lockstep net(config);
  net.close_client(kB);  // every block is refused: cancelled, reason 1
  Engine& a = net.engine(kA);
  const std::uint64_t arena = a.heap().header().arena_size;
  const auto block = Lockstep::pattern(arena / 4, 5);
  std::size_t accepted = 0;
  while (a.send(testing::kClient, kB, block, kAllRed, net.now())) ++accepted;
  ASSERT_GE(accepted, 2u);
  ASSERT_TRUE(net.run());
  // No room to copy the blocks back, yet every session ends with a notice.
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), accepted);
  EXPECT_TRUE(cancelled.back().data.empty());
  EXPECT_EQ(cancelled.back().reason, 1);
  expect_clean(net);
}

TEST(EngineScenario, HeapExhaustedOnReceiverAbortsCleanly) {
  auto config = base_config();
  config.span.max_segment_size = 8000;
  config.receiver_heap_bytes = 4 << 20;  // the allocator itself runs out, no heapmax
  Lockstep net(config);
  // Smaller than the arena (so not refused outright) but more than is free
  // once the database and the session's own records are in it.
  const std::uint64_t arena = net.engine(kB).heap().header().arena_size;
  const auto sdu = Lockstep::pattern(arena - (16 << 10), 30);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  // A red part the heap could never hold beside its own records is
  // cancelled by the receiver (waiting for room would wait forever); the
  // sender is told; nothing leaked.
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 4);  // SYS_CNCLD
  EXPECT_EQ(net.signals(kB).heap_cancels, 1);
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  expect_clean(net);
}

TEST(EngineScenario, HeapExhaustedOnSenderRefusesSend) {
  auto config = base_config();
  config.heap_bytes = 2 << 20;
  Lockstep net(config);
  EXPECT_EQ(net.engine(kA)
                .send(testing::kClient, kB, Lockstep::pattern(3 << 20, 31), kAllRed, net.now())
                .error(),
            EngineError::block_too_large);
  ASSERT_TRUE(net.run());
  EXPECT_TRUE(net.trace().empty());
  EXPECT_TRUE(net.notices(kA).empty());
  expect_clean(net);
}

// The link is dead for 10 s from 50 ms after the start.
bool in_outage(std::uint64_t start, std::uint64_t t) {
  return t >= start + 50 && t < start + 10050;
}

TEST(EngineScenario, LinkOutageWithContactCues) {
  auto config = base_config();
  config.span.checkpoint_limit = 2;
  Lockstep net(config);
  const std::uint64_t start = net.now();
  net.set_filter(drop_if([start](const Crossing& c) { return in_outage(start, c.sent_at); }));
  for (auto id : {kA, kB}) {
    net.at(start + 50, [&net, id] {
      ASSERT_TRUE(net.engine(id).link_state(Lockstep::peer(id), false, net.now()));
    });
    net.at(start + 10050, [&net, id] {
      ASSERT_TRUE(net.engine(id).link_state(Lockstep::peer(id), true, net.now()));
    });
  }
  // Sent at start + 40: the CP crosses before the outage, the RS is lost in it.
  const auto sdu = Lockstep::pattern(3000, 25);
  net.at(start + 40, [&] { net.send(kA, sdu); });
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  // Suspended timers did not burn retransmissions during the outage.
  EXPECT_LE(net.engine(kA).stats(kB).value().checkpoints_retransmitted, 1u);
  expect_clean(net);
}

TEST(EngineScenario, LinkOutageWithoutCuesExhaustsRetransmissions) {
  auto config = base_config();
  config.span.checkpoint_limit = 2;
  Lockstep net(config);
  const std::uint64_t start = net.now();
  net.set_filter(drop_if([start](const Crossing& c) { return in_outage(start, c.sent_at); }));
  const auto sdu = Lockstep::pattern(3000, 26);
  net.at(start + 60, [&] { net.send(kA, sdu); });
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 2);
  expect_clean(net);
}

TEST(EngineScenario, PurgeOnLinkDownCancelsExports) {
  auto config = base_config();
  config.span.purge = 1;  // negative queuing latency in ltprc
  Lockstep net(config);
  net.set_filter(drop_if(first_eob_checkpoint));  // keep the session open
  const auto sdu = Lockstep::pattern(4000, 28);
  net.send(kA, sdu);
  net.at(net.now() + 150, [&] { ASSERT_TRUE(net.engine(kA).link_state(kB, false, net.now())); });
  net.at(net.now() + 2000, [&] { ASSERT_TRUE(net.engine(kA).link_state(kB, true, net.now())); });
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 4);
  EXPECT_EQ(cancelled[0].data, sdu);
  EXPECT_EQ(net.notices(kB, NoticeType::import_cancelled).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, RetransmissionCyclesExceeded) {
  auto config = base_config();
  config.span.max_retransmission_cycles = 1;
  Lockstep net(config);
  // Byte 1500 never gets through except in a checkpoint; byte 2500 is lost
  // on the first pass. The first report asks for both (one gap, resent as
  // a plain segment and a checkpoint), the second for byte 1500 again: a
  // second cycle, one more than allowed.
  net.set_filter(drop_if([](const Crossing& c) {
    auto covers = [&](std::uint64_t b) { return c.offset <= b && b < c.offset + c.length; };
    if (!codec::is_data(c.type) || c.checkpoint_serial != 0) return false;
    return covers(1500) || (covers(2500) && c.report_serial == 0);
  }));
  const auto sdu = Lockstep::pattern(4000, 29);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 5);  // RXMTCYCEXC
  EXPECT_EQ(net.engine(kA).stats(kB).value().data_segments_retransmitted, 2u);
  EXPECT_EQ(net.engine(kA).stats(kB).value().cancels_sent[5], 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::import_cancelled).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, AbsurdRedOffsetIsRefused) {
  Lockstep net(base_config());
  net.inject(kB, data_segment(SegmentType::red_data, 80, std::uint64_t{1} << 50,
                              Lockstep::pattern(10, 1)));
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kB, NoticeType::import_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 4);
  expect_clean(net);
}

TEST(EngineScenario, StaleImportSessionIsCancelled) {
  auto config = base_config();
  config.span.checkpoint_limit = 1;
  Lockstep net(config);
  // Only the first data segment ever reaches B; B hears nothing after.
  net.set_filter(drop_if([](const Crossing& c) {
    return c.from == kA && !(c.type == SegmentType::red_data && c.index_of_type == 0);
  }));
  net.send(kA, Lockstep::pattern(5000, 27));
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kB, NoticeType::import_cancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].reason, 4);
  EXPECT_EQ(net.notices(kA, NoticeType::export_cancelled).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, NodesRestartMidTransfer) {
  Lockstep net(base_config());
  net.set_filter(drop_if([](const Crossing& c) {
    return c.type == SegmentType::red_data &&
           c.index_of_type == 4;  // so a retransmission is needed
  }));
  const auto sdu = Lockstep::pattern(20000, 32);
  net.send(kA, sdu);
  // Every task of both nodes goes away and comes back: all state is in the heaps.
  net.at(net.now() + 150, [&] { net.restart(kB); });
  net.at(net.now() + 250, [&] { net.restart(kA); });
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  EXPECT_EQ(net.engine(kA).stats(kB).value().data_segments_retransmitted, 1u);
  expect_clean(net);
}

TEST(EngineScenario, BothDirectionsAtOnce) {
  auto config = base_config();
  config.same_seed_on_every_node = true;
  Lockstep net(config);
  net.set_filter(
      drop_if([](const Crossing& c) { return codec::is_data(c.type) && c.index_of_type == 3; }));
  const auto ab = Lockstep::pattern(9000, 33), ba = Lockstep::pattern(7000, 34);
  const auto one = net.send(kA, ab);
  const auto two = net.send(kB, ba);
  EXPECT_EQ(one.number, two.number);  // same number, different originators
  ASSERT_TRUE(net.run());
  ASSERT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::red_part)[0].data, ab);
  ASSERT_EQ(net.notices(kA, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::red_part)[0].data, ba);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::export_complete).size(), 1u);
  expect_clean(net);
}

TEST(EngineScenario, ThreeEnginesKeepSpansApart) {
  auto config = base_config();
  config.nodes = 3;
  config.same_seed_on_every_node = true;
  Lockstep net(config);
  constexpr auto kC = Lockstep::kC;
  // A and C draw the same first session number; both sessions arrive at
  // B. A also sends to C.
  net.set_filter(
      drop_if([](const Crossing& c) { return codec::is_data(c.type) && c.index_of_type == 2; }));
  const auto a_to_b = Lockstep::pattern(6000, 35), c_to_b = Lockstep::pattern(5000, 36),
             a_to_c = Lockstep::pattern(4000, 37);
  const std::uint64_t first = net.send_to(kA, kB, a_to_b).number;
  EXPECT_EQ(net.send_to(kC, kB, c_to_b).number, first);
  EXPECT_NE(net.send_to(kA, kC, a_to_c).number, first);
  ASSERT_TRUE(net.run());
  const auto at_b = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(at_b.size(), 2u);
  for (const auto& n : at_b) {
    EXPECT_EQ(n.session.number, first);
    EXPECT_EQ(n.data, n.session.originator == kA ? a_to_b : c_to_b);
  }
  const auto at_c = net.notices(kC, NoticeType::red_part);
  ASSERT_EQ(at_c.size(), 1u);
  EXPECT_EQ(at_c[0].data, a_to_c);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 2u);
  EXPECT_EQ(net.notices(kC, NoticeType::export_complete).size(), 1u);
  EXPECT_EQ(net.engine(kB).stats(kA).value().import_sessions_completed, 1u);
  EXPECT_EQ(net.engine(kB).stats(kC).value().import_sessions_completed, 1u);
  expect_clean(net);
}

TEST(EngineScenario, AggregationBySizeTimeAndGreen) {
  auto config = base_config();
  config.span.aggregation_size_threshold = 8000;
  config.span.aggregation_time_limit_ms = 500;
  Lockstep net(config);
  std::vector<std::uint8_t> block;
  std::set<std::uint64_t> numbers;
  for (int i = 0; i < 3; ++i) {
    const auto sdu = Lockstep::pattern(3000, 40 + i);
    block.insert(block.end(), sdu.begin(), sdu.end());
    numbers.insert(net.send(kA, sdu).number);  // one block, closed at 9000 >= 8000
  }
  EXPECT_EQ(numbers.size(), 1u);
  const auto lone = Lockstep::pattern(1000, 50);
  numbers.insert(net.send(kA, lone).number);  // a block of its own, closed by the time limit
  EXPECT_EQ(numbers.size(), 2u);
  ASSERT_TRUE(net.run());
  const auto green = Lockstep::pattern(1000, 51);
  const std::uint64_t third = net.send(kA, lone).number;
  EXPECT_EQ(net.send(kA, green, 500).number, third);  // green closes the block
  numbers.insert(third);
  EXPECT_EQ(numbers.size(), 3u);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 3u);
  EXPECT_EQ(red[0].data, block);
  EXPECT_EQ(red[1].data, lone);
  EXPECT_EQ(red[2].length, 1500u);
  const auto complete = net.notices(kA, NoticeType::export_complete);
  ASSERT_EQ(complete.size(), 6u);  // one per SDU
  EXPECT_EQ(complete[1].offset, 3000u);
  EXPECT_EQ(complete[2].offset, 6000u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_start).size(), 3u);
  expect_clean(net);
}

TEST(EngineScenario, SenderCancelReturnsEveryAggregatedSdu) {
  auto config = base_config();
  config.span.aggregation_size_threshold = 100000;
  config.span.aggregation_time_limit_ms = 5000;
  Lockstep net(config);
  std::vector<std::vector<std::uint8_t>> sdus;
  codec::SessionId sid;
  for (int i = 0; i < 3; ++i) {
    sdus.push_back(Lockstep::pattern(700 + i, 60 + i));
    sid = net.send(kA, sdus.back());
  }
  ASSERT_TRUE(net.engine(kA).cancel_export(sid.number, net.now()));
  ASSERT_TRUE(net.run());
  const auto cancelled = net.notices(kA, NoticeType::export_cancelled);
  ASSERT_EQ(cancelled.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(cancelled[i].data, sdus[i]);
  EXPECT_TRUE(net.trace().empty());  // nothing had gone out: no CS needed
  expect_clean(net);
}

TEST(EngineScenario, TimerStartsAtDequeueWithRadiationTime) {
  auto config = base_config();
  config.transmit_rate = 10000;  // bytes/s: a 1000-octet segment radiates for 100 ms
  Lockstep net(config);
  net.send(kA, Lockstep::pattern(500, 70));
  // Not dequeued yet: no checkpoint timer on the timeline.
  EXPECT_FALSE(net.engine(kA).next_deadline().has_value());
  const std::uint64_t t = net.now() + 5000;
  OutboundBatch batch;
  ASSERT_EQ(net.engine(kA).dequeue(kB, 10, t, batch).value(), 1u);
  const std::uint64_t bytes = batch.segments()[0].gather.total_size;
  const std::uint64_t interval = 2 * 100 + 50 + 50 + (bytes * 1000 + 9999) / 10000;
  EXPECT_EQ(net.engine(kA).next_deadline().value(), t + interval);
  // A rate-limited link sends it 700 ms later and says so: the timer restarts then.
  EXPECT_TRUE(batch.segments()[0].cue.present);
  EXPECT_EQ(net.engine(kA).segments_sent(kB, batch.segments(), t + 700).value(), 1u);
  EXPECT_EQ(net.engine(kA).next_deadline().value(), t + 700 + interval);
}

TEST(EngineScenario, MalformedDatagramsAreCountedAndDropped) {
  Lockstep net(base_config());
  const auto good = data_segment(SegmentType::red_data, 5, 0, Lockstep::pattern(40, 1));
  std::vector<std::vector<std::uint8_t>> bad = {
      {},                                // empty
      {good.begin(), good.begin() + 5},  // truncated
      {0x10, 0x01, 0x05, 0x00},          // bad version
      {0x05, 0x01, 0x05, 0x00, 0x01},    // undefined type 5
      {0x0a, 0x01, 0x05, 0x00},          // undefined type 10
      {0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},  // overlong SDNV
      // RS with a claim reaching past the upper bound.
      {0x08, 0x02, 0x01, 0x00, 0x07, 0x00, 0x64, 0x00, 0x01, 0x50, 0x20},
      // RS claiming more claims than there are octets.
      {0x08, 0x02, 0x01, 0x00, 0x07, 0x00, 0x64, 0x00, 0x09, 0x00, 0x01},
      // RS with lower bound above upper bound.
      {0x08, 0x02, 0x01, 0x00, 0x07, 0x00, 0x10, 0x20, 0x00},
      {0x00, 0x00, 0x00, 0x00},  // keep-alive
  };
  for (auto& b : bad) net.inject(kB, b);
  ASSERT_TRUE(net.run());
  EXPECT_EQ(net.engine(kB).node_stats().malformed_dropped, bad.size() - 1);
  EXPECT_EQ(net.engine(kB).node_stats().keep_alives, 1u);
  EXPECT_TRUE(net.trace().empty());
  EXPECT_TRUE(net.notices(kB).empty());
  // The engine still works afterwards.
  const auto sdu = Lockstep::pattern(2000, 71);
  net.send(kA, sdu);
  ASSERT_TRUE(net.run());
  expect_delivered_once(net, sdu);
  expect_clean(net);
}

}  // namespace
}  // namespace ltp::engine
