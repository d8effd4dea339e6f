// RFC 5327 security extensions: typed readings of the authentication
// (tag 0x00) and cookie (tag 0x01) extensions, and the MACs of the
// ciphersuites we compute (HMAC-SHA1-80, NULL, and OpenLTP's
// HMAC-SHA256-128), with OpenSSL.
//
// Used by the engine when a span has an authentication rule
// (libltp/engine/segment_auth.cc), by ltpdump to show the fields, and by
// the fuzz target. The header extension names
// the ciphersuite (and optionally a key ID); the trailer extension holds
// the MAC, computed over the segment up to and including the trailer
// extension's tag and length octets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "ipc/result.h"
#include "libltp/codec/error.h"
#include "libltp/codec/extensions.h"
#include "libltp/codec/segment.h"

namespace ltp::codec {

enum class Ciphersuite : std::uint8_t {
  hmac_sha1_80 = 0,
  rsa_sha256 = 1,  // registered, not implemented (nor by ION without RSA keys)
  // From IANA's private/experimental range (192-254): HMAC-SHA256 truncated
  // to 128 bits (as RFC 4868 truncates it for IPsec). Only OpenLTP peers
  // know it.
  hmac_sha256_128 = 192,
  null = 255,  // HMAC-SHA1-80 with a published key: integrity, not security
};

// Octets of an HMAC-SHA1-80 MAC.
inline constexpr std::size_t kHmacSha1_80Size = 10;
inline constexpr std::size_t kMaxMacSize = 16;

// Octets of the MAC `suite` carries in its trailer extension; nothing for
// a suite we cannot compute.
std::optional<std::size_t> mac_size(Ciphersuite suite);
// Octets the header extension (tag, length, suite) and the trailer
// extension (tag, length, MAC) add to a segment signed with `suite`.
std::size_t authentication_overhead(Ciphersuite suite);
// Whether the suite needs a key of the operator's (NULL's is published).
bool needs_key(Ciphersuite suite);

struct Mac {
  std::array<std::uint8_t, kMaxMacSize> bytes{};
  std::size_t size = 0;
  std::span<const std::uint8_t> view() const { return {bytes.data(), size}; }
};

// The MAC of `pieces`, in order, under `suite` (the NULL suite uses its
// published key); nothing for a suite we cannot compute.
std::optional<Mac> compute_mac(Ciphersuite suite, std::span<const std::uint8_t> key,
                               std::span<const std::span<const std::uint8_t>> pieces);

// The fixed key of the NULL ciphersuite (RFC 5327 2.3).
extern const std::array<std::uint8_t, 20> kNullCiphersuiteKey;

// Header extension, tag 0x00.
struct AuthenticationHeader {
  Ciphersuite ciphersuite;
  std::span<const std::uint8_t> key_id;  // empty when absent
};

// The typed reading of `e`, or nothing if it is not an authentication
// header extension (wrong tag, or no ciphersuite octet).
std::optional<AuthenticationHeader> as_authentication_header(const Extension& e);

// The MAC of a trailer extension with tag 0x00, or nothing for other tags.
std::optional<std::span<const std::uint8_t>> as_authentication_trailer(const Extension& e);

// The cookie value of an extension with tag 0x01 (header or trailer).
std::optional<std::span<const std::uint8_t>> as_cookie(const Extension& e);

// The first extension in `extensions` with `tag`.
std::optional<Extension> find_extension(const ExtensionsView& extensions, ExtensionTag tag);

// HMAC-SHA1 truncated to 80 bits.
std::array<std::uint8_t, kHmacSha1_80Size> hmac_sha1_80(std::span<const std::uint8_t> key,
                                                        std::span<const std::uint8_t> data);

// Checks the MAC of `segment`, decoded from `datagram`. `key` is ignored
// for the NULL ciphersuite. With `required`, a segment authenticated under
// another suite is auth_missing (a rule names one suite: a forger must not
// pick the NULL one). Errors: auth_missing, auth_unsupported,
// auth_mac_mismatch.
Result<void, Error> verify_authentication(std::span<const std::uint8_t> datagram,
                                          const Segment& segment, std::span<const std::uint8_t> key,
                                          std::optional<Ciphersuite> required = std::nullopt);

// Fills in the MAC of an encoded segment in place. Encode the segment with
// an authentication header extension and, last among the trailer
// extensions, an authentication trailer extension holding mac_size()
// octets of any value; this overwrites them. Errors: those of decode(), auth_missing,
// auth_unsupported.
Result<void, Error> sign_authentication(std::span<std::uint8_t> encoded,
                                        std::span<const std::uint8_t> key);

}  // namespace ltp::codec
