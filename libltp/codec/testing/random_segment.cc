#include "libltp/codec/testing/random_segment.h"

#include <algorithm>

namespace ltp::codec::testing {

const std::vector<SegmentType> kAllSegmentTypes = {
    SegmentType::red_data,
    SegmentType::red_checkpoint,
    SegmentType::red_checkpoint_eorp,
    SegmentType::red_checkpoint_eorp_eob,
    SegmentType::green_data,
    SegmentType::green_data_eob,
    SegmentType::report,
    SegmentType::report_ack,
    SegmentType::cancel_from_sender,
    SegmentType::cancel_ack_to_sender,
    SegmentType::cancel_from_receiver,
    SegmentType::cancel_ack_to_receiver,
};

std::uint64_t random_field(std::mt19937_64& rng, unsigned max_bits) {
  const unsigned bits = std::uniform_int_distribution<unsigned>(0, max_bits)(rng);
  return bits == 0 ? 0 : rng() >> (64 - bits);
}

namespace {

std::uint64_t random_nonzero(std::mt19937_64& rng, unsigned max_bits = 64) {
  return std::max<std::uint64_t>(1, random_field(rng, max_bits));
}

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t min, std::size_t max) {
  std::vector<std::uint8_t> bytes(std::uniform_int_distribution<std::size_t>(min, max)(rng));
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

// Sorted, non-empty, non-adjacent claims inside [0, upper - lower).
std::vector<Claim> random_claims(std::mt19937_64& rng, std::uint64_t span) {
  std::vector<Claim> claims;
  const std::size_t wanted = std::uniform_int_distribution<std::size_t>(0, 25)(rng);
  std::uint64_t next_start = 0;  // the earliest offset the next claim may take
  for (std::size_t i = 0; i < wanted && next_start < span; ++i) {
    const std::uint64_t room = span - next_start;
    const std::uint64_t gap = random_field(rng, 64) % room;
    const std::uint64_t offset = next_start + gap;
    const std::uint64_t length = 1 + random_field(rng, 64) % (span - offset);
    claims.push_back({offset, length});
    if (span - (offset + length) < 2) break;  // no room for a gap and another claim
    next_start = offset + length + 1;
  }
  return claims;
}

}  // namespace

RandomSegment::RandomSegment(std::mt19937_64& rng, SegmentType type, bool with_extensions) {
  Header& header = segment_.header;
  header.type = type;
  header.session = {random_field(rng), random_field(rng)};
  if (with_extensions) {
    const std::size_t header_count = std::uniform_int_distribution<std::size_t>(0, 3)(rng);
    const std::size_t trailer_count =
        std::uniform_int_distribution<std::size_t>(header_count == 0 ? 1 : 0, 3)(rng);
    extension_values_.reserve(header_count + trailer_count);
    for (std::size_t i = 0; i < header_count + trailer_count; ++i) {
      extension_values_.push_back(random_bytes(rng, 0, 40));
      const Extension e{static_cast<std::uint8_t>(rng()), extension_values_.back()};
      (i < header_count ? header_extensions_ : trailer_extensions_).push_back(e);
    }
    header.header_extensions = ExtensionsView(header_extensions_);
    header.trailer_extensions = ExtensionsView(trailer_extensions_);
  }

  if (is_data(type)) {
    payload_ = random_bytes(rng, 1, 200);
    DataSegment data;
    data.client_service_id = random_field(rng);
    data.offset = random_field(rng) % (UINT64_MAX - payload_.size() + 1);
    if (is_checkpoint(type)) {
      data.checkpoint = CheckpointSerials{random_nonzero(rng), random_field(rng)};
    }
    data.payload = payload_;
    segment_.body = data;
  } else if (type == SegmentType::report) {
    ReportSegment report;
    report.report_serial = random_nonzero(rng);
    report.checkpoint_serial = random_field(rng);
    report.lower_bound = std::min(random_field(rng), UINT64_MAX - 1);
    const std::uint64_t room = UINT64_MAX - report.lower_bound;  // at least 1
    report.upper_bound = report.lower_bound + 1 + random_field(rng) % room;
    claims_ = random_claims(rng, report.upper_bound - report.lower_bound);
    report.claims = ClaimsView(claims_);
    segment_.body = report;
  } else if (type == SegmentType::report_ack) {
    segment_.body = ReportAck{random_nonzero(rng)};
  } else if (type == SegmentType::cancel_from_sender ||
             type == SegmentType::cancel_from_receiver) {
    segment_.body = Cancel{static_cast<CancelReason>(rng() % 6)};
  } else {
    segment_.body = CancelAck{};
  }
}

}  // namespace ltp::codec::testing
