// ReportBuilder: turns the red bytes an import session has received
// inside a report's scope into one or more report segments.
//
// A report carries at most max_claims claims (ION sends at most 20, and a
// report must fit the span's segment size); a bigger one is split into
// several reports with consecutive bounds, each its own serial, so that
// every byte of [lower, upper) is in exactly one report's scope and what
// no claim covers is a gap the sender retransmits. Pure: the engine feeds
// it the received ranges and stores what it returns.
#pragma once

#include <cstdint>
#include <vector>

#include "libltp/codec/claims.h"
#include "libltp/db/interval_set.h"

namespace ltp::engine {

struct PlannedReport {
  std::uint64_t lower_bound;
  std::uint64_t upper_bound;
  std::vector<codec::Claim> claims;  // offsets relative to lower_bound
};

// `received`: the received ranges clipped to [lower, upper), in order.
std::vector<PlannedReport> plan_reports(std::uint64_t lower, std::uint64_t upper,
                                        const std::vector<db::ByteRange>& received,
                                        std::size_t max_claims);

// How many claims fit in one report segment of `max_segment_size` octets
// (never more than ION's 20, never fewer than 1).
std::size_t max_claims_per_report(std::uint64_t max_segment_size, std::uint64_t upper_bound);

}  // namespace ltp::engine
