// Randomised transfers: hundreds of seeded runs at 0-30 % loss both ways,
// with duplication and reordering, blocks flowing in both directions. Each must end with every
// block either delivered intact exactly once or cancelled with a notice, every SDU with exactly one
// outcome at the sender, and nothing left in either heap.
//
// To look into a failing seed: LTP_TRACE=<seed> prints every segment that
// crossed in that run; LTP_DEBUG=1 prints each cancellation and its reason.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::NoticeType;
using testing::Crossing;
using testing::Lockstep;
using testing::LockstepConfig;
using testing::Verdict;
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
    if (u(*link_rng) < loss)
      v.copies = 0;
    else if (u(*link_rng) < 0.05)
      v.copies = 2;
    if (u(*link_rng) < 0.2) v.delay_ms = (*link_rng)() % 80;
    return v;
  });

  // SDUs offered over time, both ways; a full window just means "try later".
  struct Sent {
    std::uint64_t from;
    std::vector<std::uint8_t> bytes;
    std::uint64_t red;
    codec::SessionId session;
    std::uint64_t offset;
  };
  auto sent = std::make_shared<std::vector<Sent>>();
  const int sdus = 2 + static_cast<int>(rng() % 6);
  for (int i = 0; i < sdus; ++i) {
    const std::uint64_t from = rng() % 4 == 0 ? kB : kA;
    const std::size_t size = 1 + rng() % 9000;
    const int colour = static_cast<int>(rng() % 10);
    const std::uint64_t red = colour == 0 ? 0 : colour == 1 ? rng() % (size + 1) : kAllRed;
    auto bytes = Lockstep::pattern(size, seed * 100 + i);
    // Re-offers itself until the window has room.
    auto offer = std::make_shared<std::function<void()>>();
    *offer = [&net, sent, from, bytes, red, self = std::weak_ptr<std::function<void()>>(offer)] {
      auto r = net.engine(from).send(testing::kClient, Lockstep::peer(from), bytes, red, net.now());
      if (!r) {
        EXPECT_EQ(r.error(), EngineError::window_full);
        net.at(net.now() + 100, [again = self.lock()] { (*again)(); });
        return;
      }
      sent->push_back({from, bytes, std::min<std::uint64_t>(red, bytes.size()), r.value(), 0});
    };
    net.at(net.now() + i * (rng() % 300), [offer] { (*offer)(); });
  }
  ASSERT_TRUE(net.run()) << "seed " << seed << " never settled";
  if (std::getenv("LTP_TRACE") && std::stoull(std::getenv("LTP_TRACE")) == seed) {
    for (const auto& c : net.trace()) {
      std::printf("%lu %lu->%lu %-22s s%lu off %lu len %lu cp %lu rs %lu claims %lu\n", c.sent_at,
                  c.from, c.to, std::string(codec::type_name(c.type)).c_str(), c.session.number,
                  c.offset, c.length, c.checkpoint_serial, c.report_serial, c.claims);
    }
  }

  using Key = std::pair<std::uint64_t, std::uint64_t>;  // (sender, session number)
  // Blocks as the senders built them: SDUs in send order per session.
  std::map<Key, std::vector<std::uint8_t>> block, block_red;
  for (auto& s : *sent) {
    const Key key{s.from, s.session.number};
    s.offset = block[key].size();
    block[key].insert(block[key].end(), s.bytes.begin(), s.bytes.end());
    block_red[key].insert(block_red[key].end(), s.bytes.begin(), s.bytes.begin() + s.red);
  }
  // Exactly one outcome per SDU at its sender.
  std::map<std::pair<Key, std::uint64_t>, int> outcomes;
  std::map<Key, bool> block_complete;
  for (const auto from : {kA, kB}) {
    for (const auto& n : net.notices(from)) {
      if (n.type != NoticeType::export_complete && n.type != NoticeType::export_cancelled) continue;
      const Key key{from, n.session.number};
      ++outcomes[{key, n.offset}];
      block_complete[key] = n.type == NoticeType::export_complete;
      if (n.type == NoticeType::export_cancelled && std::getenv("LTP_DEBUG")) {
        std::printf("seed %lu session %lu cancelled reason %d\n", seed, n.session.number, n.reason);
      }
    }
  }
  for (const auto& s : *sent) {
    EXPECT_EQ((outcomes[{{s.from, s.session.number}, s.offset}]), 1)
        << "seed " << seed << " session " << s.session.number;
  }
  // At each receiver: red parts at most once and intact, green bytes as sent.
  std::map<Key, int> deliveries;
  for (const auto to : {kA, kB}) {
    const std::uint64_t from = Lockstep::peer(to);
    for (const auto& n : net.notices(to, NoticeType::red_part)) {
      const Key key{from, n.session.number};
      ++deliveries[key];
      EXPECT_EQ(n.data, block_red[key]) << "seed " << seed;
    }
    for (const auto& n : net.notices(to, NoticeType::green_segment)) {
      const auto& b = block[{from, n.session.number}];
      ASSERT_LE(n.offset + n.length, b.size()) << "seed " << seed;
      EXPECT_TRUE(std::equal(n.data.begin(), n.data.end(), b.begin() + n.offset))
          << "seed " << seed;
    }
  }
  for (const auto& [key, red] : block_red) {
    ++totals.blocks;
    EXPECT_LE(deliveries[key], 1) << "seed " << seed;
    if (red.empty()) {
      ++totals.green_only;
    } else if (block_complete[key]) {
      EXPECT_EQ(deliveries[key], 1) << "seed " << seed << " session " << key.second;
    }
    block_complete[key] ? ++totals.delivered : ++totals.cancelled;
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
  std::printf(
      "loss %.0f%%, limit %lu: %d runs, %d blocks (%d green-only), %d completed, %d cancelled\n",
      loss * 100, limit, totals.runs, totals.blocks, totals.green_only, totals.delivered,
      totals.cancelled);
}

TEST(EngineRandom, NoLoss) { campaign(0.0, 100, 1000); }
TEST(EngineRandom, OnePercentLoss) { campaign(0.01, 100, 2000); }
TEST(EngineRandom, FivePercentLoss) { campaign(0.05, 100, 3000); }
TEST(EngineRandom, TenPercentLoss) { campaign(0.10, 100, 4000); }
TEST(EngineRandom, ThirtyPercentLoss) { campaign(0.30, 100, 5000); }
// Tight limits on a bad link: many sessions end cancelled, each with its notices.
TEST(EngineRandom, FortyPercentLossTightLimits) { campaign(0.40, 60, 6000, 1); }

}  // namespace
}  // namespace ltp::engine
