#include "libltp/udp/endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace ltp::udp {
namespace {

Error parse_error(std::string_view text, std::string_view problem) {
  return Error{fmt::format("bad address '{}': {} (expected {{host|@}}[:port], e.g. 127.0.0.1:1113, "
                           "@:1113 or [::1]:1113)",
                           text, problem),
               0};
}

Result<std::uint16_t, Error> parse_port(std::string_view text, std::string_view port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return failure(parse_error(text, "the port must be a number 0-65535"));
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Endpoint::Endpoint(const sockaddr* address, socklen_t size)
    : size_(std::min<socklen_t>(size, sizeof storage_)) {
  std::memcpy(&storage_, address, size_);
}

std::uint16_t Endpoint::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

HostAddress Endpoint::host() const {
  HostAddress host{};
  if (family() == AF_INET) {
    host[10] = host[11] = 0xff;
    std::memcpy(&host[12], &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, 4);
  } else if (family() == AF_INET6) {
    std::memcpy(host.data(), &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, 16);
  }
  return host;
}

bool operator==(const Endpoint& a, const Endpoint& b) {
  if (a.family() != b.family() || a.port() != b.port()) return false;
  if (a.family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&a.storage_)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&b.storage_)->sin_addr.s_addr;
  }
  if (a.family() == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage_);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage_);
    return std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
           x->sin6_scope_id == y->sin6_scope_id;
  }
  return a.size_ == b.size_;
}

std::string to_string(const Endpoint& endpoint) {
  std::array<char, INET6_ADDRSTRLEN> host{};
  if (endpoint.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(endpoint.address());
    ::inet_ntop(AF_INET, &in->sin_addr, host.data(), host.size());
    return fmt::format("{}:{}", host.data(), endpoint.port());
  }
  if (endpoint.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(endpoint.address());
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host.data(), host.size());
    return fmt::format("[{}]:{}", host.data(), endpoint.port());
  }
  return "(no address)";
}

Result<HostPort, Error> split_host_port(std::string_view text) {
  if (text.empty()) return failure(parse_error(text, "it is empty"));
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return failure(parse_error(text, "no closing ']'"));
    HostPort result{std::string(text.substr(1, close - 1)), kDefaultPort};
    if (result.host.empty()) return failure(parse_error(text, "nothing between '[' and ']'"));
    const auto rest = text.substr(close + 1);
    if (rest.empty()) return result;
    if (rest.front() != ':') return failure(parse_error(text, "expected ':' after ']'"));
    BOOST_OUTCOME_TRY(port, parse_port(text, rest.substr(1)));
    result.port = port;
    return result;
  }
  const auto colons = std::count(text.begin(), text.end(), ':');
  if (colons > 1) return HostPort{std::string(text), kDefaultPort};  // bare IPv6, no port
  if (colons == 0) return HostPort{std::string(text), kDefaultPort};
  const auto colon = text.find(':');
  if (colon == 0) return failure(parse_error(text, "no host before ':' (use @ for any)"));
  BOOST_OUTCOME_TRY(port, parse_port(text, text.substr(colon + 1)));
  return HostPort{std::string(text.substr(0, colon)), port};
}

Result<Endpoint, Error> resolve_endpoint(std::string_view text, AtSign at) {
  BOOST_OUTCOME_TRY(parts, split_host_port(text));
  if (parts.host == "@" && at == AtSign::any_address) {
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    any.sin_port = htons(parts.port);
    return Endpoint(reinterpret_cast<const sockaddr*>(&any), sizeof any);
  }
  if (parts.host == "@") {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0)
      return failure(system_error("cannot read this machine's host name for '@'", errno));
    parts.host = name.data();
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(parts.port);
  const int rc = ::getaddrinfo(parts.host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return failure(Error{fmt::format("cannot resolve host '{}' (from '{}'): {}; check the name or "
                                     "give a numeric address",
                                     parts.host, text, ::gai_strerror(rc)),
                         0});
  }
  Endpoint endpoint(found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  return endpoint;
}

}  // namespace ltp::udp
