// Retransmission limits for checkpoints, reports and cancel segments.
//
// By default derived, as ION 4.1.3 does, from the node's maxber and the
// span's maximum segment size: the chance that a segment is lost is
// p = 1 - (1 - maxber)^(8 * segment size), capped at 0.99 (a maxber outside
// (0, 1) counts as ION's default 1e-6), and the limit is the smallest n
// with p^n at most one in a million, but never below 3. With ION's default
// maxber and 1400-octet segments that is 4 retransmissions, which is what
// ION does on the wire (tests/interop/captures/ion-rlexc.pcap: the
// checkpoint goes out 5 times, then the cancel).
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

// The chance that one segment of the span's size is lost, by maxber (the
// loss a link's configured error rate explains: rate_model.h).
double segment_loss(double maxber, std::uint64_t max_segment_size);
// Retransmissions allowed after the first transmission.
std::uint64_t derived_limit(double maxber, std::uint64_t max_segment_size);
RetransmitLimits retransmit_limits(const db::NodeConfig& node, const db::SpanConfig& span);

}  // namespace ltp::engine
