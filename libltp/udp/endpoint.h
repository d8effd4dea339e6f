// Endpoint: a UDP address (IPv4 or IPv6, with port), and the parser for
// ION's link-service address form `{host|@}[:port]`.
//
// udplsi and udplso take their address in this form (ION-COMPAT.md,
// "Invocation strings"); ltpnetem and udpceiling use it too, so every
// program accepts the same spellings:
//   127.0.0.1   host:1113   @   @:4556   [::1]:1113   ::1   [::]:0
// The port defaults to 1113 (RFC 7122). `@` means the wildcard address
// 0.0.0.0 where we listen (udplsi) and this machine's host name where we
// send to (udplso), as ION does. A bare IPv6 address has no port; put it
// in brackets to give one.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/result.h"
#include "libltp/udp/error.h"

namespace ltp::udp {

constexpr std::uint16_t kDefaultPort = 1113;

// An endpoint's host address as 16 octets: IPv6 as it is, IPv4 mapped
// (::ffff:a.b.c.d), so that hosts of either family compare as octets.
using HostAddress = std::array<std::uint8_t, 16>;

class Endpoint {
 public:
  Endpoint() = default;
  // Copies a socket address (AF_INET or AF_INET6) of `size` octets.
  Endpoint(const sockaddr* address, socklen_t size);

  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const { return size_; }
  int family() const { return storage_.ss_family; }
  std::uint16_t port() const;
  HostAddress host() const;

  friend bool operator==(const Endpoint& a, const Endpoint& b);

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

// "127.0.0.1:1113" or "[::1]:1113".
std::string to_string(const Endpoint& endpoint);

// The text split into its host part and port, nothing resolved yet.
struct HostPort {
  std::string host;  // "@", a name, or a numeric address without brackets
  std::uint16_t port = kDefaultPort;
};

Result<HostPort, Error> split_host_port(std::string_view text);

// What `@` stands for.
enum class AtSign {
  any_address,  // 0.0.0.0: listen on every interface (udplsi)
  local_host,   // gethostname(), resolved: send to this machine (udplso)
};

// Parses and resolves `{host|@}[:port]` (host names through getaddrinfo;
// the first address it returns is taken).
Result<Endpoint, Error> resolve_endpoint(std::string_view text, AtSign at);

}  // namespace ltp::udp
