// Retransmission limits for checkpoints, reports and cancel segments.
//
// By default derived, as ION does, from the node's maxber and the span's
// maximum segment size: the chance that a segment is corrupted is
// p = 1 - (1 - maxber)^(8 * segment bits), and the limit is the smallest
// number of tries n with p^n below one in a million (at least 2 tries).
// A span can override each limit for links that lose far more than maxber
// predicts (congestion, outages). Called by the engine whenever a timer
// of that kind expires.
#pragma once

#include <cstdint>

#include "libltp/db/records.h"

namespace ltp::engine {

struct RetransmitLimits {
  std::uint64_t checkpoint;
  std::uint64_t report;
  std::uint64_t cancel;
};

// Retransmissions allowed after the first transmission.
std::uint64_t derived_limit(double maxber, std::uint64_t max_segment_size);
RetransmitLimits retransmit_limits(const db::NodeConfig& node, const db::SpanConfig& span);

}  // namespace ltp::engine
