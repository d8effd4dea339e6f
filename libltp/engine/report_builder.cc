#include "libltp/engine/report_builder.h"

#include <algorithm>

#include "libltp/codec/sdnv.h"

namespace ltp::engine {

std::vector<PlannedReport> plan_reports(std::uint64_t lower, std::uint64_t upper,
                                        const std::vector<db::ByteRange>& received,
                                        std::size_t max_claims) {
  std::vector<PlannedReport> reports;
  PlannedReport current{lower, upper, {}};
  for (std::size_t i = 0; i < received.size(); ++i) {
    if (current.claims.size() == max_claims) {
      // Close this report where its last claim ends; the next one starts
      // there, so the gap before the next claim falls in its scope.
      const auto& last = current.claims.back();
      current.upper_bound = current.lower_bound + last.offset + last.length;
      const std::uint64_t next_lower = current.upper_bound;
      reports.push_back(std::move(current));
      current = PlannedReport{next_lower, upper, {}};
    }
    const db::ByteRange r = received[i];
    current.claims.push_back({r.start - current.lower_bound, r.length()});
  }
  reports.push_back(std::move(current));
  return reports;
}

std::size_t max_claims_per_report(std::uint64_t max_segment_size, std::uint64_t upper_bound) {
  constexpr std::size_t kIonMaxClaims = 20;
  // Header, serials and bounds take at most this much.
  constexpr std::uint64_t kFixedOverhead =
      1 + 2 * codec::kMaxSdnvSize + 1 + 5 * codec::kMaxSdnvSize;
  const std::uint64_t per_claim = 2 * codec::sdnv_size(upper_bound);
  if (max_segment_size <= kFixedOverhead + per_claim) return 1;
  return std::clamp<std::size_t>((max_segment_size - kFixedOverhead) / per_claim, 1, kIonMaxClaims);
}

}  // namespace ltp::engine
