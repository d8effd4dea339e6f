#include "libltp/codec/sdnv.h"

#include <limits>

namespace ltp::codec {

Result<SdnvRead, Error> decode_sdnv(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0;; ++i) {
    // Eleven octets would be needed even if the bytes are there: too long
    // wins over truncated so that a hostile run of 0x80s is named as such.
    if (i == kMaxSdnvSize) return failure(Error::sdnv_too_long);
    if (i == bytes.size()) return failure(Error::truncated);
    if (value > (std::numeric_limits<std::uint64_t>::max() >> 7)) {
      return failure(Error::sdnv_overflow);
    }
    const std::uint8_t octet = bytes[i];
    value = (value << 7) | (octet & 0x7Fu);
    if ((octet & 0x80u) == 0) return SdnvRead{value, i + 1};
  }
}

std::size_t sdnv_size(std::uint64_t value) {
  std::size_t size = 1;
  while (value >>= 7) ++size;
  return size;
}

Result<std::size_t, Error> encode_sdnv(std::uint64_t value, std::span<std::uint8_t> out) {
  const std::size_t size = sdnv_size(value);
  if (out.size() < size) return failure(Error::buffer_too_small);
  for (std::size_t i = size; i-- > 0;) {
    const auto group = static_cast<std::uint8_t>(value & 0x7Fu);
    out[i] = (i + 1 == size) ? group : static_cast<std::uint8_t>(group | 0x80u);
    value >>= 7;
  }
  return size;
}

}  // namespace ltp::codec
