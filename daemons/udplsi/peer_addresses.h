// PeerAddresses: for `udplsi --peers-only`, which engines may send from a
// host. An operator gives each span the address its peer listens on
// (`a span 2 ... 'udplso 10.0.0.2:1113'`); a peer sends from that host, so
// a segment claiming to come from engine 2 is taken only from 10.0.0.2.
// A segment from another host is dropped by the engine, which knows the
// segment's sender (Engine::handle_inbound_batch, DatagramSource).
//
// udplsi builds one from the node's spans at start and again whenever they
// change. Spans whose LSO is not udplso with an address (another link
// service) have no host: their segments are refused, and udplsi says so.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "libltp/engine/engine.h"
#include "libltp/udp/endpoint.h"

namespace ltp::daemons {

class PeerAddresses {
 public:
  // From each span's engine id and LSO command.
  static PeerAddresses from_lso_commands(
      const std::vector<std::pair<std::uint64_t, std::string>>& spans);

  // The engines that may send from `host` (none: any segment is refused).
  engine::DatagramSource source(const udp::HostAddress& host) const;

  // Spans with no host to take segments from, and why, for the log.
  const std::vector<std::string>& unpinned() const { return unpinned_; }
  // "engine 2 at 10.0.0.2, engine 3 at ::1": what the log says.
  std::string describe() const;

  friend bool operator==(const PeerAddresses& a, const PeerAddresses& b) {
    return a.engines_ == b.engines_ && a.unpinned_ == b.unpinned_;
  }

 private:
  std::map<udp::HostAddress, std::vector<std::uint64_t>> engines_;
  std::vector<std::string> unpinned_;
};

}  // namespace ltp::daemons
