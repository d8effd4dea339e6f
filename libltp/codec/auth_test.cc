// RFC 5327: typed views of authentication and cookie extensions, and
// signing/verification under each ciphersuite we compute.
#include "libltp/codec/auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/testing/hex.h"

namespace ltp::codec {
namespace {

using testing::from_hex;

TEST(Auth, Rfc2202HmacSha1TestCase2TruncatedTo80Bits) {
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  const auto mac = hmac_sha1_80({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()},
                                {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  const auto expected = from_hex("effcdf6ae5eb2fa2d274");
  EXPECT_TRUE(std::equal(mac.begin(), mac.end(), expected.begin()));
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// RFC 2202 test case 1 and RFC 4231 test case 2, truncated; the data fed
// in two pieces, as the engine feeds a header, a payload and a trailer.
TEST(Auth, PublishedHmacVectorsThroughComputeMac) {
  const std::vector<std::uint8_t> key1(20, 0x0b);
  const std::string hi = "Hi There";
  const std::span<const std::uint8_t> split[] = {bytes_of(hi).first(3), bytes_of(hi).subspan(3)};
  const auto sha1 = compute_mac(Ciphersuite::hmac_sha1_80, key1, split).value();
  EXPECT_EQ(std::vector<std::uint8_t>(sha1.view().begin(), sha1.view().end()),
            from_hex("b617318655057264e28b"));

  const std::string jefe = "Jefe";
  const std::string what = "what do ya want for nothing?";
  const std::span<const std::uint8_t> whole[] = {bytes_of(what)};
  const auto sha256 = compute_mac(Ciphersuite::hmac_sha256_128, bytes_of(jefe), whole).value();
  EXPECT_EQ(std::vector<std::uint8_t>(sha256.view().begin(), sha256.view().end()),
            from_hex("5bdcc146bf60754e6a042426089575c7"));
  EXPECT_FALSE(compute_mac(Ciphersuite::rsa_sha256, key1, whole));
  EXPECT_EQ(authentication_overhead(Ciphersuite::hmac_sha1_80), 15u);
  EXPECT_EQ(authentication_overhead(Ciphersuite::hmac_sha256_128), 21u);
}

// compute_mac keeps the last suite and key set up: changing either, or
// the same key again after another, must still give the published MACs.
TEST(Auth, MacsStayRightAcrossKeyAndSuiteChanges) {
  const std::vector<std::uint8_t> key1(20, 0x0b);
  const std::string hi = "Hi There";
  const std::string jefe = "Jefe";
  const std::string what = "what do ya want for nothing?";
  const std::span<const std::uint8_t> hi_data[] = {bytes_of(hi)};
  const std::span<const std::uint8_t> what_data[] = {bytes_of(what)};
  const auto hex = [](const std::optional<Mac>& mac) {
    return std::vector<std::uint8_t>(mac.value().view().begin(), mac.value().view().end());
  };
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(hex(compute_mac(Ciphersuite::hmac_sha1_80, key1, hi_data)),
              from_hex("b617318655057264e28b"));
    EXPECT_EQ(hex(compute_mac(Ciphersuite::hmac_sha1_80, key1, hi_data)),
              from_hex("b617318655057264e28b"));
    // RFC 2202 test case 2 (same suite, another key), then RFC 4231's
    // (same key, another suite).
    EXPECT_EQ(hex(compute_mac(Ciphersuite::hmac_sha1_80, bytes_of(jefe), what_data)),
              from_hex("effcdf6ae5eb2fa2d274"));
    EXPECT_EQ(hex(compute_mac(Ciphersuite::hmac_sha256_128, bytes_of(jefe), what_data)),
              from_hex("5bdcc146bf60754e6a042426089575c7"));
  }
}

TEST(Auth, TypedViews) {
  const auto bytes = from_hex("09 01 04 21 00 02 00 24 01 03 c0 ff ee 01 00 00");
  auto decoded = decode(bytes);
  ASSERT_TRUE(decoded);
  const Header& h = decoded.value().header;
  auto auth = find_extension(h.header_extensions, ExtensionTag::authentication);
  ASSERT_TRUE(auth);
  auto header = as_authentication_header(*auth);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->ciphersuite, Ciphersuite::hmac_sha1_80);
  ASSERT_EQ(header->key_id.size(), 1u);
  EXPECT_EQ(header->key_id[0], 0x24);
  auto cookie_ext = find_extension(h.header_extensions, ExtensionTag::cookie);
  ASSERT_TRUE(cookie_ext);
  auto cookie = as_cookie(*cookie_ext);
  ASSERT_TRUE(cookie);
  EXPECT_EQ(std::vector<std::uint8_t>(cookie->begin(), cookie->end()), from_hex("c0ffee"));
  EXPECT_FALSE(as_cookie(*auth));
  EXPECT_FALSE(as_authentication_header(*cookie_ext));
}

class Signing : public ::testing::TestWithParam<Ciphersuite> {};

TEST_P(Signing, SignThenVerifyAndDetectTampering) {
  const std::vector<std::uint8_t> key = from_hex("0102030405060708090a0b0c0d0e0f1011121314");
  const std::vector<std::uint8_t> header_value = {static_cast<std::uint8_t>(GetParam()), 0x24};
  const std::vector<std::uint8_t> placeholder(mac_size(GetParam()).value(), 0);
  const std::vector<Extension> header_ext = {{0, header_value}};
  const std::vector<Extension> trailer_ext = {{0, placeholder}};
  const std::vector<std::uint8_t> payload = {1, 2, 3, 4};
  Segment s;
  s.header.type = SegmentType::red_checkpoint_eorp_eob;
  s.header.session = {1, 99};
  s.header.header_extensions = ExtensionsView(header_ext);
  s.header.trailer_extensions = ExtensionsView(trailer_ext);
  s.body = DataSegment{1, 0, CheckpointSerials{3, 0}, payload};
  std::vector<std::uint8_t> wire(encoded_size(s));
  ASSERT_TRUE(encode(s, wire));
  ASSERT_TRUE(sign_authentication(wire, key));

  auto decoded = decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(verify_authentication(wire, decoded.value(), key));

  const std::vector<std::uint8_t> other_key(20, 0x55);
  const bool key_matters = needs_key(GetParam());
  EXPECT_EQ(static_cast<bool>(verify_authentication(wire, decoded.value(), other_key)),
            !key_matters);

  // Under a rule for another suite, the segment is not authentic.
  const auto other =
      GetParam() == Ciphersuite::null ? Ciphersuite::hmac_sha1_80 : Ciphersuite::null;
  EXPECT_EQ(verify_authentication(wire, decoded.value(), key, other).error(), Error::auth_missing);
  EXPECT_TRUE(verify_authentication(wire, decoded.value(), key, GetParam()));

  wire[wire.size() - placeholder.size() - 3] ^= 1;  // flip a payload bit
  auto tampered = decode(wire);
  ASSERT_TRUE(tampered);
  EXPECT_EQ(verify_authentication(wire, tampered.value(), key).error(), Error::auth_mac_mismatch);
}

INSTANTIATE_TEST_SUITE_P(Suites, Signing,
                         ::testing::Values(Ciphersuite::hmac_sha1_80, Ciphersuite::null,
                                           Ciphersuite::hmac_sha256_128));

TEST(Auth, MissingOrUnsupported) {
  const std::vector<std::uint8_t> key(20, 1);
  auto plain = from_hex("09 01 04 00 01");
  auto decoded = decode(plain);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(verify_authentication(plain, decoded.value(), key).error(), Error::auth_missing);
  EXPECT_EQ(sign_authentication(plain, key).error(), Error::auth_missing);

  auto rsa = from_hex("09 01 04 11 00 01 01 01 00 01 00");
  auto rsa_decoded = decode(rsa);
  ASSERT_TRUE(rsa_decoded);
  EXPECT_EQ(verify_authentication(rsa, rsa_decoded.value(), key).error(), Error::auth_unsupported);
}

}  // namespace
}  // namespace ltp::codec
