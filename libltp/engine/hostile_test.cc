// Well-formed but hostile or nonsensical segments (random types, fields,
// claims, extensions, aimed at live sessions of both engines) mixed into
// real transfers: the engines must never crash, every SDU must still get
// exactly one outcome, and once everything has aged out nothing may be
// left in either heap. LTP_DEBUG=1 prints per-run counters (what the
// nonsense actually hit).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>

#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/testing/random_segment.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::NoticeType;
using testing::Lockstep;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

// A random valid segment re-aimed at `to`'s sessions with the peer: mostly
// at the numbers of sessions sent (`sent`: originator -> numbers).
std::vector<std::uint8_t> hostile_segment(
    std::mt19937_64& rng, std::uint64_t to,
    const std::map<std::uint64_t, std::vector<std::uint64_t>>& sent) {
  codec::testing::FieldLimits limits;
  limits.value_bits = 14;
  limits.serial_bits = 14;
  limits.bound_bits = 14;
  const auto type =
      codec::testing::kAllSegmentTypes[rng() % codec::testing::kAllSegmentTypes.size()];
  codec::testing::RandomSegment random(rng, type, rng() % 4 == 0, limits);
  codec::Segment segment = random.segment();
  // Sessions the receiver exports carry its own engine id; the others the peer's.
  const bool about_receivers_export = type == codec::SegmentType::report ||
                                      type == codec::SegmentType::cancel_from_receiver ||
                                      type == codec::SegmentType::cancel_ack_to_sender;
  segment.header.session.originator = about_receivers_export ? to : Lockstep::peer(to);
  const auto& numbers = sent.at(segment.header.session.originator);
  segment.header.session.number =
      rng() % 4 == 0 || numbers.empty() ? 1 + rng() % 6 : numbers[rng() % numbers.size()];
  if (auto* data = std::get_if<codec::DataSegment>(&segment.body)) {
    data->client_service_id = rng() % 8 == 0 ? 2 : testing::kClient;
  }
  std::vector<std::uint8_t> bytes(codec::encoded_size(segment));
  if (!codec::encode(segment, bytes)) return {};
  return bytes;
}

// Short queuing times, small segments, one SDU per block: both the
// random nonsense and the flood use it.
testing::LockstepConfig hostile_config() {
  testing::LockstepConfig config;
  config.node.own_queuing_ms = 20;
  config.span.max_segment_size = 1000;
  config.span.aggregation_size_threshold = 1;
  config.span.queuing_latency_ms = 20;
  return config;
}

void hostile_run(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto config = hostile_config();
  config.seed = seed;
  config.node.closed_memory_ms = 3000;
  config.span.checkpoint_limit = 4;
  config.span.report_limit = 4;
  config.span.cancel_limit = 2;
  config.span.stale_import_ms = 5000;
  config.owlt_ms = 30;
  Lockstep net(config);
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> sdus;  // (sender, session) -> SDUs
  std::map<std::uint64_t, std::vector<std::uint64_t>> sent{{kA, {}}, {kB, {}}};
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t from = i % 2 == 0 ? kA : kB;
    const auto sid = net.send(from, Lockstep::pattern(500 + rng() % 6000, seed + i),
                              rng() % 3 == 0 ? 300 : kAllRed);
    ASSERT_NE(sid.number, 0u);
    ++sdus[{from, sid.number}];
    sent[from].push_back(sid.number);
  }
  for (int i = 0; i < 300; ++i) {
    const std::uint64_t to = rng() % 2 == 0 ? kA : kB;
    auto bytes = hostile_segment(rng, to, sent);
    if (!bytes.empty()) net.inject(to, std::move(bytes), rng() % 2000);
  }
  ASSERT_TRUE(net.run()) << "seed " << seed;
  if (std::getenv("LTP_DEBUG")) {
    for (const auto id : {kA, kB}) {
      const auto st = net.engine(id).stats(Lockstep::peer(id)).value();
      std::printf(
          "seed %lu engine %lu: rx %lu, RS rx %lu, cancels rx %lu/%lu/%lu/%lu, imports done %lu "
          "cancelled %lu, exports done %lu cancelled %lu, invalid %lu closed %lu\n",
          seed, id, st.segments_received, st.reports_received, st.cancels_received[0],
          st.cancels_received[2], st.cancels_received[3], st.cancels_received[4],
          st.import_sessions_completed, st.import_sessions_cancelled, st.export_sessions_completed,
          st.export_sessions_cancelled, st.segments_dropped_invalid, st.segments_dropped_closed);
    }
  }
  for (const auto from : {kA, kB}) {
    std::map<std::uint64_t, int> outcomes;
    for (const auto& n : net.notices(from)) {
      if (n.type == NoticeType::export_complete || n.type == NoticeType::export_cancelled) {
        ++outcomes[n.session.number];
      }
    }
    for (const auto& [key, count] : sdus) {
      if (key.first == from) {
        EXPECT_EQ(outcomes[key.second], count) << "seed " << seed;
      }
    }
  }
  for (const auto& p : net.leftovers()) ADD_FAILURE() << "seed " << seed << ": " << p;
}

TEST(EngineHostile, WellFormedNonsenseNeverCrashesOrLeaks) {
  for (std::uint64_t seed = 1; seed <= 60 && !::testing::Test::HasFailure(); ++seed)
    hostile_run(seed);
}

// A one-octet red segment of a session `number` that A never opened.
std::vector<std::uint8_t> forged_session_opener(std::uint64_t number) {
  static const std::uint8_t octet = 0x5a;
  codec::Segment segment;
  segment.header.type = codec::SegmentType::red_data;
  segment.header.session = {kA, number};
  segment.body = codec::DataSegment{testing::kClient, 0, std::nullopt, {&octet, 1}};
  std::vector<std::uint8_t> bytes(codec::encoded_size(segment));
  EXPECT_TRUE(codec::encode(segment, bytes));
  return bytes;
}

// 150 forged one-segment sessions fill B's 10 import slots before A's real
// blocks arrive (and more keep coming while they do): the real blocks are
// delivered as fast as without the flood, none is cancelled, and the
// forged sessions yield their slots instead of holding them for the
// stale-import time (60 s).
TEST(EngineHostile, AFloodOfOneSegmentSessionsCannotHoldTheImportSlots) {
  auto config = hostile_config();
  config.span.max_import_sessions = 10;
  config.owlt_ms = 10;
  Lockstep net(config);
  const std::uint64_t start = net.now();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 150; ++i) {
    net.inject(kB, forged_session_opener(1 + rng() % UINT32_MAX), i < 100 ? 0 : 10 * i);
  }
  std::vector<std::vector<std::uint8_t>> blocks;
  for (int i = 0; i < 5; ++i) {
    blocks.push_back(Lockstep::pattern(20000, 300 + i));
    net.at(start + 5, [&net, &blocks, i] { net.send(kA, blocks[i]); });
  }
  net.run(start + 5000);  // the forged sessions still holding slots wait out their stale timers
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), blocks.size());
  for (const auto& n : red) {
    EXPECT_NE(std::find(blocks.begin(), blocks.end(), n.data), blocks.end());
    EXPECT_LT(n.at, start + 1000) << "a real block waited for a slot";
  }
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), blocks.size());
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty());
  // The real blocks took their slots from forged sessions, and forged
  // sessions silent for a response interval gave theirs to later ones.
  EXPECT_GE(net.vspan(kB).imports_yielded, 50u);
  ASSERT_TRUE(net.run());
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// Found by the engine fuzzer: a forged report carrying the serials of the
// real report in flight (as anyone on the path can see them) and claiming
// only the first 3 bytes used up the checkpoint, and the real report was
// then ignored as already acted on: the export session waited forever
// with no checkpoint, nothing queued and no timer. Now the real report
// still counts, and a session left with nothing to move it resends.
TEST(EngineHostile, AForgedReportWithTheRealSerialsCannotWedgeTheSession) {
  auto config = hostile_config();
  Lockstep net(config);
  const auto block = Lockstep::pattern(3000, 11);
  std::vector<std::uint8_t> forged;
  net.set_filter([&](const testing::Crossing& x) {
    if (x.from != kB || x.type != codec::SegmentType::report || !forged.empty()) {
      return testing::Verdict{};
    }
    const auto real = codec::decode(x.bytes).value();
    const auto& rs = std::get<codec::ReportSegment>(real.body);
    codec::Segment fake = real;
    const std::vector<codec::Claim> first_three = {{0, 3}};
    fake.body = codec::ReportSegment{rs.report_serial, rs.checkpoint_serial, 3, 0,
                                     codec::ClaimsView(first_three)};
    forged.resize(codec::encoded_size(fake));
    EXPECT_TRUE(codec::encode(fake, forged));
    net.inject(kA, forged);
    return testing::Verdict{1, 50};  // the real one arrives after the forgery
  });
  net.send(kA, block);
  ASSERT_TRUE(net.run());
  ASSERT_FALSE(forged.empty());
  EXPECT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// A cancel with a reason code RFC 5326 leaves unassigned is counted as
// such, not as RXMTCYCEXC (the last assigned code).
TEST(EngineHostile, ReservedCancelReasonsAreCountedApart) {
  Lockstep net(hostile_config());
  const auto sid = net.send(kA, Lockstep::pattern(5000, 12));
  codec::Segment cancel;
  cancel.header.type = codec::SegmentType::cancel_from_receiver;
  cancel.header.session = sid;
  cancel.body = codec::Cancel{static_cast<codec::CancelReason>(9)};
  std::vector<std::uint8_t> bytes(codec::encoded_size(cancel));
  ASSERT_TRUE(codec::encode(cancel, bytes));
  net.inject(kA, bytes, 1);
  ASSERT_TRUE(net.run());
  const auto stats = net.engine(kA).stats(kB).value();
  EXPECT_EQ(stats.cancels_received_reserved, 1u);
  EXPECT_EQ(stats.cancels_received[5], 0u);
}

// udplsi --peers-only tells the engine which engines may have sent each
// datagram (those whose LSO sends to its source host): a report claiming
// a whole block from a host that is not its span's is dropped before it
// touches the session, and counted in that span; the same report from
// the span's host is taken.
TEST(EngineHostile, ASegmentFromAHostThatIsNotItsSendersIsDropped) {
  Lockstep net(hostile_config());
  net.set_filter([](const testing::Crossing& x) { return testing::Verdict{x.from == kB ? 0 : 1}; });
  const auto sid = net.send(kA, Lockstep::pattern(5000, 13));
  net.run(50);  // the first pass crosses; B's answers are lost
  const std::vector<codec::Claim> whole = {{0, 5000}};
  codec::Segment report;
  report.header.type = codec::SegmentType::report;
  report.header.session = sid;
  report.body = codec::ReportSegment{77, 0, 5000, 0, codec::ClaimsView(whole)};
  std::vector<std::uint8_t> bytes(codec::encoded_size(report));
  ASSERT_TRUE(codec::encode(report, bytes));

  const std::uint64_t elsewhere[] = {3};
  ASSERT_TRUE(net.engine(kA).handle_inbound(bytes, net.now(), {true, elsewhere}));
  ASSERT_TRUE(net.engine(kA).handle_inbound(bytes, net.now(), {true, {}}));
  EXPECT_EQ(net.vspan(kA).from_other_addresses, 2u);
  EXPECT_EQ(net.engine(kA).stats(kB).value().reports_received, 0u);
  EXPECT_EQ(net.engine(kA).stats(kB).value().export_sessions_completed, 0u);

  const std::uint64_t its_host[] = {3, kB};
  ASSERT_TRUE(net.engine(kA).handle_inbound(bytes, net.now(), {true, its_host}));
  EXPECT_EQ(net.vspan(kA).from_other_addresses, 2u);
  EXPECT_EQ(net.engine(kA).stats(kB).value().export_sessions_completed, 1u);
}

// A report serial wider than 32 bits (ION's are 32-bit; ours count up from
// below 16384): the retransmission checkpoint citing it would outgrow the
// span's segment size, so the report is dropped as invalid and changes
// nothing (the fuzzer found a 1002-octet segment on a 1000-octet span).
TEST(EngineHostile, AReportWithASerialWiderThan32BitsIsDropped) {
  Lockstep net(hostile_config());
  net.set_filter([](const testing::Crossing& x) { return testing::Verdict{x.from == kB ? 0 : 1}; });
  const auto sid = net.send(kA, Lockstep::pattern(5000, 14));
  net.run(50);  // the first pass crosses; B's answers are lost
  // The gap left is one whole segment's payload (977 octets here), so the
  // checkpoint that resends it carries the widest header.
  const std::vector<codec::Claim> first_half = {{0, 5000 - 977}};
  codec::Segment report;
  report.header.type = codec::SegmentType::report;
  report.header.session = sid;
  report.body = codec::ReportSegment{UINT64_MAX - 5, 0, 5000, 0, codec::ClaimsView(first_half)};
  std::vector<std::uint8_t> bytes(codec::encoded_size(report));
  ASSERT_TRUE(codec::encode(report, bytes));
  net.inject(kA, bytes);
  net.set_filter({});
  ASSERT_TRUE(net.run());
  for (const auto& x : net.trace()) {
    EXPECT_LE(x.bytes.size(), hostile_config().span.max_segment_size)
        << "a segment of type " << static_cast<int>(x.type) << " from " << x.from;
  }
  EXPECT_GE(net.engine(kA).stats(kB).value().segments_dropped_invalid, 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace ltp::engine
