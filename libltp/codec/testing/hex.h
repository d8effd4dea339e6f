// from_hex(): bytes from a hex string ("0e 01 04 00 01"), for test vectors.
// Test-only; spaces are ignored, bad digits fail the calling test.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ltp::codec::testing {

std::vector<std::uint8_t> from_hex(std::string_view text);

}  // namespace ltp::codec::testing
