// DirectionCore on a made-up clock: each impairment, counted exactly
// where it is deterministic, within statistical bounds where it is not.
#include "tools/ltpnetem/direction_core.h"

#include <gtest/gtest.h>

#include <chrono>

#include "libltp/codec/testing/random_segment.h"
#include "tools/ltpnetem/parse.h"
#include "tools/ltpnetem/test_segments.h"

namespace ltpnetem {
namespace {

using ltp::codec::SegmentType;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct RecordingSink : Sink {
  std::vector<std::vector<std::uint8_t>> sent;
  std::vector<const std::uint8_t*> where;  // to check zero-copy forwarding
  void forward(std::span<const std::uint8_t> d) override {
    sent.emplace_back(d.begin(), d.end());
    where.push_back(d.data());
  }
};

// Datagram i: not LTP (version nibble 0xF), so classed malformed; its
// second octet tells datagrams apart.
std::vector<std::uint8_t> tagged(std::uint8_t i) { return {0xF0, i}; }

std::vector<int> tags(const RecordingSink& sink) {
  std::vector<int> out;
  for (const auto& d : sink.sent) out.push_back(d.size() == 2 ? d[1] : -1);
  return out;
}

DirectionConfig config_from(std::initializer_list<std::pair<const char*, const char*>> options) {
  DirectionConfigs configs;
  for (const auto& [option, value] : options) {
    auto applied = apply_impairment(configs, option, value);
    EXPECT_TRUE(applied) << applied.error();
  }
  return configs[0];
}

const Counters& counters(const DirectionCore& core, Category c) {
  return core.stats().by_category[static_cast<std::size_t>(c)];
}

TEST(DirectionCore, UnimpairedForwardsEverythingWithoutCopying) {
  DirectionCore core({}, 1, 0, Nanos(0));
  RecordingSink sink;
  const auto cp = testing::encoded_segment(SegmentType::red_checkpoint, 1);
  const auto rs = testing::encoded_segment(SegmentType::report, 2);
  core.receive(cp, Nanos(0), sink);
  core.receive(rs, Nanos(0), sink);
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(sink.where[0], cp.data());
  EXPECT_EQ(sink.where[1], rs.data());
  EXPECT_EQ(core.pending(), 0u);
  EXPECT_FALSE(core.next_due(Nanos(0)));
  EXPECT_EQ(counters(core, Category::checkpoint).forwarded, 1u);
  EXPECT_EQ(counters(core, Category::report).received, 1u);
}

TEST(DirectionCore, CountsEveryCategory) {
  DirectionCore core({}, 1, 0, Nanos(0));
  RecordingSink sink;
  for (auto type : ltp::codec::testing::kAllSegmentTypes) {
    core.receive(testing::encoded_segment(type, 7), Nanos(0), sink);
  }
  const std::vector<std::uint8_t> keep_alive{0, 0, 0, 0}, junk{0x05, 0x01};
  core.receive(keep_alive, Nanos(0), sink);
  core.receive(junk, Nanos(0), sink);
  core.receive({}, Nanos(0), sink);
  for (std::size_t i = 0; i < kCategoryCount; ++i) {
    const auto c = static_cast<Category>(i);
    EXPECT_EQ(counters(core, c).received, c == Category::malformed ? 2u : 1u) << label(c);
    EXPECT_EQ(counters(core, c).forwarded, counters(core, c).received) << label(c);
  }
}

TEST(DirectionCore, DropsTheFirstTwoCheckpoints) {
  DirectionCore core(config_from({{"drop", "cp#1..2"}}), 1, 0, Nanos(0));
  RecordingSink sink;
  const SegmentType stream[] = {SegmentType::red_data,
                                SegmentType::red_checkpoint,
                                SegmentType::report_ack,
                                SegmentType::red_checkpoint_eorp_eob,
                                SegmentType::red_checkpoint_eorp,
                                SegmentType::red_checkpoint};
  for (auto type : stream) core.receive(testing::encoded_segment(type, 3), Nanos(0), sink);
  EXPECT_EQ(sink.sent.size(), 4u);
  EXPECT_EQ(counters(core, Category::checkpoint).dropped[1], 1u);
  EXPECT_EQ(counters(core, Category::checkpoint).forwarded, 1u);
  EXPECT_EQ(counters(core, Category::checkpoint_eorp_eob).dropped[1], 1u);
  EXPECT_EQ(counters(core, Category::checkpoint_eorp).forwarded, 1u);
  EXPECT_EQ(core.stats().rule_hits, std::vector<std::uint64_t>{2});
}

TEST(DirectionCore, DropRulesByPosition) {
  DirectionCore core(
      config_from(
          {{"drop", "ra"}, {"drop", "data#3"}, {"drop", "rs#2..4"}, {"drop", "green#2,4.."}}),
      1, 0, Nanos(0));
  RecordingSink sink;
  for (int i = 0; i < 6; ++i) {
    core.receive(testing::encoded_segment(SegmentType::report_ack, i), Nanos(0), sink);
    core.receive(testing::encoded_segment(SegmentType::report, i), Nanos(0), sink);
    core.receive(testing::encoded_segment(SegmentType::red_data, i), Nanos(0), sink);
    core.receive(testing::encoded_segment(SegmentType::green_data, i), Nanos(0), sink);
  }
  EXPECT_EQ(counters(core, Category::report_ack).forwarded, 0u);
  EXPECT_EQ(counters(core, Category::report).forwarded, 3u);  // 1st, 5th, 6th
  // "data" counts red and green: red is data #1,3,5..., green #2,4,6...; #3 is red.
  EXPECT_EQ(counters(core, Category::red_data).forwarded, 5u);
  EXPECT_EQ(counters(core, Category::green_data).forwarded, 2u);  // green #1 and #3
  EXPECT_EQ(core.stats().rule_hits, (std::vector<std::uint64_t>{6, 1, 3, 4}));
}

TEST(DirectionCore, BlackoutWindows) {
  DirectionCore core(config_from({{"blackout", "2s+3s"}, {"blackout", "10s+1s"}}), 1, 0,
                     seconds(100));  // windows count from the start time
  RecordingSink sink;
  int tag = 0;
  for (const auto at : {0, 1999, 2000, 4999, 5000, 9999, 10000, 10999, 11000}) {
    core.receive(tagged(static_cast<std::uint8_t>(tag++)), seconds(100) + milliseconds(at), sink);
  }
  EXPECT_EQ(tags(sink), (std::vector<int>{0, 1, 4, 5, 8}));
  EXPECT_EQ(counters(core, Category::malformed).dropped[0], 4u);
}

TEST(DirectionCore, SeededLossIsRepeatableAndNearItsRate) {
  const auto run = [](std::uint64_t seed) {
    DirectionCore core(config_from({{"loss", "5%"}}), seed, 0, Nanos(0));
    RecordingSink sink;
    for (int i = 0; i < 20000; ++i) {
      const std::uint8_t d[] = {0xF0, static_cast<std::uint8_t>(i),
                                static_cast<std::uint8_t>(i >> 8)};
      core.receive(d, Nanos(0), sink);
    }
    EXPECT_EQ(core.stats().total().dropped[2] + sink.sent.size(), 20000u);
    return sink.sent;
  };
  const auto a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // 1000 expected, standard deviation ~31: six of them either way.
  EXPECT_NEAR(20000.0 - a.size(), 1000.0, 190.0);
}

TEST(DirectionCore, DirectionsDrawDifferentLosses) {
  RecordingSink ab, ba;
  DirectionCore core_ab(config_from({{"loss", "50%"}}), 9, 0, Nanos(0));
  DirectionCore core_ba(config_from({{"loss", "50%"}}), 9, 1, Nanos(0));
  for (int i = 0; i < 64; ++i) {
    core_ab.receive(tagged(static_cast<std::uint8_t>(i)), Nanos(0), ab);
    core_ba.receive(tagged(static_cast<std::uint8_t>(i)), Nanos(0), ba);
  }
  EXPECT_NE(tags(ab), tags(ba));
}

TEST(DirectionCore, Duplication) {
  DirectionCore always(config_from({{"duplicate", "100%"}}), 1, 0, Nanos(0));
  RecordingSink sink;
  always.receive(tagged(1), Nanos(0), sink);
  always.receive(tagged(2), Nanos(0), sink);
  EXPECT_EQ(tags(sink), (std::vector<int>{1, 1, 2, 2}));
  EXPECT_EQ(counters(always, Category::malformed).duplicated, 2u);
  EXPECT_EQ(counters(always, Category::malformed).forwarded, 4u);

  DirectionCore some(config_from({{"duplicate", "30%"}}), 1, 0, Nanos(0));
  RecordingSink many;
  for (int i = 0; i < 10000; ++i) some.receive(tagged(0), Nanos(0), many);
  EXPECT_NEAR(static_cast<double>(many.sent.size()), 13000.0, 300.0);  // sd ~46
}

TEST(DirectionCore, ReorderHoldsBackBehindTheNextK) {
  DirectionCore one(config_from({{"reorder", "100%"}}), 1, 0, Nanos(0));
  RecordingSink sink;
  for (std::uint8_t i = 1; i <= 6; ++i) one.receive(tagged(i), Nanos(0), sink);
  EXPECT_EQ(tags(sink), (std::vector<int>{2, 1, 4, 3, 6, 5}));
  EXPECT_EQ(counters(one, Category::malformed).reordered, 3u);

  DirectionCore two(config_from({{"reorder", "100%/2"}}), 1, 0, Nanos(0));
  RecordingSink sink2;
  for (std::uint8_t i = 1; i <= 7; ++i) two.receive(tagged(i), Nanos(0), sink2);
  EXPECT_EQ(tags(sink2), (std::vector<int>{2, 3, 1, 5, 6, 4}));  // 7 still held
  EXPECT_EQ(two.pending(), 1u);
  EXPECT_EQ(two.next_due(Nanos(0)), kHoldLimit);
  two.release_due(kHoldLimit - Nanos(1), sink2);
  EXPECT_EQ(sink2.sent.size(), 6u);
  two.release_due(kHoldLimit, sink2);
  EXPECT_EQ(tags(sink2).back(), 7);
  EXPECT_EQ(two.pending(), 0u);
}

TEST(DirectionCore, DelayAndJitter) {
  DirectionCore core(config_from({{"delay", "100ms"}}), 1, 0, Nanos(0));
  RecordingSink sink;
  core.receive(tagged(1), Nanos(0), sink);
  core.receive(tagged(2), milliseconds(10), sink);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(core.next_due(milliseconds(10)), milliseconds(100));
  core.release_due(milliseconds(100), sink);
  EXPECT_EQ(tags(sink), std::vector<int>{1});
  core.release_due(milliseconds(110), sink);
  EXPECT_EQ(tags(sink), (std::vector<int>{1, 2}));
  EXPECT_EQ(counters(core, Category::malformed).delayed, 2u);

  DirectionCore jittery(config_from({{"delay", "50ms"}, {"jitter", "20ms"}}), 1, 0, Nanos(0));
  RecordingSink out;
  for (std::uint8_t i = 0; i < 100; ++i) jittery.receive(tagged(i), Nanos(0), out);
  jittery.release_due(milliseconds(30) - Nanos(1), out);
  EXPECT_TRUE(out.sent.empty());
  jittery.release_due(milliseconds(70), out);
  EXPECT_EQ(out.sent.size(), 100u);
  EXPECT_NE(tags(out), [] {
    std::vector<int> in(100);
    for (int i = 0; i < 100; ++i) in[i] = i;
    return in;
  }());  // jitter reorders
}

TEST(DirectionCore, RateCapQueuesThenDrops) {
  // 8000 bit/s = 1000 octets/s; burst 1000 octets; queue of 2.
  DirectionCore core(config_from({{"rate", "8000"}, {"burst", "1000"}, {"queue", "2"}}), 1, 0,
                     Nanos(0));
  RecordingSink sink;
  const std::vector<std::uint8_t> d500(500, 0xF0);
  for (int i = 0; i < 5; ++i) core.receive(d500, Nanos(0), sink);
  EXPECT_EQ(sink.sent.size(), 2u);  // the burst
  const Counters& c = counters(core, Category::malformed);
  EXPECT_EQ(c.rate_queued, 2u);
  EXPECT_EQ(c.dropped[3], 1u);  // queue_full
  EXPECT_EQ(core.next_due(Nanos(0)), milliseconds(500));
  core.release_due(milliseconds(499), sink);
  EXPECT_EQ(sink.sent.size(), 2u);
  core.release_due(milliseconds(500), sink);
  EXPECT_EQ(sink.sent.size(), 3u);
  core.release_due(milliseconds(1000), sink);
  EXPECT_EQ(sink.sent.size(), 4u);
  EXPECT_EQ(core.pending(), 0u);
}

TEST(DirectionCore, PendingAtExitIsCountedAsDropped) {
  DirectionCore core(config_from({{"delay", "1s"}}), 1, 0, Nanos(0));
  RecordingSink sink;
  core.receive(tagged(1), Nanos(0), sink);
  core.receive(tagged(2), Nanos(0), sink);
  core.discard_pending();
  EXPECT_EQ(core.pending(), 0u);
  EXPECT_EQ(counters(core, Category::malformed).dropped[4], 2u);
}

TEST(DirectionCore, ReleaseHeldAtTheEndOfARun) {
  DirectionCore core(config_from({{"reorder", "100%/5"}, {"duplicate", "100%"}}), 1, 0, Nanos(0));
  RecordingSink sink;
  core.receive(tagged(1), Nanos(0), sink);
  EXPECT_TRUE(sink.sent.empty());
  core.release_held(Nanos(0), sink);
  EXPECT_EQ(tags(sink), (std::vector<int>{1, 1}));
  core.recycle();
}

TEST(DirectionCore, LogsEachAction) {
  std::vector<std::string> lines;
  DirectionCore core(config_from({{"drop", "any#2"}}), 1, 0, Nanos(0),
                     [&](const std::string& line) { lines.push_back(line); });
  RecordingSink sink;
  core.receive(tagged(1), Nanos(0), sink);
  core.receive(tagged(2), Nanos(0), sink);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "#1 malformed (2 octets) forwarded");
  EXPECT_EQ(lines[1], "#2 malformed (2 octets) matches drop rule any#2");
  EXPECT_EQ(lines[2], "#2 malformed (2 octets) dropped (rule)");
}

}  // namespace
}  // namespace ltpnetem
