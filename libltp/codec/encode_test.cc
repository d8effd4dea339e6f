// Encoding: exact bytes for known segments, scatter/gather output, and
// refusal of segments the decoder would reject.
#include "libltp/codec/encode.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "libltp/codec/decode.h"
#include "libltp/codec/testing/hex.h"
#include "libltp/codec/testing/random_segment.h"

namespace ltp::codec {
namespace {

using testing::from_hex;

std::vector<std::uint8_t> encoded(const Segment& s) {
  std::vector<std::uint8_t> out(encoded_size(s));
  auto written = encode(s, out);
  EXPECT_TRUE(written) << (written ? "" : describe(written.error()));
  return out;
}

Segment report(std::uint64_t lower, std::uint64_t upper, std::span<const Claim> claims) {
  Segment s;
  s.header.type = SegmentType::report;
  s.header.session = {1, 4};
  s.body = ReportSegment{5, 7, upper, lower, ClaimsView(claims)};
  return s;
}

TEST(Encode, KnownBytes) {
  Segment cancel;
  cancel.header.type = SegmentType::cancel_from_receiver;
  cancel.header.session = {1, 4};
  cancel.body = Cancel{CancelReason::unreachable};
  EXPECT_EQ(encoded(cancel), from_hex("0e 01 04 00 01"));

  Segment ack;
  ack.header.type = SegmentType::cancel_ack_to_receiver;
  ack.header.session = {1, 4};
  ack.body = CancelAck{};
  EXPECT_EQ(encoded(ack), from_hex("0f 01 04 00"));

  const std::vector<Claim> claims = {{0, 10}, {30, 50}};
  EXPECT_EQ(encoded(report(10, 100, claims)), from_hex("08 01 04 00 05 07 64 0a 02 00 0a 1e 32"));

  const auto key_id = from_hex("00 24");
  const auto mac = from_hex("");
  const std::vector<Extension> header_ext = {{0, key_id}};
  const std::vector<Extension> trailer_ext = {{0, mac}};
  Segment ra;
  ra.header.type = SegmentType::report_ack;
  ra.header.session = {1, 4};
  ra.header.header_extensions = ExtensionsView(header_ext);
  ra.header.trailer_extensions = ExtensionsView(trailer_ext);
  ra.body = ReportAck{1};
  EXPECT_EQ(encoded(ra), from_hex("09 01 04 11 00 02 00 24 01 00 00"));
}

TEST(Encode, GatherListMatchesContiguousEncoding) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    const SegmentType type = testing::kAllSegmentTypes[i % testing::kAllSegmentTypes.size()];
    testing::RandomSegment random(rng, type, i % 2 == 0);
    const Segment& s = random.segment();
    std::vector<std::uint8_t> scratch(encoded_size_without_payload(s));
    auto gathered = encode_gather(s, scratch);
    ASSERT_TRUE(gathered);
    std::vector<std::uint8_t> joined;
    for (std::size_t k = 0; k < gathered.value().count; ++k) {
      const iovec& v = gathered.value().iov[k];
      const auto* base = static_cast<const std::uint8_t*>(v.iov_base);
      joined.insert(joined.end(), base, base + v.iov_len);
    }
    EXPECT_EQ(joined.size(), gathered.value().total_size);
    EXPECT_EQ(joined, encoded(s));
    if (const auto* data = std::get_if<DataSegment>(&s.body)) {
      EXPECT_EQ(gathered.value().iov[1].iov_base, data->payload.data());  // not copied
    }
  }
}

TEST(Encode, RefusesShortBuffers) {
  std::mt19937_64 rng(7);
  testing::RandomSegment random(rng, SegmentType::red_checkpoint, true);
  const std::size_t size = encoded_size(random.segment());
  std::vector<std::uint8_t> out(size - 1);
  EXPECT_EQ(encode(random.segment(), out).error(), Error::buffer_too_small);
  std::vector<std::uint8_t> scratch(encoded_size_without_payload(random.segment()) - 1);
  EXPECT_EQ(encode_gather(random.segment(), scratch).error(), Error::buffer_too_small);
}

TEST(Encode, RefusesWhatTheDecoderWouldReject) {
  std::vector<std::uint8_t> out(256);
  const std::vector<Claim> overlapping = {{0, 10}, {5, 10}};
  EXPECT_EQ(encode(report(10, 100, overlapping), out).error(), Error::claim_overlapping);
  EXPECT_EQ(encode(report(100, 100, {}), out).error(), Error::bounds_inverted);

  Segment s;
  s.header.type = SegmentType::red_checkpoint;
  const std::uint8_t byte = 1;
  s.body = DataSegment{1, 0, CheckpointSerials{0, 0}, {&byte, 1}};
  EXPECT_EQ(encode(s, out).error(), Error::checkpoint_serial_zero);
  s.body = DataSegment{1, 0, std::nullopt, {&byte, 1}};  // a checkpoint type without serials
  EXPECT_EQ(encode(s, out).error(), Error::body_type_mismatch);
  s.header.type = SegmentType::red_data;
  s.body = DataSegment{1, 0, std::nullopt, {}};
  EXPECT_EQ(encode(s, out).error(), Error::data_length_zero);
  s.header.version = 1;
  EXPECT_EQ(encode(s, out).error(), Error::bad_version);
  s.header.version = 0;
  s.header.type = static_cast<SegmentType>(5);
  EXPECT_EQ(encode(s, out).error(), Error::undefined_type);

  s.header.type = SegmentType::report_ack;
  s.body = ReportAck{1};
  const std::vector<Extension> sixteen(16);
  s.header.header_extensions = ExtensionsView(sixteen);
  EXPECT_EQ(encode(s, out).error(), Error::too_many_extensions);
}

}  // namespace
}  // namespace ltp::codec
