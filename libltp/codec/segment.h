// Segment: one LTP segment (RFC 5326 section 3) as plain values.
//
// What decode() produces and encode() consumes; the engine, the link
// service adapters and ltpdump all work with it. Payload, claims and
// extensions are views: after decode() they point into the datagram, so
// the datagram must outlive the Segment.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "libltp/codec/claims.h"
#include "libltp/codec/extensions.h"

namespace ltp::codec {

// The segment type code (low nibble of the control byte). 5, 6, 10 and 11
// are undefined and never appear in a decoded Segment.
enum class SegmentType : std::uint8_t {
  red_data = 0,
  red_checkpoint = 1,
  red_checkpoint_eorp = 2,
  red_checkpoint_eorp_eob = 3,
  green_data = 4,
  green_data_eob = 7,
  report = 8,
  report_ack = 9,
  cancel_from_sender = 12,
  cancel_ack_to_sender = 13,
  cancel_from_receiver = 14,
  cancel_ack_to_receiver = 15,
};

constexpr bool is_defined_type(std::uint8_t code) {
  return code <= 15 && code != 5 && code != 6 && code != 10 && code != 11;
}
constexpr bool is_data(SegmentType t) { return static_cast<std::uint8_t>(t) <= 7; }
constexpr bool is_red_data(SegmentType t) { return static_cast<std::uint8_t>(t) <= 3; }
constexpr bool is_green_data(SegmentType t) {
  return t == SegmentType::green_data || t == SegmentType::green_data_eob;
}
// Types 1-3 carry checkpoint and report serial numbers.
constexpr bool is_checkpoint(SegmentType t) {
  const auto code = static_cast<std::uint8_t>(t);
  return code >= 1 && code <= 3;
}
constexpr bool is_end_of_red_part(SegmentType t) {
  return t == SegmentType::red_checkpoint_eorp || t == SegmentType::red_checkpoint_eorp_eob;
}
constexpr bool is_end_of_block(SegmentType t) {
  return t == SegmentType::red_checkpoint_eorp_eob || t == SegmentType::green_data_eob;
}

// Short name as in RFC 5326 3.1 ("red data, CP, EORP, EOB", "RS", "CAR"...).
std::string_view type_name(SegmentType t);

struct SessionId {
  std::uint64_t originator = 0;  // engine ID of the session's sender
  std::uint64_t number = 0;
  friend bool operator==(const SessionId&, const SessionId&) = default;
};

struct Header {
  std::uint8_t version = 0;  // always 0 in a decoded segment
  SegmentType type = SegmentType::red_data;
  SessionId session;
  ExtensionsView header_extensions;
  ExtensionsView trailer_extensions;
  friend bool operator==(const Header&, const Header&) = default;
};

struct CheckpointSerials {
  std::uint64_t checkpoint_serial = 0;  // never 0
  std::uint64_t report_serial = 0;      // 0 unless answering a report
  friend bool operator==(const CheckpointSerials&, const CheckpointSerials&) = default;
};

// Types 0-4 and 7. `checkpoint` is present exactly for types 1-3.
struct DataSegment {
  std::uint64_t client_service_id = 0;
  std::uint64_t offset = 0;
  std::optional<CheckpointSerials> checkpoint;
  std::span<const std::uint8_t> payload;  // never empty; its size is the length field

  std::uint64_t length() const { return payload.size(); }
  friend bool operator==(const DataSegment& a, const DataSegment& b) {
    return a.client_service_id == b.client_service_id && a.offset == b.offset &&
           a.checkpoint == b.checkpoint && std::ranges::equal(a.payload, b.payload);
  }
};

// Type 8.
struct ReportSegment {
  std::uint64_t report_serial = 0;      // never 0
  std::uint64_t checkpoint_serial = 0;  // 0 for an asynchronous report
  std::uint64_t upper_bound = 0;
  std::uint64_t lower_bound = 0;  // < upper_bound
  ClaimsView claims;              // offsets relative to lower_bound
  friend bool operator==(const ReportSegment&, const ReportSegment&) = default;
};

// Type 9.
struct ReportAck {
  std::uint64_t report_serial = 0;  // never 0
  friend bool operator==(const ReportAck&, const ReportAck&) = default;
};

// RFC 5326 3.2.4 reason codes; other octet values are reserved but carried.
enum class CancelReason : std::uint8_t {
  user_cancelled = 0,         // USR_CNCLD
  unreachable = 1,            // UNREACH
  retransmission_limit = 2,   // RLEXC
  miscolored = 3,             // MISCOLORED
  system_cancelled = 4,       // SYS_CNCLD
  retransmission_cycles = 5,  // RXMTCYCEXC
};

// "USR_CNCLD", "UNREACH", ... or "reserved" for other codes.
std::string_view reason_name(CancelReason r);

// Types 12 and 14.
struct Cancel {
  CancelReason reason = CancelReason::user_cancelled;
  friend bool operator==(const Cancel&, const Cancel&) = default;
};

// Types 13 and 15: no content.
struct CancelAck {
  friend bool operator==(const CancelAck&, const CancelAck&) = default;
};

using Body = std::variant<DataSegment, ReportSegment, ReportAck, Cancel, CancelAck>;

struct Segment {
  Header header;
  Body body;
  friend bool operator==(const Segment&, const Segment&) = default;
};

// Whether `body` holds the alternative that segment type `t` requires.
bool body_matches_type(SegmentType t, const Body& body);

}  // namespace ltp::codec
