// Well-formed but hostile or nonsensical segments (random types, fields,
// claims, extensions, aimed at live sessions of both engines) mixed into
// real transfers: the engines must never crash, every SDU must still get
// exactly one outcome, and once everything has aged out nothing may be
// left in either heap. LTP_DEBUG=1 prints per-run counters (what the
// nonsense actually hit).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "libltp/codec/encode.h"
#include "libltp/codec/testing/random_segment.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::NoticeType;
using testing::Lockstep;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

// A random valid segment re-aimed at `to`'s sessions with the peer.
std::vector<std::uint8_t> hostile_segment(std::mt19937_64& rng, std::uint64_t to) {
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
  segment.header.session.number = 1 + rng() % 6;
  if (auto* data = std::get_if<codec::DataSegment>(&segment.body)) {
    data->client_service_id = rng() % 8 == 0 ? 2 : testing::kClient;
  }
  std::vector<std::uint8_t> bytes(codec::encoded_size(segment));
  if (!codec::encode(segment, bytes)) return {};
  return bytes;
}

void hostile_run(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  testing::LockstepConfig config;
  config.seed = seed;
  config.node.own_queuing_ms = 20;
  config.node.closed_memory_ms = 3000;
  config.span.max_segment_size = 1000;
  config.span.aggregation_size_threshold = 1;
  config.span.queuing_latency_ms = 20;
  config.span.checkpoint_limit = 4;
  config.span.report_limit = 4;
  config.span.cancel_limit = 2;
  config.span.stale_import_ms = 5000;
  config.owlt_ms = 30;
  Lockstep net(config);
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> sdus;  // (sender, session) -> SDUs
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t from = i % 2 == 0 ? kA : kB;
    const auto sid = net.send(from, Lockstep::pattern(500 + rng() % 6000, seed + i),
                              rng() % 3 == 0 ? 300 : kAllRed);
    ASSERT_NE(sid.number, 0u);
    ++sdus[{from, sid.number}];
  }
  for (int i = 0; i < 300; ++i) {
    const std::uint64_t to = rng() % 2 == 0 ? kA : kB;
    auto bytes = hostile_segment(rng, to);
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

}  // namespace
}  // namespace ltp::engine
