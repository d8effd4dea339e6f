#include "tools/ltpnetem/parse.h"

#include <gtest/gtest.h>

namespace ltpnetem {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Parse, Percent) {
  EXPECT_DOUBLE_EQ(parse_percent("5%").value(), 0.05);
  EXPECT_DOUBLE_EQ(parse_percent("0.5%").value(), 0.005);
  EXPECT_DOUBLE_EQ(parse_percent("100%").value(), 1.0);
  EXPECT_DOUBLE_EQ(parse_percent("0%").value(), 0.0);
  for (const char* bad : {"5", "0.05", "101%", "-1%", "%", "five%", ""}) {
    auto r = parse_percent(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("e.g. 5%"), std::string::npos);
  }
}

TEST(Parse, Duration) {
  EXPECT_EQ(parse_duration("250ms").value(), milliseconds(250));
  EXPECT_EQ(parse_duration("2s").value(), seconds(2));
  EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1500));
  EXPECT_EQ(parse_duration("20us").value(), std::chrono::microseconds(20));
  EXPECT_EQ(parse_duration("7ns").value(), Nanos(7));
  EXPECT_EQ(parse_duration("1m").value(), seconds(60));
  for (const char* bad : {"2", "2h", "s", "-1s", ""}) EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Parse, RatesAndSizes) {
  EXPECT_EQ(parse_rate("10M").value(), 10'000'000u);
  EXPECT_EQ(parse_rate("1.5G").value(), 1'500'000'000u);
  EXPECT_EQ(parse_rate("800k").value(), 800'000u);
  EXPECT_EQ(parse_rate("56000").value(), 56'000u);
  EXPECT_EQ(parse_size("64k").value(), 64'000u);
  for (const char* bad : {"0", "10X", "M", "", "-5"}) EXPECT_FALSE(parse_rate(bad)) << bad;
}

TEST(Parse, Blackout) {
  auto b = parse_blackout("2s+3s").value();
  EXPECT_EQ(b.start, seconds(2));
  EXPECT_EQ(b.length, seconds(3));
  EXPECT_EQ(parse_blackout("0s+500ms").value().length, milliseconds(500));
  EXPECT_FALSE(parse_blackout("2s"));
  EXPECT_FALSE(parse_blackout("2s+"));
  EXPECT_NE(parse_blackout("2s").error().find("START+LENGTH"), std::string::npos);
}

TEST(Parse, DropRules) {
  auto every = parse_drop_rule("ra").value();
  EXPECT_TRUE(every.ranges.empty());
  EXPECT_TRUE(contains(every.types, Category::report_ack));
  EXPECT_FALSE(contains(every.types, Category::report));

  auto first_two = parse_drop_rule("cp#1..2").value();
  ASSERT_EQ(first_two.ranges.size(), 1u);
  EXPECT_EQ(first_two.ranges[0].first, 1u);
  EXPECT_EQ(first_two.ranges[0].last, 2u);
  EXPECT_TRUE(contains(first_two.types, Category::checkpoint_eorp_eob));
  EXPECT_FALSE(contains(first_two.types, Category::red_data));

  auto list = parse_drop_rule("data#3,5..").value();
  ASSERT_EQ(list.ranges.size(), 2u);
  EXPECT_EQ(list.ranges[0].last, 3u);
  EXPECT_EQ(list.ranges[1].first, 5u);
  EXPECT_EQ(list.ranges[1].last, std::numeric_limits<std::uint64_t>::max());

  EXPECT_NE(parse_drop_rule("checkpoint").error().find("unknown segment type 'checkpoint'"),
            std::string::npos);
  for (const char* bad : {"cp#", "cp#0", "cp#3..1", "cp#x", "cp#1,,2", "#1"}) {
    EXPECT_FALSE(parse_drop_rule(bad)) << bad;
  }
}

TEST(Parse, ImpairmentsAimedAtOneDirection) {
  DirectionConfigs configs;
  ASSERT_TRUE(apply_impairment(configs, "loss", "5%"));
  ASSERT_TRUE(apply_impairment(configs, "loss", "ba:10%"));
  ASSERT_TRUE(apply_impairment(configs, "drop", "ab:cp#1..2"));
  ASSERT_TRUE(apply_impairment(configs, "blackout", "1s+1s"));
  ASSERT_TRUE(apply_impairment(configs, "blackout", "ab:5s+1s"));
  ASSERT_TRUE(apply_impairment(configs, "reorder", "ab:10%/3"));
  ASSERT_TRUE(apply_impairment(configs, "rate", "ba:1M"));
  ASSERT_TRUE(apply_impairment(configs, "burst", "ba:3000"));
  EXPECT_DOUBLE_EQ(configs[0].loss, 0.05);
  EXPECT_DOUBLE_EQ(configs[1].loss, 0.10);
  EXPECT_EQ(configs[0].drops.size(), 1u);
  EXPECT_EQ(configs[1].drops.size(), 0u);
  EXPECT_EQ(configs[0].blackouts.size(), 2u);
  EXPECT_EQ(configs[1].blackouts.size(), 1u);
  EXPECT_EQ(configs[0].reorder_distance, 3u);
  EXPECT_EQ(configs[1].rate_bps, 1'000'000u);
  EXPECT_EQ(configs[1].burst_bits, 24'000u);
  EXPECT_TRUE(configs[0].queues());
  EXPECT_TRUE(configs[1].queues());
  EXPECT_FALSE(DirectionConfig{}.queues());
}

TEST(Parse, ImpairmentErrorsNameTheOption) {
  DirectionConfigs configs;
  auto r = apply_impairment(configs, "loss", "ab:5");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rfind("--loss: ", 0), 0u);
  EXPECT_FALSE(apply_impairment(configs, "reorder", "10%/0"));
  EXPECT_FALSE(apply_impairment(configs, "queue", "0"));
}

}  // namespace
}  // namespace ltpnetem
