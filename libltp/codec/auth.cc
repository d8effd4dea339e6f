#include "libltp/codec/auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

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

std::optional<std::size_t> mac_size(Ciphersuite suite) {
  switch (suite) {
    case Ciphersuite::hmac_sha1_80:
    case Ciphersuite::null:
      return kHmacSha1_80Size;
    case Ciphersuite::hmac_sha256_128:
      return 16;
    case Ciphersuite::rsa_sha256:
      break;
  }
  return std::nullopt;
}

std::size_t authentication_overhead(Ciphersuite suite) {
  return 3 + 2 + mac_size(suite).value_or(0);
}

bool needs_key(Ciphersuite suite) { return suite != Ciphersuite::null; }

namespace {

// One HMAC implementation for the process, fetched once (fetching is the
// expensive part of OpenSSL 3's provider lookup).
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

using MacCtx = std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)>;

// The HMAC context of this thread's last suite and key. Setting a digest
// and a key costs several times a 1400-octet segment's hashing (the digest
// is looked up by name, the key padded and hashed twice), and a link
// signs or checks every segment with the same pair; so a context that
// already has them is only reset (EVP_MAC_init without a key keeps it).
class KeyedHmac {
 public:
  EVP_MAC_CTX* ready(Ciphersuite suite, std::span<const std::uint8_t> key) {
    if (ctx_ && suite == suite_ && std::equal(key.begin(), key.end(), key_.begin(), key_.end())) {
      return EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) == 1 ? ctx_.get() : nullptr;
    }
    ctx_.reset(EVP_MAC_CTX_new(hmac_algorithm()));
    key_.clear();
    char sha1[] = "SHA1";
    char sha256[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         suite == Ciphersuite::hmac_sha256_128 ? sha256 : sha1, 0),
        OSSL_PARAM_construct_end()};
    // OpenSSL refuses an empty key; HMAC defines it as a block of zeros.
    static constexpr std::uint8_t kZero[1] = {0};
    const auto* key_bytes = key.empty() ? kZero : key.data();
    if (!ctx_ || EVP_MAC_init(ctx_.get(), key_bytes, key.size(), params) != 1) {
      ctx_.reset();
      return nullptr;
    }
    suite_ = suite;
    key_.assign(key.begin(), key.end());
    return ctx_.get();
  }

 private:
  MacCtx ctx_{nullptr, &EVP_MAC_CTX_free};
  Ciphersuite suite_ = Ciphersuite::null;
  std::vector<std::uint8_t> key_;
};

}  // namespace

std::optional<Mac> compute_mac(Ciphersuite suite, std::span<const std::uint8_t> key,
                               std::span<const std::span<const std::uint8_t>> pieces) {
  const auto size = mac_size(suite);
  if (!size || hmac_algorithm() == nullptr) return std::nullopt;
  if (suite == Ciphersuite::null) key = kNullCiphersuiteKey;
  thread_local KeyedHmac hmac;
  EVP_MAC_CTX* const ctx = hmac.ready(suite, key);
  if (ctx == nullptr) return std::nullopt;
  for (const auto piece : pieces) {
    if (EVP_MAC_update(ctx, piece.data(), piece.size()) != 1) return std::nullopt;
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> full{};
  std::size_t full_size = 0;
  if (EVP_MAC_final(ctx, full.data(), &full_size, full.size()) != 1 || full_size < *size) {
    return std::nullopt;
  }
  Mac mac;
  mac.size = *size;
  std::copy_n(full.begin(), mac.size, mac.bytes.begin());
  return mac;
}

std::array<std::uint8_t, kHmacSha1_80Size> hmac_sha1_80(std::span<const std::uint8_t> key,
                                                        std::span<const std::uint8_t> data) {
  const std::span<const std::uint8_t> pieces[] = {data};
  const auto full = compute_mac(Ciphersuite::hmac_sha1_80, key, pieces);
  std::array<std::uint8_t, kHmacSha1_80Size> mac{};
  if (full) std::copy_n(full->bytes.begin(), mac.size(), mac.begin());
  return mac;
}

namespace {

struct AuthenticationParts {
  Ciphersuite suite;
  std::span<const std::uint8_t> mac;  // inside the datagram
};

// The key and MAC location for `segment`, which was decoded from a
// datagram: the bytes the MAC covers end where the MAC begins.
Result<AuthenticationParts, Error> authentication_parts(const Segment& segment) {
  const auto header_ext =
      find_extension(segment.header.header_extensions, ExtensionTag::authentication);
  const auto trailer_ext =
      find_extension(segment.header.trailer_extensions, ExtensionTag::authentication);
  const auto header = header_ext ? as_authentication_header(*header_ext) : std::nullopt;
  if (!header || !trailer_ext) return failure(Error::auth_missing);
  const auto size = mac_size(header->ciphersuite);
  if (!size) return failure(Error::auth_unsupported);
  if (trailer_ext->value.size() != *size) return failure(Error::auth_mac_mismatch);
  return AuthenticationParts{header->ciphersuite, trailer_ext->value};
}

}  // namespace

Result<void, Error> verify_authentication(std::span<const std::uint8_t> datagram,
                                          const Segment& segment, std::span<const std::uint8_t> key,
                                          std::optional<Ciphersuite> required) {
  BOOST_OUTCOME_TRY(parts, authentication_parts(segment));
  if (required && parts.suite != *required) return failure(Error::auth_missing);
  const std::span<const std::uint8_t> covered[] = {
      datagram.first(static_cast<std::size_t>(parts.mac.data() - datagram.data()))};
  const auto expected = compute_mac(parts.suite, key, covered);
  if (!expected) return failure(Error::auth_unsupported);
  // Constant time: a forger must not learn how many leading octets match.
  if (CRYPTO_memcmp(expected->bytes.data(), parts.mac.data(), expected->size) != 0) {
    return failure(Error::auth_mac_mismatch);
  }
  return success();
}

Result<void, Error> sign_authentication(std::span<std::uint8_t> encoded,
                                        std::span<const std::uint8_t> key) {
  BOOST_OUTCOME_TRY(segment, decode(encoded));
  auto parts = authentication_parts(segment);
  if (!parts && parts.error() != Error::auth_mac_mismatch) return failure(parts.error());
  if (!parts) return failure(Error::auth_missing);  // placeholder of the wrong size
  const auto offset = static_cast<std::size_t>(parts.value().mac.data() - encoded.data());
  const std::span<const std::uint8_t> covered[] = {
      std::span<const std::uint8_t>(encoded).first(offset)};
  const auto mac = compute_mac(parts.value().suite, key, covered);
  if (!mac) return failure(Error::auth_unsupported);
  std::memcpy(encoded.data() + offset, mac->bytes.data(), mac->size);
  return success();
}

}  // namespace ltp::codec
