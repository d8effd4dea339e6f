// decode(): one UDP datagram (or any LTP link-layer frame) into a Segment.
//
// Called by the link service input for every datagram it receives, by
// ltpdump and by the fuzz target. No allocation and no copying: payload,
// claims and extensions in the result point into `datagram`, which must
// outlive the Segment. Anything not exactly one well-formed segment is an
// Error (see error.h); a 4-zero-octet keep-alive (RFC 7122) is reported
// as Error::keep_alive so the caller can drop it quietly.
#pragma once

#include <cstdint>
#include <span>

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/segment.h"

namespace ltp::codec {

Result<Segment, Error> decode(std::span<const std::uint8_t> datagram);

// True for the RFC 7122 keep-alive datagram: exactly 4 zero octets.
bool is_keep_alive(std::span<const std::uint8_t> datagram);

}  // namespace ltp::codec
