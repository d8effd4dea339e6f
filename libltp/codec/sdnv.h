// SDNV (Self-Delimiting Numeric Value, RFC 6256) encoding and decoding.
//
// Every LTP header field but the control byte and the extension counts is
// an SDNV. Called by the segment decoder/encoder and by anyone building
// extension values. Values are limited to 64 bits and encodings to 10
// octets; longer or larger encodings are rejected, never truncated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ipc/result.h"
#include "libltp/codec/error.h"

namespace ltp::codec {

// The most octets an SDNV of a 64-bit value may take.
inline constexpr std::size_t kMaxSdnvSize = 10;

struct SdnvRead {
  std::uint64_t value;
  std::size_t size;  // octets consumed
};

// Decodes the SDNV at the start of `bytes`. Errors: truncated,
// sdnv_too_long, sdnv_overflow.
Result<SdnvRead, Error> decode_sdnv(std::span<const std::uint8_t> bytes);

// Octets needed to encode `value` (1..10).
std::size_t sdnv_size(std::uint64_t value);

// Writes `value` at the start of `out`; returns the octets written.
// Errors: buffer_too_small.
Result<std::size_t, Error> encode_sdnv(std::uint64_t value, std::span<std::uint8_t> out);

}  // namespace ltp::codec
