#include "libltp/codec/decode.h"

#include <algorithm>

#include "libltp/codec/byte_io.h"
#include "libltp/codec/validate.h"

namespace ltp::codec {

namespace {

// Checks that `count` extensions lie in the bytes ahead and returns a view
// of them. Any shortfall, including a truncated length SDNV, is
// extension_truncated; an oversized length SDNV keeps its own error.
Result<ExtensionsView, Error> read_extensions(ByteReader& in, std::size_t count) {
  const std::uint8_t* start = in.here();
  for (std::size_t i = 0; i < count; ++i) {
    BOOST_OUTCOME_TRYV(in.octet(Error::extension_truncated));
    auto length = in.sdnv();
    if (!length) {
      return failure(length.error() == Error::truncated ? Error::extension_truncated
                                                        : length.error());
    }
    BOOST_OUTCOME_TRYV(in.take(length.value(), Error::extension_truncated));
  }
  return ExtensionsView::over_validated_wire({start, in.here()}, count);
}

Result<DataSegment, Error> read_data(ByteReader& in, SegmentType type) {
  DataSegment data;
  BOOST_OUTCOME_TRY(client, in.sdnv());
  BOOST_OUTCOME_TRY(offset, in.sdnv());
  BOOST_OUTCOME_TRY(length, in.sdnv());
  data.client_service_id = client;
  data.offset = offset;
  if (is_checkpoint(type)) {
    BOOST_OUTCOME_TRY(checkpoint_serial, in.sdnv());
    BOOST_OUTCOME_TRY(report_serial, in.sdnv());
    data.checkpoint = CheckpointSerials{checkpoint_serial, report_serial};
  }
  BOOST_OUTCOME_TRY(payload, in.take(length, Error::payload_truncated));
  data.payload = payload;
  return data;
}

Result<ReportSegment, Error> read_report(ByteReader& in) {
  ReportSegment report;
  BOOST_OUTCOME_TRY(report_serial, in.sdnv());
  BOOST_OUTCOME_TRY(checkpoint_serial, in.sdnv());
  BOOST_OUTCOME_TRY(upper, in.sdnv());
  BOOST_OUTCOME_TRY(lower, in.sdnv());
  BOOST_OUTCOME_TRY(count, in.sdnv());
  report.report_serial = report_serial;
  report.checkpoint_serial = checkpoint_serial;
  report.upper_bound = upper;
  report.lower_bound = lower;
  // A claim takes at least two octets; refuse a count the bytes cannot
  // hold before reading any of them.
  if (count > in.remaining() / 2) return failure(Error::claim_count_too_large);
  const std::uint8_t* start = in.here();
  for (std::uint64_t i = 0; i < count; ++i) {
    BOOST_OUTCOME_TRYV(in.sdnv());
    BOOST_OUTCOME_TRYV(in.sdnv());
  }
  report.claims =
      ClaimsView::over_validated_wire({start, in.here()}, static_cast<std::size_t>(count));
  return report;
}

Result<Body, Error> read_body(ByteReader& in, SegmentType type) {
  if (is_data(type)) {
    BOOST_OUTCOME_TRY(data, read_data(in, type));
    return Body{data};
  }
  switch (type) {
    case SegmentType::report: {
      BOOST_OUTCOME_TRY(report, read_report(in));
      return Body{report};
    }
    case SegmentType::report_ack: {
      BOOST_OUTCOME_TRY(serial, in.sdnv());
      return Body{ReportAck{serial}};
    }
    case SegmentType::cancel_from_sender:
    case SegmentType::cancel_from_receiver: {
      BOOST_OUTCOME_TRY(reason, in.octet());
      return Body{Cancel{static_cast<CancelReason>(reason)}};
    }
    default:
      return Body{CancelAck{}};
  }
}

}  // namespace

bool is_keep_alive(std::span<const std::uint8_t> datagram) {
  return datagram.size() == 4 &&
         std::all_of(datagram.begin(), datagram.end(), [](std::uint8_t b) { return b == 0; });
}

Result<DecodedPrefix, Error> decode_prefix(std::span<const std::uint8_t> datagram) {
  if (is_keep_alive(datagram)) return failure(Error::keep_alive);
  ByteReader in(datagram);
  Segment segment;
  BOOST_OUTCOME_TRY(control, in.octet());
  segment.header.version = control >> 4;
  if (segment.header.version != 0) return failure(Error::bad_version);
  const std::uint8_t type_code = control & 0x0F;
  if (!is_defined_type(type_code)) return failure(Error::undefined_type);
  segment.header.type = static_cast<SegmentType>(type_code);

  BOOST_OUTCOME_TRY(originator, in.sdnv());
  BOOST_OUTCOME_TRY(number, in.sdnv());
  segment.header.session = {originator, number};

  BOOST_OUTCOME_TRY(counts, in.octet());
  BOOST_OUTCOME_TRY(header_extensions, read_extensions(in, counts >> 4));
  segment.header.header_extensions = header_extensions;

  BOOST_OUTCOME_TRY(body, read_body(in, segment.header.type));
  segment.body = body;

  BOOST_OUTCOME_TRY(trailer_extensions, read_extensions(in, counts & 0x0F));
  segment.header.trailer_extensions = trailer_extensions;

  BOOST_OUTCOME_TRYV(validate(segment));
  return DecodedPrefix{segment, in.position()};
}

Result<Segment, Error> decode(std::span<const std::uint8_t> datagram) {
  BOOST_OUTCOME_TRY(prefix, decode_prefix(datagram));
  if (prefix.size != datagram.size()) return failure(Error::trailing_bytes);
  return prefix.segment;
}

}  // namespace ltp::codec
