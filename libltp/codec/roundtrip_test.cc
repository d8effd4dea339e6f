// Property tests: random valid segments of every type, with and without
// extensions, survive encode -> decode unchanged, and every way of
// cutting the encoding short is rejected.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/testing/random_segment.h"

namespace ltp::codec {
namespace {

using testing::kAllSegmentTypes;
using testing::RandomSegment;

constexpr int kInstancesPerCase = 500;

struct Case {
  SegmentType type;
  bool with_extensions;
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, EncodeThenDecodeGivesTheSameSegment) {
  const Case c = GetParam();
  std::mt19937_64 rng(1000 + static_cast<unsigned>(c.type) * 2 + c.with_extensions);
  for (int i = 0; i < kInstancesPerCase; ++i) {
    RandomSegment random(rng, c.type, c.with_extensions);
    const Segment& original = random.segment();
    std::vector<std::uint8_t> wire(encoded_size(original));
    auto written = encode(original, wire);
    ASSERT_TRUE(written) << describe(written.error());
    ASSERT_EQ(written.value(), wire.size());

    auto decoded = decode(wire);
    ASSERT_TRUE(decoded) << describe(decoded.error()) << " instance " << i;
    EXPECT_EQ(decoded.value(), original) << "instance " << i;
    EXPECT_EQ(decoded.value().header.header_extensions.size(),
              original.header.header_extensions.size());
  }
}

TEST_P(RoundTrip, EveryTruncationIsRejected) {
  const Case c = GetParam();
  std::mt19937_64 rng(5000 + static_cast<unsigned>(c.type) * 2 + c.with_extensions);
  for (int i = 0; i < 50; ++i) {
    RandomSegment random(rng, c.type, c.with_extensions);
    std::vector<std::uint8_t> wire(encoded_size(random.segment()));
    ASSERT_TRUE(encode(random.segment(), wire));
    for (std::size_t cut = 0; cut < wire.size(); ++cut) {
      auto decoded = decode(std::span<const std::uint8_t>(wire).first(cut));
      ASSERT_FALSE(decoded) << "prefix of " << cut << " of " << wire.size() << " octets decoded";
    }
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (SegmentType t : kAllSegmentTypes) {
    cases.push_back({t, false});
    cases.push_back({t, true});
  }
  return cases;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return "type" + std::to_string(static_cast<int>(info.param.type)) +
         (info.param.with_extensions ? "_ext" : "_plain");
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTrip, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace ltp::codec
