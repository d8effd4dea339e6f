#include "libltp/codec/error.h"

namespace ltp::codec {

namespace {
struct ErrorText {
  std::string_view name;
  std::string_view description;
};

constexpr ErrorText text(Error e) {
  switch (e) {
    case Error::truncated:
      return {"truncated", "segment truncated: a field runs past the end"};
    case Error::sdnv_too_long:
      return {"sdnv_too_long", "SDNV longer than 10 octets"};
    case Error::sdnv_overflow:
      return {"sdnv_overflow", "SDNV value exceeds 64 bits"};
    case Error::trailing_bytes:
      return {"trailing_bytes", "trailing bytes after the segment"};
    case Error::keep_alive:
      return {"keep_alive", "keep-alive (4 zero octets), not a segment"};
    case Error::bad_version:
      return {"bad_version", "version is not 0"};
    case Error::undefined_type:
      return {"undefined_type", "undefined segment type (5, 6, 10, 11)"};
    case Error::extension_truncated:
      return {"extension_truncated", "extension runs past the end of the segment"};
    case Error::data_length_zero:
      return {"data_length_zero", "data segment with length 0"};
    case Error::data_range_overflow:
      return {"data_range_overflow", "data offset + length exceeds 2^64 - 1"};
    case Error::payload_truncated:
      return {"payload_truncated", "fewer data octets than the length field says"};
    case Error::checkpoint_serial_zero:
      return {"checkpoint_serial_zero", "checkpoint serial number is 0"};
    case Error::report_serial_zero:
      return {"report_serial_zero", "report serial number is 0"};
    case Error::bounds_inverted:
      return {"bounds_inverted", "report lower bound is not below upper bound"};
    case Error::claim_count_too_large:
      return {"claim_count_too_large", "claim count larger than the remaining octets can hold"};
    case Error::claim_empty:
      return {"claim_empty", "reception claim of length 0"};
    case Error::claim_out_of_order:
      return {"claim_out_of_order", "reception claims out of order"};
    case Error::claim_overlapping:
      return {"claim_overlapping", "reception claims overlap"};
    case Error::claim_adjacent:
      return {"claim_adjacent", "reception claims adjacent (should be merged)"};
    case Error::claim_out_of_bounds:
      return {"claim_out_of_bounds", "reception claim outside [lower bound, upper bound)"};
    case Error::buffer_too_small:
      return {"buffer_too_small", "output buffer too small"};
    case Error::too_many_extensions:
      return {"too_many_extensions", "more than 15 header or trailer extensions"};
    case Error::body_type_mismatch:
      return {"body_type_mismatch", "segment body does not match the segment type"};
    case Error::auth_missing:
      return {"auth_missing", "no authentication header and trailer extensions"};
    case Error::auth_unsupported:
      return {"auth_unsupported", "unsupported authentication ciphersuite"};
    case Error::auth_mac_mismatch:
      return {"auth_mac_mismatch", "authentication MAC mismatch"};
  }
  return {"unknown", "unknown error"};
}
}  // namespace

std::string_view describe(Error e) { return text(e).description; }
std::string_view name(Error e) { return text(e).name; }

}  // namespace ltp::codec
