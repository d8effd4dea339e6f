// Randomised transfers: hundreds of seeded runs at 0-30 % loss both ways,
// with duplication and reordering. Each must end with every block either
// delivered intact exactly once or cancelled with a notice, every SDU with
// exactly one outcome at the sender, and nothing left in either heap.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using testing::Crossing;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
using db::NoticeType;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

struct Totals {
  int runs = 0, blocks = 0, delivered = 0, cancelled = 0, green_only = 0;
};

// One seeded run; returns problems found (empty = good).
void run_one(std::uint64_t seed, double loss, Totals& totals, std::uint64_t limit) {
  std::mt19937_64 rng(seed);
  LockstepConfig config;
  config.seed = seed;
  config.node.own_queuing_ms = 20;
  config.node.closed_memory_ms = 5000;
  config.span.max_segment_size = 300 + rng() % 1200;
  config.span.aggregation_size_threshold = 1 + rng() % 6000;
  config.span.aggregation_time_limit_ms = 50;
  config.span.queuing_latency_ms = 20;
  config.span.max_export_sessions = 4;
  config.span.checkpoint_limit = limit;
  config.span.report_limit = limit;
  config.span.cancel_limit = 4;
  config.span.stale_import_ms = 20000;
  config.span.checkpoint_every_segments = rng() % 3 == 0 ? 1 + rng() % 5 : 0;
  config.owlt_ms = 10 + rng() % 90;
  Lockstep net(config);
  auto link_rng = std::make_shared<std::mt19937_64>(seed ^ 0x5eed);
  net.set_filter([link_rng, loss](const Crossing&) {
    std::uniform_real_distribution<double> u(0, 1);
    Verdict v;
    if (u(*link_rng) < loss) v.copies = 0;
    else if (u(*link_rng) < 0.05) v.copies = 2;
    if (u(*link_rng) < 0.2) v.delay_ms = (*link_rng)() % 80;
    return v;
  });

  // SDUs offered over time; a full window just means "try later".
  struct Sent {
    std::vector<std::uint8_t> bytes;
    std::uint64_t red;
    codec::SessionId session;
    std::uint64_t offset;
  };
  auto sent = std::make_shared<std::vector<Sent>>();
  const int sdus = 2 + static_cast<int>(rng() % 6);
  for (int i = 0; i < sdus; ++i) {
    const std::size_t size = 1 + rng() % 9000;
    const int colour = static_cast<int>(rng() % 10);
    const std::uint64_t red = colour == 0 ? 0 : colour == 1 ? rng() % (size + 1) : kAllRed;
    auto bytes = Lockstep::pattern(size, seed * 100 + i);
    // Re-offers itself until the window has room.
    auto offer = std::make_shared<std::function<void()>>();
    *offer = [&net, sent, bytes, red, self = std::weak_ptr<std::function<void()>>(offer)] {
      auto r = net.engine(kA).send(testing::kClient, kB, bytes, red, net.now());
      if (!r) {
        EXPECT_EQ(r.error(), EngineError::window_full);
        net.at(net.now() + 100, [again = self.lock()] { (*again)(); });
        return;
      }
      sent->push_back({bytes, std::min<std::uint64_t>(red, bytes.size()), r.value(), 0});
    };
    net.at(net.now() + i * (rng() % 300), [offer] { (*offer)(); });
  }
  ASSERT_TRUE(net.run()) << "seed " << seed << " never settled";
  if (std::getenv("LTP_TRACE") && std::stoull(std::getenv("LTP_TRACE")) == seed) {
    for (const auto& c : net.trace()) {
      std::printf("%lu %lu->%lu %-22s s%lu off %lu len %lu cp %lu rs %lu claims %lu\n", c.sent_at, c.from, c.to,
                  std::string(codec::type_name(c.type)).c_str(), c.session.number, c.offset, c.length,
                  c.checkpoint_serial, c.report_serial, c.claims);
    }
  }

  // Offsets of SDUs within their blocks, in send order per session.
  std::map<std::uint64_t, std::uint64_t> fill;
  std::map<std::uint64_t, std::vector<std::uint8_t>> block_red;
  for (auto& s : *sent) {
    s.offset = fill[s.session.number];
    fill[s.session.number] += s.bytes.size();
    auto& red = block_red[s.session.number];
    const std::uint64_t take = s.red;
    red.insert(red.end(), s.bytes.begin(), s.bytes.begin() + take);
  }
  // Exactly one outcome per SDU at the sender.
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> outcomes;
  std::map<std::uint64_t, bool> block_complete;
  for (const auto& n : net.notices(kA)) {
    if (n.type == NoticeType::export_complete || n.type == NoticeType::export_cancelled) {
      ++outcomes[{n.session.number, n.offset}];
      block_complete[n.session.number] = n.type == NoticeType::export_complete;
      if (n.type == NoticeType::export_cancelled && std::getenv("LTP_DEBUG")) {
        std::printf("seed %lu session %lu cancelled reason %d\n", seed, n.session.number, n.reason);
      }
    }
  }
  for (const auto& s : *sent) {
    EXPECT_EQ((outcomes[{s.session.number, s.offset}]), 1) << "seed " << seed << " session " << s.session.number;
  }
  // Red parts delivered at most once, intact; delivered whenever the sender completed.
  std::map<std::uint64_t, int> deliveries;
  for (const auto& n : net.notices(kB, NoticeType::red_part)) {
    ++deliveries[n.session.number];
    EXPECT_EQ(n.data, block_red[n.session.number]) << "seed " << seed;
  }
  for (const auto& [number, red] : block_red) {
    ++totals.blocks;
    EXPECT_LE(deliveries[number], 1) << "seed " << seed;
    if (red.empty()) {
      ++totals.green_only;
    } else if (block_complete[number]) {
      EXPECT_EQ(deliveries[number], 1) << "seed " << seed << " session " << number;
    }
    block_complete[number] ? ++totals.delivered : ++totals.cancelled;
  }
  for (const auto& p : net.leftovers()) ADD_FAILURE() << "seed " << seed << ": " << p;
  ++totals.runs;
}

void campaign(double loss, int runs, std::uint64_t first_seed, std::uint64_t limit = 8) {
  Totals totals;
  for (int i = 0; i < runs; ++i) {
    run_one(first_seed + i, loss, totals, limit);
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("loss %.0f%%, limit %lu: %d runs, %d blocks (%d green-only), %d completed, %d cancelled\n",
              loss * 100, limit, totals.runs, totals.blocks, totals.green_only, totals.delivered,
              totals.cancelled);
}

TEST(EngineRandom, NoLoss) { campaign(0.0, 60, 1000); }
TEST(EngineRandom, OnePercentLoss) { campaign(0.01, 60, 2000); }
TEST(EngineRandom, FivePercentLoss) { campaign(0.05, 60, 3000); }
TEST(EngineRandom, TenPercentLoss) { campaign(0.10, 60, 4000); }
TEST(EngineRandom, ThirtyPercentLoss) { campaign(0.30, 60, 5000); }
// Tight limits on a bad link: many sessions end cancelled, each with its notices.
TEST(EngineRandom, FortyPercentLossTightLimits) { campaign(0.40, 40, 6000, 1); }

}  // namespace
}  // namespace ltp::engine
