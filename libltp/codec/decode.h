// decode(): one UDP datagram (or any LTP link-layer frame) into a Segment.
//
// Called by the link service input for every datagram it receives, by
// ltpdump and by the fuzz target. No allocation and no copying: payload,
// claims and extensions in the result point into `datagram`, which must
// outlive the Segment. Anything not exactly one well-formed segment is an
// Error (see error.h); a 4-zero-octet keep-alive (RFC 7122) is reported
// as Error::keep_alive so the caller can drop it quietly. decode_prefix()
// tolerates octets after the segment (see below).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/segment.h"

namespace ltp::codec {

Result<Segment, Error> decode(std::span<const std::uint8_t> datagram);

struct DecodedPrefix {
  Segment segment;
  std::size_t size;  // octets of the datagram the segment occupies
};

// Like decode(), but octets after the segment are left to the caller
// rather than rejected (never Error::trailing_bytes). ION 4.1.3 sends
// report segments in datagrams longer than the segment, the rest being
// stale buffer contents; an engine that must interoperate with it decodes
// with this and counts (or logs) the surplus instead of dropping the
// report. ltpdump shows such segments with the surplus noted.
Result<DecodedPrefix, Error> decode_prefix(std::span<const std::uint8_t> datagram);

// True for the RFC 7122 keep-alive datagram: exactly 4 zero octets.
bool is_keep_alive(std::span<const std::uint8_t> datagram);

}  // namespace ltp::codec
