// Reception claims of a report segment (RFC 5326 3.2.2) and their rules.
//
// A claim's offset is relative to the report's lower bound. The decoder
// and the encoder both run every claim through ClaimChecker, so a report
// that decodes is one the encoder would produce and vice versa. The
// engine reads claims through ClaimsView (no allocation, any count).
#pragma once

#include <cstdint>

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/sequence_view.h"

namespace ltp::codec {

struct Claim {
  std::uint64_t offset = 0;  // relative to the report's lower bound
  std::uint64_t length = 0;

  // Reads one claim from bytes the decoder has validated.
  static Claim read_validated(const std::uint8_t*& pos);
  friend bool operator==(const Claim&, const Claim&) = default;
};

using ClaimsView = SequenceView<Claim>;

// Checks claims one by one, in wire order, against the report's bounds:
// each is non-empty, inside [lower, upper), and starts strictly after the
// previous one ends (neither overlapping nor adjacent).
class ClaimChecker {
 public:
  // Requires lower < upper (checked separately: bounds_inverted).
  ClaimChecker(std::uint64_t lower_bound, std::uint64_t upper_bound)
      : lower_(lower_bound), upper_(upper_bound) {}

  Result<void, Error> add(const Claim& claim);

 private:
  std::uint64_t lower_;
  std::uint64_t upper_;
  bool first_ = true;
  std::uint64_t previous_start_ = 0;  // relative to lower_
  std::uint64_t previous_end_ = 0;    // relative to lower_, exclusive
};

}  // namespace ltp::codec
