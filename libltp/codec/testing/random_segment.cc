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

namespace {

// A random value of random bit width (so SDNVs of 1 to 10 octets occur).
std::uint64_t random_field(std::mt19937_64& rng, unsigned max_bits) {
  const unsigned bits = std::uniform_int_distribution<unsigned>(0, max_bits)(rng);
  return bits == 0 ? 0 : rng() >> (64 - bits);
}

std::uint64_t random_nonzero(std::mt19937_64& rng, unsigned max_bits = 64) {
  return std::max<std::uint64_t>(1, random_field(rng, max_bits));
}

std::vector<std::uint8_t> random_bytes(std::mt19937_64& rng, std::size_t min, std::size_t max) {
  std::vector<std::uint8_t> bytes(std::uniform_int_distribution<std::size_t>(min, max)(rng));
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

// Sorted, non-empty, non-adjacent claims inside [0, upper - lower).
std::vector<Claim> random_claims(std::mt19937_64& rng, std::uint64_t span, std::size_t min_claims) {
  std::vector<Claim> claims;
  const std::size_t wanted = std::uniform_int_distribution<std::size_t>(min_claims, 25)(rng);
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

RandomSegment::RandomSegment(std::mt19937_64& rng, SegmentType type, bool with_extensions,
                             FieldLimits limits) {
  const unsigned bits = limits.value_bits;
  const std::uint64_t max_value = bits == 64 ? UINT64_MAX : (std::uint64_t{1} << bits) - 1;
  auto value = [&] { return random_field(rng, bits); };
  auto serial = [&] { return random_nonzero(rng, limits.serial_bits); };
  auto serial_or_zero = [&] { return random_field(rng, limits.serial_bits); };
  Header& header = segment_.header;
  header.type = type;
  header.session = {value(), value()};
  if (with_extensions) {
    const std::size_t header_count =
        std::uniform_int_distribution<std::size_t>(0, limits.max_header_extensions)(rng);
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
    data.client_service_id = value();
    data.offset = value() % (max_value - payload_.size() + 1);
    if (is_checkpoint(type)) data.checkpoint = CheckpointSerials{serial(), serial_or_zero()};
    data.payload = payload_;
    segment_.body = data;
  } else if (type == SegmentType::report) {
    ReportSegment report;
    report.report_serial = serial();
    report.checkpoint_serial = serial_or_zero();
    const unsigned bound_bits = limits.bound_bits;
    const std::uint64_t max_bound =
        bound_bits == 64 ? UINT64_MAX : (std::uint64_t{1} << bound_bits) - 1;
    report.lower_bound = std::min(random_field(rng, bound_bits), max_bound - 1);
    const std::uint64_t room = max_bound - report.lower_bound;  // at least 1
    report.upper_bound = report.lower_bound + 1 + random_field(rng, bound_bits) % room;
    claims_ = random_claims(rng, report.upper_bound - report.lower_bound, limits.min_claims);
    report.claims = ClaimsView(claims_);
    segment_.body = report;
  } else if (type == SegmentType::report_ack) {
    segment_.body = ReportAck{serial()};
  } else if (type == SegmentType::cancel_from_sender || type == SegmentType::cancel_from_receiver) {
    segment_.body = Cancel{static_cast<CancelReason>(rng() % 6)};
  } else {
    segment_.body = CancelAck{};
  }
}

}  // namespace ltp::codec::testing
