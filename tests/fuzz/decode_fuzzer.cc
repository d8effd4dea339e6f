// libFuzzer target for the LTP decoder (built when OPENLTP_FUZZ is ON).
//
// For any input: decode() and decode_prefix() must agree, and must not
// crash or read out of bounds (ASan/UBSan are on in the fuzz build). For
// an input that decodes: encode() must accept the segment, and decoding
// that encoding must give the same segment back; the gather encoding must
// match the contiguous one; checking its MAC must not crash.
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"

namespace {

namespace codec = ltp::codec;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

void check_round_trip(const codec::Segment& segment) {
  std::vector<std::uint8_t> wire(codec::encoded_size(segment));
  auto written = codec::encode(segment, wire);
  require(written && written.value() == wire.size());
  auto again = codec::decode(wire);
  require(again && again.value() == segment);

  std::vector<std::uint8_t> scratch(codec::encoded_size_without_payload(segment));
  auto gathered = codec::encode_gather(segment, scratch);
  require(gathered && gathered.value().total_size == wire.size());
  std::size_t at = 0;
  for (std::size_t i = 0; i < gathered.value().count; ++i) {
    const iovec& v = gathered.value().iov[i];
    require(std::memcmp(wire.data() + at, v.iov_base, v.iov_len) == 0);
    at += v.iov_len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  auto prefix = codec::decode_prefix(bytes);
  auto strict = codec::decode(bytes);
  if (strict) {
    require(prefix && prefix.value().size == size && prefix.value().segment == strict.value());
  } else if (strict.error() == codec::Error::trailing_bytes) {
    require(prefix && prefix.value().size < size);
  } else {
    require(!prefix && prefix.error() == strict.error());
  }
  if (!prefix) return 0;

  const codec::Segment& segment = prefix.value().segment;
  check_round_trip(segment);
  static const std::uint8_t key[20] = {1, 2, 3};
  (void)codec::verify_authentication(bytes, segment, key);
  return 0;
}
