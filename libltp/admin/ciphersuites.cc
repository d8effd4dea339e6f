#include "libltp/admin/ciphersuites.h"

#include <fmt/format.h>

#include "libltp/admin/values.h"

namespace ltp::admin {

namespace {

constexpr std::string_view kSupported =
    "use 0 (HMAC-SHA1-80), 192 (HMAC-SHA256-128, OpenLTP peers only) or 255 (NULL)";

}  // namespace

Result<codec::Ciphersuite, std::string> parse_ciphersuite(std::string_view token) {
  BOOST_OUTCOME_TRY(number, parse_uint(token, "ciphersuite", 0, 255));
  const auto suite = static_cast<codec::Ciphersuite>(number);
  switch (suite) {
    case codec::Ciphersuite::hmac_sha1_80:
    case codec::Ciphersuite::hmac_sha256_128:
    case codec::Ciphersuite::null:
      return suite;
    case codec::Ciphersuite::rsa_sha256:
      // ION offers it, but signs with RSA keys that OpenLTP does not keep.
      return failure(
          fmt::format("ciphersuite 1 (RSA-SHA256) is not supported by OpenLTP: {}", kSupported));
  }
  return failure(fmt::format("ciphersuite {} is not one OpenLTP knows: {}", number, kSupported));
}

std::string_view ciphersuite_name(std::uint64_t suite) {
  switch (suite) {
    case static_cast<std::uint64_t>(codec::Ciphersuite::hmac_sha1_80):
      return "HMAC-SHA1-80";
    case static_cast<std::uint64_t>(codec::Ciphersuite::rsa_sha256):
      return "RSA-SHA256";
    case static_cast<std::uint64_t>(codec::Ciphersuite::hmac_sha256_128):
      return "HMAC-SHA256-128";
    case static_cast<std::uint64_t>(codec::Ciphersuite::null):
      return "NULL";
    default:
      return "unknown";
  }
}

std::string describe_ciphersuite(std::uint64_t suite) {
  return fmt::format("{} ({})", suite, ciphersuite_name(suite));
}

}  // namespace ltp::admin
