// Decoding of hand-written segments: known-good vectors and one test per
// malformed class, each expecting its own Error.
#include "libltp/codec/decode.h"

#include <gtest/gtest.h>

#include <vector>

#include "libltp/codec/testing/hex.h"

namespace ltp::codec {
namespace {

using testing::from_hex;

Error decode_error(std::string_view hex) {
  const auto bytes = from_hex(hex);
  auto result = decode(bytes);
  EXPECT_FALSE(result) << "decoded unexpectedly: " << hex;
  return result ? Error::truncated : result.error();
}

std::vector<Claim> claims_of(const ReportSegment& report) {
  return {report.claims.begin(), report.claims.end()};
}

TEST(Decode, CancelFromReceiverAsIonSendsIt) {
  const auto bytes = from_hex("0e 01 04 00 01");  // from ion-unreach.pcap
  auto result = decode(bytes);
  ASSERT_TRUE(result);
  const Segment& s = result.value();
  EXPECT_EQ(s.header.type, SegmentType::cancel_from_receiver);
  EXPECT_EQ(s.header.session, (SessionId{1, 4}));
  EXPECT_EQ(std::get<Cancel>(s.body).reason, CancelReason::unreachable);
}

TEST(Decode, FourOctetCancelAck) {
  const auto bytes = from_hex("0f 01 04 00");
  auto result = decode(bytes);
  ASSERT_TRUE(result);
  EXPECT_EQ(result.value().header.type, SegmentType::cancel_ack_to_receiver);
  EXPECT_TRUE(std::holds_alternative<CancelAck>(result.value().body));
}

TEST(Decode, CheckpointDataSegmentWithoutCopying) {
  // EORP+EOB checkpoint, session 1/4, client 1, offset 0x80, length 3,
  // checkpoint serial 7, report serial 0, payload "abc".
  const auto bytes = from_hex("03 01 04 00 01 81 00 03 07 00 61 62 63");
  auto result = decode(bytes);
  ASSERT_TRUE(result);
  const auto& data = std::get<DataSegment>(result.value().body);
  EXPECT_EQ(data.client_service_id, 1u);
  EXPECT_EQ(data.offset, 0x80u);
  EXPECT_EQ(data.length(), 3u);
  ASSERT_TRUE(data.checkpoint);
  EXPECT_EQ(data.checkpoint->checkpoint_serial, 7u);
  EXPECT_EQ(data.checkpoint->report_serial, 0u);
  EXPECT_EQ(data.payload.data(), bytes.data() + 10);  // a view, not a copy
}

TEST(Decode, ReportWithClaimsRelativeToLowerBound) {
  // RS serial 5, CP 7, upper 100, lower 10, 2 claims: [10,20) and [40,90).
  const auto bytes = from_hex("08 01 04 00 05 07 64 0a 02 00 0a 1e 32");
  auto result = decode(bytes);
  ASSERT_TRUE(result);
  const auto& report = std::get<ReportSegment>(result.value().body);
  EXPECT_EQ(report.report_serial, 5u);
  EXPECT_EQ(report.checkpoint_serial, 7u);
  EXPECT_EQ(report.upper_bound, 100u);
  EXPECT_EQ(report.lower_bound, 10u);
  EXPECT_EQ(claims_of(report), (std::vector<Claim>{{0, 10}, {30, 50}}));
}

TEST(Decode, Rfc5327AuthenticationHeaderExample) {
  // Header extension: tag 0, length 2, ciphersuite 0, key ID 0x24; RA
  // serial 1; trailer extension: tag 0, length 0.
  const auto bytes = from_hex("09 01 04 11 00 02 00 24 01 00 00");
  auto result = decode(bytes);
  ASSERT_TRUE(result);
  const Header& h = result.value().header;
  ASSERT_EQ(h.header_extensions.size(), 1u);
  ASSERT_EQ(h.trailer_extensions.size(), 1u);
  const Extension e = *h.header_extensions.begin();
  EXPECT_EQ(e.tag, 0);
  EXPECT_EQ(e.value.size(), 2u);
  EXPECT_EQ(e.value[1], 0x24);
}

TEST(Decode, KeepAlive) {
  EXPECT_EQ(decode_error("00 00 00 00"), Error::keep_alive);
  EXPECT_TRUE(is_keep_alive(from_hex("00000000")));
  EXPECT_FALSE(is_keep_alive(from_hex("0000000000")));
}

TEST(DecodeMalformed, Empty) {
  EXPECT_EQ(decode(std::span<const std::uint8_t>{}).error(), Error::truncated);
}

TEST(DecodeMalformed, TruncatedHeader) {
  EXPECT_EQ(decode_error("0e 01"), Error::truncated);
  EXPECT_EQ(decode_error("0e 01 84"), Error::truncated);     // SDNV cut short
  EXPECT_EQ(decode_error("0e 01 04 00"), Error::truncated);  // no reason octet
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64"), Error::truncated);
}

TEST(DecodeMalformed, OverlongSdnv) {
  EXPECT_EQ(decode_error("09 80 80 80 80 80 80 80 80 80 80 01 04 00 01"), Error::sdnv_too_long);
}

TEST(DecodeMalformed, SdnvOver64Bits) {
  EXPECT_EQ(decode_error("09 01 82 80 80 80 80 80 80 80 80 00 00 01"), Error::sdnv_overflow);
}

TEST(DecodeMalformed, VersionNotZero) {
  EXPECT_EQ(decode_error("1e 01 04 00 01"), Error::bad_version);
}

TEST(DecodeMalformed, UndefinedTypes) {
  for (const char* hex : {"05 01 04 00", "06 01 04 00", "0a 01 04 00", "0b 01 04 00"}) {
    EXPECT_EQ(decode_error(hex), Error::undefined_type) << hex;
  }
}

TEST(DecodeMalformed, DataLengthZero) {
  EXPECT_EQ(decode_error("00 01 04 00 01 00 00"), Error::data_length_zero);
}

TEST(DecodeMalformed, DataOffsetPlusLengthOverflows) {
  // offset 2^64 - 1, length 2.
  EXPECT_EQ(decode_error("00 01 04 00 01 81 ff ff ff ff ff ff ff ff 7f 02 aa bb"),
            Error::data_range_overflow);
}

TEST(DecodeMalformed, PayloadShorterThanLength) {
  EXPECT_EQ(decode_error("00 01 04 00 01 00 05 aa bb"), Error::payload_truncated);
}

TEST(DecodeMalformed, CheckpointSerialZero) {
  EXPECT_EQ(decode_error("01 01 04 00 01 00 01 00 00 aa"), Error::checkpoint_serial_zero);
}

TEST(DecodeMalformed, ReportSerialZero) {
  EXPECT_EQ(decode_error("08 01 04 00 00 07 64 0a 01 00 0a"), Error::report_serial_zero);
  EXPECT_EQ(decode_error("09 01 04 00 00"), Error::report_serial_zero);
}

TEST(DecodeMalformed, LowerBoundNotBelowUpperBound) {
  EXPECT_EQ(decode_error("08 01 04 00 05 07 0a 0a 00"), Error::bounds_inverted);
  EXPECT_EQ(decode_error("08 01 04 00 05 07 0a 14 00"), Error::bounds_inverted);
}

TEST(DecodeMalformed, ClaimCountLargerThanTheBytes) {
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 03 00 0a 1e 32"), Error::claim_count_too_large);
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a ff ff ff ff 0f 00 0a"),
            Error::claim_count_too_large);
}

TEST(DecodeMalformed, EmptyClaim) {
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 01 00 00"), Error::claim_empty);
}

TEST(DecodeMalformed, OverlappingClaims) {
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 02 00 0a 05 0a"), Error::claim_overlapping);
}

TEST(DecodeMalformed, AdjacentClaims) {
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 02 00 0a 0a 0a"), Error::claim_adjacent);
}

TEST(DecodeMalformed, ClaimsOutOfOrder) {
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 02 1e 0a 00 0a"), Error::claim_out_of_order);
}

TEST(DecodeMalformed, ClaimOutsideBounds) {
  // Span is 90: a claim [80, 100) reaches past the upper bound.
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 01 50 14"), Error::claim_out_of_bounds);
  // Offset at the span's end.
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 01 5a 01"), Error::claim_out_of_bounds);
  // Length near 2^64: must not wrap around.
  EXPECT_EQ(decode_error("08 01 04 00 05 07 64 0a 01 05 81 ff ff ff ff ff ff ff ff 7f"),
            Error::claim_out_of_bounds);
}

TEST(DecodeMalformed, ExtensionPastTheEnd) {
  EXPECT_EQ(decode_error("09 01 04 10"), Error::extension_truncated);     // no tag
  EXPECT_EQ(decode_error("09 01 04 10 00"), Error::extension_truncated);  // no length
  EXPECT_EQ(decode_error("09 01 04 10 00 05 00 24 01"), Error::extension_truncated);
  EXPECT_EQ(decode_error("09 01 04 01 01 00 09"), Error::extension_truncated);  // trailer
}

TEST(DecodeMalformed, TrailingGarbage) {
  EXPECT_EQ(decode_error("0e 01 04 00 01 ff"), Error::trailing_bytes);
  EXPECT_EQ(decode_error("0f 01 04 00 00"), Error::trailing_bytes);
  EXPECT_EQ(decode_error("00 01 04 00 01 00 01 aa bb"), Error::trailing_bytes);
}

TEST(DecodePrefix, LeavesSurplusOctetsToTheCaller) {
  // An RS as ION 4.1.3 sends it: three stale octets after the last claim.
  const auto bytes = from_hex("08 01 04 00 05 07 64 0a 01 00 0a 35 d6 68");
  EXPECT_EQ(decode(bytes).error(), Error::trailing_bytes);
  auto prefix = decode_prefix(bytes);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix.value().size, bytes.size() - 3);
  EXPECT_EQ(std::get<ReportSegment>(prefix.value().segment.body).claims.size(), 1u);
  // Anything wrong inside the segment is still an error.
  EXPECT_EQ(decode_prefix(from_hex("08 01 04 00 05 07 64 0a 01 00 00 35")).error(),
            Error::claim_empty);
  EXPECT_EQ(decode_prefix(from_hex("00 00 00 00")).error(), Error::keep_alive);
}

}  // namespace
}  // namespace ltp::codec
