#include "libltp/admin/values.h"

#include <gtest/gtest.h>

namespace ltp::admin {
namespace {

TEST(Values, WholeNumbersAreStrictAndRangeChecked) {
  EXPECT_EQ(parse_uint("42", "n", 1, 100).value(), 42u);
  EXPECT_NE(parse_uint("42x", "n", 1, 100).error().find("not a whole number"), std::string::npos);
  EXPECT_NE(parse_uint("-1", "n", 0, 100).error().find("not a whole number"), std::string::npos);
  EXPECT_NE(parse_uint("", "n", 0, 100).error().find("not a whole number"), std::string::npos);
  EXPECT_NE(parse_uint("0", "n", 1, 100).error().find("out of range"), std::string::npos);
  EXPECT_NE(parse_uint("99999999999999999999", "n", 0, UINT64_MAX).error().find("not a whole"),
            std::string::npos);
}

TEST(Values, SecondsAcceptFractionsToTheMillisecond) {
  EXPECT_EQ(parse_seconds_ms("0.05", "t", 0, 10000).value(), 50u);
  EXPECT_EQ(parse_seconds_ms("2", "t", 0, 10000).value(), 2000u);
  EXPECT_EQ(parse_seconds_ms("1.250", "t", 0, 10000).value(), 1250u);
  EXPECT_FALSE(parse_seconds_ms("0.0001", "t", 0, 10000));
  EXPECT_FALSE(parse_seconds_ms("1.", "t", 0, 10000));
  EXPECT_FALSE(parse_seconds_ms(".5", "t", 0, 10000));
  EXPECT_NE(parse_seconds_ms("-1", "t", 0, 10000).error().find("negative"), std::string::npos);
  bool negative = false;
  EXPECT_EQ(parse_seconds_ms("-3.5", "t", 0, 10000, &negative).value(), 3500u);
  EXPECT_TRUE(negative);
  EXPECT_NE(parse_seconds_ms("11", "t", 0, 10000).error().find("out of range"), std::string::npos);
}

TEST(Values, RealsInAnOpenInterval) {
  EXPECT_DOUBLE_EQ(parse_real_open("0.000000001", "ber", 0, 1).value(), 1e-9);
  EXPECT_DOUBLE_EQ(parse_real_open("1e-6", "ber", 0, 1).value(), 1e-6);
  EXPECT_FALSE(parse_real_open("0", "ber", 0, 1));
  EXPECT_FALSE(parse_real_open("1", "ber", 0, 1));
  EXPECT_FALSE(parse_real_open("0.1x", "ber", 0, 1));
  EXPECT_FALSE(parse_real_open("-0.1", "ber", 0, 1));
}

TEST(Values, TimesRelativeAndAbsolute) {
  EXPECT_EQ(parse_time("+0", "t", 5000).value(), 5000u);
  EXPECT_EQ(parse_time("+1.5", "t", 5000).value(), 6500u);
  EXPECT_EQ(parse_time("2000/01/01-00:00:00", "t", 0).value(), 946684800000u);
  EXPECT_EQ(format_time(946684800000u), "2000/01/01-00:00:00");
  EXPECT_EQ(format_time(946684800250u), "2000/01/01-00:00:00.250");
  EXPECT_FALSE(parse_time("2000/02/30-00:00:00", "t", 0));
  EXPECT_FALSE(parse_time("2000/01/01-24:00:00", "t", 0));
  EXPECT_FALSE(parse_time("2000-01-01 00:00:00", "t", 0));
  EXPECT_FALSE(parse_time("+x", "t", 0));
  EXPECT_FALSE(parse_time("now", "t", 0));
  EXPECT_EQ(format_seconds(50), "0.05");
  EXPECT_EQ(format_seconds(3000), "3");
}

}  // namespace
}  // namespace ltp::admin
