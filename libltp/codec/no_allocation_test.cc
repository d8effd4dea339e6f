// Decoding and encoding must not touch the heap: the engine runs them for
// every datagram. Counts calls to the global operator new while the codec
// runs (the replacement below is only in this test binary).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/testing/random_segment.h"

namespace {
std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ltp::codec {
namespace {

TEST(NoAllocation, DecodeIterateAndEncode) {
  std::mt19937_64 rng(31337);
  std::vector<std::unique_ptr<testing::RandomSegment>> segments;
  std::vector<std::vector<std::uint8_t>> wires;
  for (int round = 0; round < 20; ++round) {
    for (SegmentType type : testing::kAllSegmentTypes) {
      segments.push_back(std::make_unique<testing::RandomSegment>(rng, type, round % 2 == 0));
      wires.emplace_back(encoded_size(segments.back()->segment()));
    }
  }
  std::vector<std::uint8_t> scratch(4096);

  const std::size_t before = g_allocations;
  ASSERT_GT(before, 0u);  // the counter works: setting up allocated
  std::uint64_t checksum = 0;  // keeps the loops from being optimised away
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& original = segments[i]->segment();
    ASSERT_TRUE(encode(original, wires[i]));
    ASSERT_TRUE(encode_gather(original, scratch));
    auto decoded = decode(wires[i]);
    ASSERT_TRUE(decoded);
    if (const auto* report = std::get_if<ReportSegment>(&decoded.value().body)) {
      for (const Claim& c : report->claims) checksum += c.offset + c.length;
    }
    for (const Extension& e : decoded.value().header.trailer_extensions) checksum += e.tag;
  }
  EXPECT_EQ(g_allocations, before);
  EXPECT_GT(checksum, 0u);
}

}  // namespace
}  // namespace ltp::codec
