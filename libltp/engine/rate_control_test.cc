// The learned sending rate end to end (issue 18): two engines in lock-step
// behind a bottleneck the sender knows nothing about — a FIFO that drops
// what does not fit, as a slower hop or a receiver's socket buffer does —
// with an unpaced link before it, so only the rate the span learns from
// the receiver's reports (rate_model.h) keeps the sender from overrunning
// it. Goodput is counted at the bottleneck's exit: red octets that pass it
// for the first time.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "libltp/engine/testing/link_models.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::NoticeType;
using testing::Bottleneck;
using testing::Crossing;
using testing::LinkCounts;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

constexpr std::uint64_t kMegabyte = 1'000'000;
constexpr std::uint64_t kBuffer = 200 * 1450;  // 200 segments, as ltpnetem --queue 200

// A fast host: an OWLT of 1 ms, sending at up to 1 GB/s (no rate
// configured) before the bottleneck.
LockstepConfig fast_host(std::uint64_t nodes = 2) {
  LockstepConfig c;
  c.nodes = nodes;
  c.owlt_ms = 1;
  c.link_rate = 1'000'000'000;
  c.learn_rate = true;
  c.span.max_segment_size = 1400;
  c.span.aggregation_size_threshold = 1;
  c.span.aggregation_time_limit_ms = 10;
  c.span.max_export_sessions = 100;
  c.span.max_import_sessions = 100;
  c.heap_bytes = std::uint64_t{160} << 20;
  return c;
}

// First-time red octets through the bottleneck, per receiver and per
// `bin_ms` of the clock.
struct Goodput {
  std::uint64_t bin_ms = 100;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> octets;  // (to, bin)
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> seen;
  std::uint64_t start = 0;

  // Bytes/s to `to` over [from_ms, to_ms) after start.
  double rate(std::uint64_t to, std::uint64_t from_ms, std::uint64_t until_ms) const {
    std::uint64_t sum = 0;
    for (std::uint64_t bin = from_ms / bin_ms; bin < until_ms / bin_ms; ++bin) {
      const auto it = octets.find({to, bin});
      if (it != octets.end()) sum += it->second;
    }
    return static_cast<double>(sum) * 1000.0 / static_cast<double>(until_ms - from_ms);
  }
};

void watch(Lockstep& net, Bottleneck spec, const std::shared_ptr<LinkCounts>& counts,
           const std::shared_ptr<Goodput>& goodput) {
  goodput->start = net.now();
  auto inner = testing::bottleneck_filter(std::move(spec), counts);
  net.set_filter([inner, goodput](const Crossing& c) {
    const Verdict v = inner(c);
    if (v.copies > 0 && c.from == kA && codec::is_data(c.type) &&
        goodput->seen.emplace(c.to, c.session.number, c.offset).second) {
      const std::uint64_t arrived = c.sent_at + v.delay_ms - goodput->start;
      goodput->octets[{c.to, arrived / goodput->bin_ms}] += c.length;
    }
    return v;
  });
}

struct Totals {
  db::SpanStats sender;
  std::uint64_t cancelled = 0;
  std::uint64_t finished_ms = 0;
};

Totals finish(Lockstep& net, std::uint64_t to, std::uint64_t blocks, std::uint64_t start) {
  EXPECT_TRUE(net.run());
  Totals t;
  const auto red = net.notices(to, NoticeType::red_part);
  EXPECT_EQ(red.size(), blocks);
  for (const auto& n : red) t.finished_ms = std::max(t.finished_ms, n.at - start);
  t.cancelled = net.notices(kA, NoticeType::export_cancelled).size() +
                net.notices(to, NoticeType::import_cancelled).size();
  t.sender = net.engine(kA).stats(to).value();
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
  return t;
}

// Sends `blocks` megabytes from `from` to `to`, as a client would that
// keeps its export sessions busy: never more than 50 unfinished at once.
void feed(Lockstep& net, std::uint64_t from, std::uint64_t to, std::uint64_t blocks,
          std::uint64_t sent = 0) {
  std::uint64_t done = 0;
  for (const auto& n : net.notices(from)) done += n.type == NoticeType::export_complete;
  for (; sent < blocks && sent < done + 50; ++sent) {
    net.send_to(from, to, Lockstep::pattern(kMegabyte, sent));
  }
  if (sent < blocks)
    net.at(net.now() + 5, [&net, from, to, blocks, sent] { feed(net, from, to, blocks, sent); });
}

// What goes unpaced before the first estimate (rate_model.h).
constexpr std::uint64_t kFirstMegabyteSegments = kMegabyte / 1400 + 1;

// 30 blocks of a megabyte from A to B behind `spec`.
struct Outcome {
  Totals totals;
  db::LearnedRate learned;
  double rate = 0;     // the blocks over the time they took, bytes/s
  double through = 0;  // first-time octets through the bottleneck while busy
};
Outcome thirty_megabytes_behind(Bottleneck spec) {
  constexpr std::uint64_t kBlocks = 30;
  Lockstep net(fast_host());
  auto counts = std::make_shared<LinkCounts>();
  auto goodput = std::make_shared<Goodput>();
  watch(net, std::move(spec), counts, goodput);
  const std::uint64_t start = net.now();
  for (std::uint64_t i = 0; i < kBlocks; ++i) net.send(kA, Lockstep::pattern(kMegabyte, i));
  Outcome run;
  run.totals = finish(net, kB, kBlocks, start);
  run.learned = net.vspan(kA, kB).learned;
  run.rate = static_cast<double>(kBlocks * kMegabyte) * 1000.0 /
             static_cast<double>(run.totals.finished_ms);
  run.through = goodput->rate(kB, 200, run.totals.finished_ms * 3 / 4);
  std::printf(
      "%.2f MB/s (%.2f MB/s through), learned %.2f MB/s, %u back-offs, %lu of %lu "
      "segments resent\n",
      run.rate / 1e6, run.through / 1e6, static_cast<double>(run.learned.bottleneck) / 1e6,
      run.learned.loss_events, run.totals.sender.data_segments_retransmitted,
      run.totals.sender.segments_sent);
  EXPECT_EQ(run.totals.cancelled, 0u);
  return run;
}

constexpr std::uint64_t kRate = 12'500'000;  // 100 Mbit/s

// 100 Mbit/s behind a fast host: the span learns the rate, fills the
// bottleneck and overruns it by little: 2 % of the segments at most,
// besides two megabytes' worth: the first megabyte goes unpaced, and
// startup overshoots (at 3/2) by about as much again before a report
// shows it (without the learned rate half of all segments were lost and
// resent).
TEST(RateControl, FixedBottleneck) {
  const Outcome run = thirty_megabytes_behind({[](std::uint64_t) { return kRate; }, kBuffer});
  EXPECT_GE(run.rate, 0.8 * kRate);
  EXPECT_LE(run.totals.sender.data_segments_retransmitted,
            run.totals.sender.segments_sent / 50 + 2 * kFirstMegabyteSegments);
  EXPECT_NEAR(static_cast<double>(run.learned.bottleneck), kRate, 0.25 * kRate);
}

// 5 % of the segments lost at random after the bottleneck, more than the
// default maxber explains: the span still fills the bottleneck.
TEST(RateControl, LossyLinkKeepsItsRate) {
  const Outcome run =
      thirty_megabytes_behind({[](std::uint64_t) { return kRate; }, kBuffer, 0.05, 7});
  EXPECT_GE(run.through, 0.8 * 0.95 * kRate);
  // Probes past the bottleneck still lose on top of the 5 %, and back
  // off: the estimate dips, but does not collapse.
  EXPECT_GE(static_cast<double>(run.learned.bottleneck), 0.6 * kRate);
}

// The bottleneck narrows from 1 Gbit/s to 100 Mbit/s and widens again
// mid-transfer, for a second and then two each; the client keeps 50
// blocks of a megabyte in hand, and the span sends a discretionary
// checkpoint every 100 segments, so that reports come often enough to
// follow the change within a few hundred milliseconds (with only a
// report per block, rounds last two blocks' time: 160 ms at 100 Mbit/s).
// No block is cancelled; the span fills the wide bottleneck, and follows
// it down and back up within a second: 80 % busy over the second half of
// each later phase (docs/performance.md shows the way there).
TEST(RateControl, FollowsABottleneckThatChanges) {
  constexpr std::uint64_t kWide = 10 * kRate;
  constexpr std::uint64_t kNarrowFromMs = 1000;
  constexpr std::uint64_t kWideAgainMs = 3000;
  constexpr std::uint64_t kEndMs = 5000;
  // What the three phases carry at the bottleneck's rate, and a little.
  constexpr std::uint64_t kBlocks = 420;
  LockstepConfig config = fast_host();
  config.span.checkpoint_every_segments = 100;
  Lockstep net(config);
  const std::uint64_t start = net.now();
  auto counts = std::make_shared<LinkCounts>();
  auto goodput = std::make_shared<Goodput>();
  const auto rate_at = [start](std::uint64_t now) {
    const std::uint64_t t = now - start;
    return t >= kNarrowFromMs && t < kWideAgainMs ? kRate : kWide;
  };
  watch(net, {rate_at, kBuffer}, counts, goodput);
  feed(net, kA, kB, kBlocks);
  const Totals totals = finish(net, kB, kBlocks, start);
  const double phases[3] = {goodput->rate(kB, 0, kNarrowFromMs),
                            goodput->rate(kB, kNarrowFromMs, kWideAgainMs),
                            goodput->rate(kB, kWideAgainMs, kEndMs)};
  std::printf("%.1f, %.1f, %.1f MB/s; %lu of %lu segments resent; done after %lu ms\n",
              phases[0] / 1e6, phases[1] / 1e6, phases[2] / 1e6,
              totals.sender.data_segments_retransmitted, totals.sender.segments_sent,
              totals.finished_ms);
  std::printf("MB/s by 100 ms:");
  for (std::uint64_t ms = 0; ms < kEndMs; ms += 100) {
    std::printf(" %.1f", goodput->rate(kB, ms, ms + 100) / 1e6);
  }
  std::printf("\n");
  EXPECT_EQ(totals.cancelled, 0u);
  EXPECT_GE(totals.finished_ms, kEndMs) << "the transfer ended before the last phase did";
  EXPECT_GE(phases[0], 0.8 * kWide);
  EXPECT_GE(goodput->rate(kB, (kNarrowFromMs + kWideAgainMs) / 2, kWideAgainMs), 0.8 * kRate);
  EXPECT_GE(goodput->rate(kB, (kWideAgainMs + kEndMs) / 2, kEndMs), 0.8 * kWide);
}

}  // namespace
}  // namespace ltp::engine
