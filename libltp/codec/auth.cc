#include "libltp/codec/auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>

#include "libltp/codec/decode.h"

namespace ltp::codec {

const std::array<std::uint8_t, 20> kNullCiphersuiteKey = {0xc3, 0x7b, 0x7e, 0x64, 0x92, 0x58, 0x43,
                                                          0x40, 0xbe, 0xd1, 0x22, 0x07, 0x80, 0x89,
                                                          0x41, 0x15, 0x50, 0x68, 0xf7, 0x38};

std::optional<AuthenticationHeader> as_authentication_header(const Extension& e) {
  if (e.tag != static_cast<std::uint8_t>(ExtensionTag::authentication) || e.value.empty()) {
    return std::nullopt;
  }
  return AuthenticationHeader{static_cast<Ciphersuite>(e.value[0]), e.value.subspan(1)};
}

std::optional<std::span<const std::uint8_t>> as_authentication_trailer(const Extension& e) {
  if (e.tag != static_cast<std::uint8_t>(ExtensionTag::authentication)) return std::nullopt;
  return e.value;
}

std::optional<std::span<const std::uint8_t>> as_cookie(const Extension& e) {
  if (e.tag != static_cast<std::uint8_t>(ExtensionTag::cookie)) return std::nullopt;
  return e.value;
}

std::optional<Extension> find_extension(const ExtensionsView& extensions, ExtensionTag tag) {
  for (const Extension& e : extensions) {
    if (e.tag == static_cast<std::uint8_t>(tag)) return e;
  }
  return std::nullopt;
}

std::array<std::uint8_t, kHmacSha1_80Size> hmac_sha1_80(std::span<const std::uint8_t> key,
                                                        std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> full{};
  unsigned int full_size = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), full.data(),
       &full_size);
  std::array<std::uint8_t, kHmacSha1_80Size> mac{};
  std::copy_n(full.begin(), mac.size(), mac.begin());
  return mac;
}

namespace {

struct AuthenticationParts {
  std::span<const std::uint8_t> key;  // the key the ciphersuite calls for
  std::span<const std::uint8_t> mac;  // inside the datagram
};

// The key and MAC location for `segment`, which was decoded from a
// datagram: the bytes the MAC covers end where the MAC begins.
Result<AuthenticationParts, Error> authentication_parts(const Segment& segment,
                                                        std::span<const std::uint8_t> key) {
  const auto header_ext =
      find_extension(segment.header.header_extensions, ExtensionTag::authentication);
  const auto trailer_ext =
      find_extension(segment.header.trailer_extensions, ExtensionTag::authentication);
  const auto header = header_ext ? as_authentication_header(*header_ext) : std::nullopt;
  if (!header || !trailer_ext) return failure(Error::auth_missing);
  switch (header->ciphersuite) {
    case Ciphersuite::hmac_sha1_80:
      break;
    case Ciphersuite::null:
      key = kNullCiphersuiteKey;
      break;
    default:
      return failure(Error::auth_unsupported);
  }
  if (trailer_ext->value.size() != kHmacSha1_80Size) return failure(Error::auth_mac_mismatch);
  return AuthenticationParts{key, trailer_ext->value};
}

}  // namespace

Result<void, Error> verify_authentication(std::span<const std::uint8_t> datagram,
                                          const Segment& segment,
                                          std::span<const std::uint8_t> key) {
  BOOST_OUTCOME_TRY(parts, authentication_parts(segment, key));
  const auto covered = datagram.first(static_cast<std::size_t>(parts.mac.data() - datagram.data()));
  const auto expected = hmac_sha1_80(parts.key, covered);
  if (!std::equal(expected.begin(), expected.end(), parts.mac.begin())) {
    return failure(Error::auth_mac_mismatch);
  }
  return success();
}

Result<void, Error> sign_authentication(std::span<std::uint8_t> encoded,
                                        std::span<const std::uint8_t> key) {
  BOOST_OUTCOME_TRY(segment, decode(encoded));
  auto parts = authentication_parts(segment, key);
  if (!parts && parts.error() != Error::auth_mac_mismatch) return failure(parts.error());
  if (!parts) return failure(Error::auth_missing);  // placeholder of the wrong size
  const auto offset = static_cast<std::size_t>(parts.value().mac.data() - encoded.data());
  const auto mac =
      hmac_sha1_80(parts.value().key, std::span<const std::uint8_t>(encoded).first(offset));
  std::memcpy(encoded.data() + offset, mac.data(), mac.size());
  return success();
}

}  // namespace ltp::codec
