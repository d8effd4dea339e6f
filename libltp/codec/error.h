// Error: every way the LTP codec can refuse a datagram or a segment.
//
// Returned (as a value, inside ltp::Result) by decode(), encode() and the
// SDNV functions; the engine's link service input logs describe(e) and drops
// the datagram, ltpdump prints it. Each problem has its own value so that
// tests and logs can tell exactly what was wrong.
#pragma once

#include <cstdint>
#include <string_view>

namespace ltp::codec {

enum class Error : std::uint8_t {
  // Shape of the bytes.
  truncated,       // a field runs past the end of the datagram
  sdnv_too_long,   // an SDNV longer than 10 octets
  sdnv_overflow,   // an SDNV whose value needs more than 64 bits
  trailing_bytes,  // bytes left over after the last field
  keep_alive,      // 4 zero octets: an RFC 7122 keep-alive, not a segment
  // Header.
  bad_version,          // version nibble is not 0
  undefined_type,       // segment type 5, 6, 10 or 11
  extension_truncated,  // an extension's tag, length or value runs past the end
  // Data segments.
  data_length_zero,        // a data segment carrying no data
  data_range_overflow,     // offset + length exceeds 2^64 - 1
  payload_truncated,       // fewer octets of data than the length field says
  checkpoint_serial_zero,  // a checkpoint with serial number 0
  // Report segments (and report-acks).
  report_serial_zero,     // report serial number 0
  bounds_inverted,        // lower bound >= upper bound
  claim_count_too_large,  // more claims than the remaining octets can hold
  claim_empty,            // a claim of length 0
  claim_out_of_order,     // a claim starting before the previous one
  claim_overlapping,      // a claim starting inside the previous one
  claim_adjacent,         // a claim starting where the previous one ends
  claim_out_of_bounds,    // a claim reaching outside [lower bound, upper bound)
  // Encoding only.
  buffer_too_small,     // the caller's buffer cannot hold the segment
  too_many_extensions,  // more than 15 header or trailer extensions
  body_type_mismatch,   // the body variant does not fit the segment type
  // RFC 5327 authentication (auth.h).
  auth_missing,       // no authentication header and trailer extension pair
  auth_unsupported,   // a ciphersuite we cannot check (RSA-SHA256, unknown)
  auth_mac_mismatch,  // the MAC does not match the segment (keep last: tests iterate to it)
};

// A short human-readable explanation, e.g. "SDNV longer than 10 octets".
std::string_view describe(Error e);

// The enumerator's name, e.g. "sdnv_too_long" (stable; used in JSON output).
std::string_view name(Error e);

}  // namespace ltp::codec
