// encode(): a Segment into wire bytes, in a caller's buffer, no allocation.
//
// Called by the link service output (and tests, ltpdump's tests, the fuzz
// target). encode() writes the whole segment contiguously;
// encode_gather() writes only the header and trailer into a small scratch
// buffer and returns an iovec list {header, payload, trailer} so a data
// segment can go out with sendmsg/sendmmsg without copying its payload.
// Both refuse (with the decoder's Error) a segment the decoder would
// reject, so what we send is always what we accept.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/segment.h"

namespace ltp::codec {

// Octets encode() will write for `segment` (header, body, payload, trailer).
std::size_t encoded_size(const Segment& segment);

// Octets encode_gather() needs in its scratch buffer (all but the payload).
std::size_t encoded_size_without_payload(const Segment& segment);

// Writes `segment` at the start of `out`; returns the octets written.
Result<std::size_t, Error> encode(const Segment& segment, std::span<std::uint8_t> out);

struct GatherList {
  std::array<iovec, 3> iov{};  // header [, payload] [, trailer]
  std::size_t count = 0;       // entries of iov in use
  std::size_t total_size = 0;  // octets over all entries
};

// Writes header, body fields and trailer extensions into `scratch` and
// returns them with the payload (not copied) as an iovec list. The iovecs
// point into `scratch` and into the segment's payload.
Result<GatherList, Error> encode_gather(const Segment& segment, std::span<std::uint8_t> scratch);

}  // namespace ltp::codec
