#include "libltp/codec/claims.h"

#include "libltp/codec/byte_io.h"

namespace ltp::codec {

Claim Claim::read_validated(const std::uint8_t*& pos) {
  Claim claim;
  claim.offset = read_validated_sdnv(pos);
  claim.length = read_validated_sdnv(pos);
  return claim;
}

Result<void, Error> ClaimChecker::add(const Claim& claim) {
  if (claim.length == 0) return failure(Error::claim_empty);
  // Everything relative to the lower bound; upper_ - lower_ cannot wrap.
  const std::uint64_t span = upper_ - lower_;
  if (claim.offset >= span || claim.length > span - claim.offset) {
    return failure(Error::claim_out_of_bounds);
  }
  if (!first_) {
    if (claim.offset < previous_start_) return failure(Error::claim_out_of_order);
    if (claim.offset < previous_end_) return failure(Error::claim_overlapping);
    if (claim.offset == previous_end_) return failure(Error::claim_adjacent);
  }
  first_ = false;
  previous_start_ = claim.offset;
  previous_end_ = claim.offset + claim.length;
  return success();
}

}  // namespace ltp::codec
