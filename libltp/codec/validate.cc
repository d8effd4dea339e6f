#include "libltp/codec/validate.h"

#include <limits>

namespace ltp::codec {

namespace {

Result<void, Error> validate_data(const DataSegment& data) {
  if (data.length() == 0) return failure(Error::data_length_zero);
  if (data.offset > std::numeric_limits<std::uint64_t>::max() - data.length()) {
    return failure(Error::data_range_overflow);
  }
  if (data.checkpoint && data.checkpoint->checkpoint_serial == 0) {
    return failure(Error::checkpoint_serial_zero);
  }
  return success();
}

Result<void, Error> validate_report(const ReportSegment& report) {
  if (report.report_serial == 0) return failure(Error::report_serial_zero);
  if (report.lower_bound >= report.upper_bound) return failure(Error::bounds_inverted);
  ClaimChecker checker(report.lower_bound, report.upper_bound);
  for (const Claim& claim : report.claims) {
    BOOST_OUTCOME_TRYV(checker.add(claim));
  }
  return success();
}

Result<void, Error> validate_report_ack(const ReportAck& ack) {
  if (ack.report_serial == 0) return failure(Error::report_serial_zero);
  return success();
}

}  // namespace

Result<void, Error> validate(const Segment& segment) {
  const Header& header = segment.header;
  if (header.version != 0) return failure(Error::bad_version);
  if (!is_defined_type(static_cast<std::uint8_t>(header.type))) {
    return failure(Error::undefined_type);
  }
  if (header.header_extensions.size() > kMaxExtensions ||
      header.trailer_extensions.size() > kMaxExtensions) {
    return failure(Error::too_many_extensions);
  }
  if (!body_matches_type(header.type, segment.body)) return failure(Error::body_type_mismatch);
  if (const auto* data = std::get_if<DataSegment>(&segment.body)) return validate_data(*data);
  if (const auto* report = std::get_if<ReportSegment>(&segment.body)) {
    return validate_report(*report);
  }
  if (const auto* ack = std::get_if<ReportAck>(&segment.body)) return validate_report_ack(*ack);
  return success();
}

}  // namespace ltp::codec
