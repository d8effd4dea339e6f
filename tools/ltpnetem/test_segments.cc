#include "tools/ltpnetem/test_segments.h"

#include <random>

#include "libltp/codec/encode.h"
#include "libltp/codec/testing/random_segment.h"

namespace ltpnetem::testing {

std::vector<std::uint8_t> encoded_segment(ltp::codec::SegmentType type, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const ltp::codec::testing::RandomSegment random(rng, type, false);
  std::vector<std::uint8_t> bytes(ltp::codec::encoded_size(random.segment()));
  const auto written = ltp::codec::encode(random.segment(), bytes);
  bytes.resize(written ? written.value() : 0);
  return bytes;
}

}  // namespace ltpnetem::testing
