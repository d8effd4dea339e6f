// RandomSegment: seeded random, valid segments of any type, for property
// tests (codec round trip), the tshark cross-check of our encoding and
// the fuzz seeds. Test-only (target openltp_codec_testing).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "libltp/codec/segment.h"

namespace ltp::codec::testing {

// Bounds on the random segments. The defaults cover everything the codec
// accepts; the tshark cross-check narrows them to what tshark 4.0 can
// dissect (see tests/interop/interop_test.cc for its limits).
struct FieldLimits {
  unsigned value_bits = 64;   // engine IDs, session numbers, offsets, client IDs
  unsigned serial_bits = 64;  // checkpoint and report serial numbers
  unsigned bound_bits = 64;   // report upper and lower bounds
  std::size_t max_header_extensions = 3;
  std::size_t min_claims = 0;
};

// A Segment together with the storage its views point into. Not copyable
// or movable, because the Segment points into its own members.
class RandomSegment {
 public:
  // A valid segment of `type` with random fields; with_extensions adds
  // 0-3 header and 0-3 trailer extensions (at least one of either).
  RandomSegment(std::mt19937_64& rng, SegmentType type, bool with_extensions,
                FieldLimits limits = {});
  RandomSegment(const RandomSegment&) = delete;
  RandomSegment& operator=(const RandomSegment&) = delete;

  const Segment& segment() const { return segment_; }

 private:
  std::vector<std::uint8_t> payload_;
  std::vector<Claim> claims_;
  std::vector<std::vector<std::uint8_t>> extension_values_;
  std::vector<Extension> header_extensions_;
  std::vector<Extension> trailer_extensions_;
  Segment segment_;
};

// Every defined segment type, in code order.
extern const std::vector<SegmentType> kAllSegmentTypes;

}  // namespace ltp::codec::testing
