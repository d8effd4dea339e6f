// Test-only: encoded LTP segments of a chosen type, for ltpnetem's unit
// and integration tests (valid per the codec, random fields).
#pragma once

#include <cstdint>
#include <vector>

#include "libltp/codec/segment.h"

namespace ltpnetem::testing {

std::vector<std::uint8_t> encoded_segment(ltp::codec::SegmentType type, std::uint64_t seed);

}  // namespace ltpnetem::testing
