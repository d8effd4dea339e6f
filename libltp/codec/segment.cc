#include "libltp/codec/segment.h"

namespace ltp::codec {

std::string_view type_name(SegmentType t) {
  switch (t) {
    case SegmentType::red_data:
      return "red data";
    case SegmentType::red_checkpoint:
      return "red data, CP";
    case SegmentType::red_checkpoint_eorp:
      return "red data, CP, EORP";
    case SegmentType::red_checkpoint_eorp_eob:
      return "red data, CP, EORP, EOB";
    case SegmentType::green_data:
      return "green data";
    case SegmentType::green_data_eob:
      return "green data, EOB";
    case SegmentType::report:
      return "RS";
    case SegmentType::report_ack:
      return "RA";
    case SegmentType::cancel_from_sender:
      return "CS";
    case SegmentType::cancel_ack_to_sender:
      return "CAS";
    case SegmentType::cancel_from_receiver:
      return "CR";
    case SegmentType::cancel_ack_to_receiver:
      return "CAR";
  }
  return "undefined";
}

std::string_view reason_name(CancelReason r) {
  switch (r) {
    case CancelReason::user_cancelled:
      return "USR_CNCLD";
    case CancelReason::unreachable:
      return "UNREACH";
    case CancelReason::retransmission_limit:
      return "RLEXC";
    case CancelReason::miscolored:
      return "MISCOLORED";
    case CancelReason::system_cancelled:
      return "SYS_CNCLD";
    case CancelReason::retransmission_cycles:
      return "RXMTCYCEXC";
  }
  return "reserved";
}

bool body_matches_type(SegmentType t, const Body& body) {
  switch (t) {
    case SegmentType::report:
      return std::holds_alternative<ReportSegment>(body);
    case SegmentType::report_ack:
      return std::holds_alternative<ReportAck>(body);
    case SegmentType::cancel_from_sender:
    case SegmentType::cancel_from_receiver:
      return std::holds_alternative<Cancel>(body);
    case SegmentType::cancel_ack_to_sender:
    case SegmentType::cancel_ack_to_receiver:
      return std::holds_alternative<CancelAck>(body);
    default: {
      const auto* data = std::get_if<DataSegment>(&body);
      return data != nullptr && data->checkpoint.has_value() == is_checkpoint(t);
    }
  }
}

}  // namespace ltp::codec
