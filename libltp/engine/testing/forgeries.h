// Forgeries: the segments an attacker who knows a session's number aims at
// it — a report claiming the whole block, a cancel from either end, red
// data overwriting the block's start — for the engine tests of
// authentication and cookies (authentication_test.cc, cookie_test.cc).
#pragma once

#include <cstdint>
#include <vector>

#include "libltp/codec/encode.h"
#include "libltp/codec/segment.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine::testing {

class Forgeries {
 public:
  Forgeries(codec::SessionId session, std::uint64_t block_length)
      : session_(session), whole_{{0, block_length}}, junk_(900, 0xee) {}

  // The segments' views point into this object: keep it while they live.
  codec::Segment report() const {
    codec::Segment s = header(codec::SegmentType::report);
    s.body = codec::ReportSegment{77, 0, whole_[0].length, 0, codec::ClaimsView(whole_)};
    return s;
  }
  codec::Segment cancel(codec::SegmentType type) const {
    codec::Segment s = header(type);
    s.body = codec::Cancel{codec::CancelReason::user_cancelled};
    return s;
  }
  codec::Segment data() const {
    codec::Segment s = header(codec::SegmentType::red_data);
    s.body = codec::DataSegment{kClient, 0, std::nullopt, junk_};
    return s;
  }

  static std::vector<std::uint8_t> encoded(const codec::Segment& segment) {
    std::vector<std::uint8_t> bytes(codec::encoded_size(segment));
    (void)codec::encode(segment, bytes);
    return bytes;
  }

 private:
  codec::Segment header(codec::SegmentType type) const {
    codec::Segment s;
    s.header.type = type;
    s.header.session = session_;
    return s;
  }
  codec::SessionId session_;
  std::vector<codec::Claim> whole_;
  std::vector<std::uint8_t> junk_;
};

}  // namespace ltp::engine::testing
