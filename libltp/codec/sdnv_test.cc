#include "libltp/codec/sdnv.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace ltp::codec {
namespace {

std::vector<std::uint8_t> encoded(std::uint64_t value) {
  std::vector<std::uint8_t> out(kMaxSdnvSize);
  auto size = encode_sdnv(value, out);
  EXPECT_TRUE(size);
  out.resize(size.value());
  return out;
}

TEST(Sdnv, Rfc6256Examples) {
  EXPECT_EQ(encoded(0xABC), (std::vector<std::uint8_t>{0x95, 0x3C}));
  EXPECT_EQ(encoded(0x1234), (std::vector<std::uint8_t>{0xA4, 0x34}));
  EXPECT_EQ(encoded(0x4234), (std::vector<std::uint8_t>{0x81, 0x84, 0x34}));
  EXPECT_EQ(encoded(0x7F), (std::vector<std::uint8_t>{0x7F}));
  EXPECT_EQ(encoded(0), (std::vector<std::uint8_t>{0x00}));
}

TEST(Sdnv, DecodesRfcExamples) {
  const std::vector<std::uint8_t> bytes = {0x81, 0x84, 0x34, 0xFF};
  auto read = decode_sdnv(bytes);
  ASSERT_TRUE(read);
  EXPECT_EQ(read.value().value, 0x4234u);
  EXPECT_EQ(read.value().size, 3u);
}

TEST(Sdnv, SizeBoundaries) {
  EXPECT_EQ(sdnv_size(0x7F), 1u);
  EXPECT_EQ(sdnv_size(0x80), 2u);
  EXPECT_EQ(sdnv_size(0x3FFF), 2u);
  EXPECT_EQ(sdnv_size(0x4000), 3u);
  EXPECT_EQ(sdnv_size(UINT64_MAX), 10u);
  EXPECT_EQ(encoded(UINT64_MAX), (std::vector<std::uint8_t>{0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                            0xFF, 0xFF, 0xFF, 0x7F}));
}

TEST(Sdnv, RoundTripsRandomValues) {
  std::mt19937_64 rng(20261122);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t value = rng() >> (rng() % 64);
    const auto bytes = encoded(value);
    ASSERT_EQ(bytes.size(), sdnv_size(value));
    auto read = decode_sdnv(bytes);
    ASSERT_TRUE(read);
    EXPECT_EQ(read.value().value, value);
    EXPECT_EQ(read.value().size, bytes.size());
  }
}

TEST(Sdnv, RejectsTruncation) {
  EXPECT_EQ(decode_sdnv({}).error(), Error::truncated);
  const std::vector<std::uint8_t> open = {0x81, 0x84};
  EXPECT_EQ(decode_sdnv(open).error(), Error::truncated);
}

TEST(Sdnv, RejectsMoreThanTenOctets) {
  std::vector<std::uint8_t> bytes(10, 0x80);
  bytes.push_back(0x01);  // value 1, but in 11 octets
  EXPECT_EQ(decode_sdnv(bytes).error(), Error::sdnv_too_long);
}

TEST(Sdnv, AcceptsTenOctetsWithLeadingZeroGroups) {
  std::vector<std::uint8_t> bytes(9, 0x80);
  bytes.push_back(0x05);
  auto read = decode_sdnv(bytes);
  ASSERT_TRUE(read);
  EXPECT_EQ(read.value().value, 5u);
}

TEST(Sdnv, RejectsValuesOver64Bits) {
  // 2^64 exactly: 10 octets whose first carries two significant bits.
  const std::vector<std::uint8_t> bytes = {0x82, 0x80, 0x80, 0x80, 0x80,
                                           0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_EQ(decode_sdnv(bytes).error(), Error::sdnv_overflow);
}

TEST(Sdnv, EncodeRefusesShortBuffer) {
  std::vector<std::uint8_t> out(1);
  EXPECT_EQ(encode_sdnv(0x80, out).error(), Error::buffer_too_small);
  EXPECT_TRUE(encode_sdnv(0x7F, out));
}

}  // namespace
}  // namespace ltp::codec
