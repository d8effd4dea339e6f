// PeerAddresses: the hosts udplsi --peers-only takes each engine's
// segments from, as the spans' LSO commands give them.
#include "daemons/udplsi/peer_addresses.h"

#include <gtest/gtest.h>

#include <vector>

namespace ltp::daemons {
namespace {

udp::HostAddress host_of(const char* address) {
  return udp::resolve_endpoint(address, udp::AtSign::local_host).value().host();
}

std::vector<std::uint64_t> engines(const engine::DatagramSource& source) {
  return {source.engines.begin(), source.engines.end()};
}

TEST(PeerAddresses, EachEngineIsTakenFromTheHostItsLsoSendsTo) {
  const auto peers = PeerAddresses::from_lso_commands({
      {2, "udplso 127.0.0.2:1113"},
      {3, "udplso 127.0.0.3:4556 1000000"},   // a rate after the address
      {4, "/usr/bin/udplso 127.0.0.2:1114"},  // a second engine on the same host
      {6, "udplso [::1]:1113"},
  });
  EXPECT_TRUE(peers.unpinned().empty());
  EXPECT_TRUE(peers.source(host_of("127.0.0.2:9")).pinned);
  EXPECT_EQ(engines(peers.source(host_of("127.0.0.2:9"))), (std::vector<std::uint64_t>{2, 4}));
  EXPECT_EQ(engines(peers.source(host_of("127.0.0.3"))), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(engines(peers.source(host_of("[::1]:5"))), (std::vector<std::uint64_t>{6}));
  // An IPv4 host is not its IPv6 neighbour, and a stranger gets nobody.
  EXPECT_TRUE(engines(peers.source(host_of("127.0.0.4"))).empty());
  EXPECT_TRUE(peers.source(host_of("127.0.0.4")).pinned);
  EXPECT_EQ(peers.describe(),
            "engine 6 at ::1, engine 2 at 127.0.0.2, engine 4 at 127.0.0.2, engine 3 at 127.0.0.3");
}

TEST(PeerAddresses, ASpanWithoutAUdplsoAddressIsNamed) {
  const auto peers = PeerAddresses::from_lso_commands({
      {2, "udplso 127.0.0.2:1113"},
      {5, "radio_lso /dev/ttyS0"},
      {7, "udplso"},
  });
  ASSERT_EQ(peers.unpinned().size(), 2u);
  EXPECT_NE(peers.unpinned()[0].find("engine 5"), std::string::npos);
  EXPECT_NE(peers.unpinned()[1].find("engine 7"), std::string::npos);
  EXPECT_EQ(engines(peers.source(host_of("127.0.0.2"))), (std::vector<std::uint64_t>{2}));
}

TEST(PeerAddresses, EqualWhenTheSpansGiveTheSameHosts) {
  const auto a = PeerAddresses::from_lso_commands({{2, "udplso 127.0.0.2:1113"}});
  EXPECT_EQ(a, PeerAddresses::from_lso_commands({{2, "udplso 127.0.0.2:1113 5000"}}));
  EXPECT_FALSE(a == PeerAddresses::from_lso_commands({{2, "udplso 127.0.0.9:1113"}}));
}

}  // namespace
}  // namespace ltp::daemons
