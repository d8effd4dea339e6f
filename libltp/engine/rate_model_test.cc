// The rate model alone (rate_model.h), fed made-up reports: what it
// learns from a steady delivery rate, how it probes and drains, which
// losses make it back off, and how a configured ceiling bounds it.
#include "libltp/engine/rate_model.h"

#include <gtest/gtest.h>

namespace ltp::engine::rate_model {
namespace {

constexpr std::uint64_t kStart = 1'000'000;
constexpr std::uint64_t kRoundTrip = 10;

// Reports every `every_ms` each claiming what `rate` bytes/s delivers,
// `lost_fraction` of the scope missing, for `ms`.
void deliver(db::LearnedRate& r, std::uint64_t& now, std::uint64_t rate, std::uint64_t ms,
             double lost_fraction = 0, std::uint64_t every_ms = 2, double explained = 0) {
  for (std::uint64_t t = 0; t < ms; t += every_ms) {
    now += every_ms;
    const std::uint64_t claimed = rate * every_ms / 1000;
    const auto missing = static_cast<std::uint64_t>(static_cast<double>(claimed) * lost_fraction /
                                                    (1 - lost_fraction));
    on_report(r, {now, claimed, missing, kRoundTrip, explained, 0, now - kRoundTrip});
  }
}

TEST(RateModel, StartsUnpacedAndTheCeilingRules) {
  db::LearnedRate r;
  EXPECT_EQ(sending_rate(r, 0), 0u);
  EXPECT_EQ(sending_rate(r, 5'000'000), 5'000'000u);
}

TEST(RateModel, LearnsASteadyDeliveryRateAndPacesAroundIt) {
  db::LearnedRate r;
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  deliver(r, now, 10'000'000, 500);
  EXPECT_NEAR(static_cast<double>(r.bottleneck), 10e6, 0.5e6);
  EXPECT_NE(r.phase, 0u) << "startup ends when the estimate stops growing";
  // Over a whole cycle the pace averages the estimate: probes at 5/4,
  // drains at 3/4, cruises at 1.
  std::uint64_t lowest = UINT64_MAX, highest = 0, sum = 0, n = 0;
  for (int i = 0; i < 80; ++i) {
    deliver(r, now, 10'000'000, 10, 0, 10);
    const std::uint64_t pace = sending_rate(r, 0);
    lowest = std::min(lowest, pace);
    highest = std::max(highest, pace);
    sum += pace;
    ++n;
  }
  EXPECT_NEAR(static_cast<double>(lowest), 7.5e6, 0.5e6);
  EXPECT_NEAR(static_cast<double>(highest), 12.5e6, 0.7e6);
  EXPECT_NEAR(static_cast<double>(sum / n), 10e6, 0.6e6);
  EXPECT_EQ(r.loss_events, 0u);
}

TEST(RateModel, ExcessLossLowersTheEstimateToWhatGetsThrough) {
  db::LearnedRate r;
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  deliver(r, now, 40'000'000, 500);
  const std::uint64_t before = r.bottleneck;
  // The path now delivers a tenth, the rest of each scope missing.
  deliver(r, now, 4'000'000, 10, 0.9, 10);
  EXPECT_EQ(r.loss_events, 1u);
  EXPECT_LE(r.bottleneck, before / 2);
  deliver(r, now, 4'000'000, 100, 0.9, 10);
  EXPECT_NEAR(static_cast<double>(r.bottleneck), 4e6, 0.3e6);
}

TEST(RateModel, LossTheErrorRateExplainsIsNotTheSenders) {
  db::LearnedRate r;
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  deliver(r, now, 10'000'000, 300);
  // 5 % lost: within the margin.
  deliver(r, now, 10'000'000, 300, 0.05);
  EXPECT_EQ(r.loss_events, 0u);
  // 25 % lost backs off, unless maxber predicts most of it.
  db::LearnedRate explained = r;
  deliver(r, now, 10'000'000, 50, 0.25);
  EXPECT_GE(r.loss_events, 1u);
  std::uint64_t now2 = now - 50;
  deliver(explained, now2, 10'000'000, 50, 0.25, 2, 0.2);
  EXPECT_EQ(explained.loss_events, 0u);
}

TEST(RateModel, ASenderShortOfDataDoesNotLowerTheEstimate) {
  db::LearnedRate r;
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  deliver(r, now, 20'000'000, 300);
  const std::uint64_t learned = r.bottleneck;
  for (int i = 0; i < 100; ++i) {
    on_ran_dry(r, true);
    deliver(r, now, 1'000'000, 10, 0, 10);
  }
  EXPECT_EQ(r.bottleneck, learned);
  // Without the mark the low samples age the high one out.
  for (int i = 0; i < 100; ++i) deliver(r, now, 1'000'000, 10, 0, 10);
  EXPECT_LT(r.bottleneck, learned / 4);
}

TEST(RateModel, BelowTheCeilingPacesNearItTheCeilingItself) {
  db::LearnedRate r;
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  deliver(r, now, 10'000'000, 500);
  EXPECT_EQ(sending_rate(r, 10'500'000), 10'500'000u) << "within a tenth: the ceiling";
  EXPECT_LE(sending_rate(r, 40'000'000), 12'500'000u) << "far below: the learned pace";
  EXPECT_EQ(sending_rate(r, 1'000'000), 1'000'000u) << "never above the ceiling";
}

TEST(RateModel, AMegabyteGoesUntilTheFirstEstimate) {
  db::LearnedRate r;
  EXPECT_TRUE(may_start_block(r, 7, 400'000, false));
  EXPECT_TRUE(may_start_block(r, 7, 400'000, false)) << "asked again";
  EXPECT_TRUE(may_start_block(r, 8, 400'000, true));
  EXPECT_EQ(first_block(r), 8u);
  EXPECT_FALSE(may_start_block(r, 9, 400'000, true));
  // The last let go closed without an estimate (cancelled): more go.
  EXPECT_TRUE(may_start_block(r, 9, 5'000'000, false)) << "one always may";
  EXPECT_FALSE(may_start_block(r, 10, 1, true));
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  deliver(r, now, 1'000'000, 20);
  EXPECT_FALSE(first_block(r).has_value());
  EXPECT_TRUE(may_start_block(r, 10, 1, true));
}

TEST(RateModel, AFlightIsMeasuredFromItsStart) {
  db::LearnedRate r;
  on_data_sent(r, kStart);
  // The first block's report claims a megabyte 85 ms into the flight.
  on_report(r, {kStart + 85, 1'000'000, 0, 5, 0});
  EXPECT_NEAR(static_cast<double>(r.bottleneck), 1e6 * 1000 / 85, 1e3);
  EXPECT_EQ(r.pacing, 3 * r.bottleneck / 2) << "startup paces at 3/2";
}

// Found by engine_inbound_fuzz: a report that claims nothing and shows
// nothing missing, while the span probes above its estimate, took the
// delivered share of zero octets (0/0) and converted it to an integer.
// It is no sample: the estimate stands.
TEST(RateModel, AReportOfNothingWhileProbingIsNoSample) {
  db::LearnedRate r;
  std::uint64_t now = kStart;
  on_data_sent(r, now);
  for (int i = 0; i < 5000 && phase_name(r) != "probing"; ++i) deliver(r, now, 10'000'000, 2);
  ASSERT_EQ(phase_name(r), "probing");
  const std::uint64_t before = r.bottleneck;
  now += 20;
  on_report(r, {now, 0, 0, kRoundTrip, 0, 0, now - kRoundTrip});
  EXPECT_EQ(r.bottleneck, before);
}

}  // namespace
}  // namespace ltp::engine::rate_model
