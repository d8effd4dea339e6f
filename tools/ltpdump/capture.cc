#include "tools/ltpdump/capture.h"

#include <arpa/inet.h>

#include <utility>

namespace ltpdump {

namespace {

// Link types from the tcpdump.org registry that some libpcap versions do
// not define.
constexpr int kLinkTypeRaw = 101;
constexpr int kLinkTypeSll2 = 276;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint8_t kProtoUdp = 17;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

enum class Network { none, ipv4, ipv6 };

Network from_ethertype(std::uint16_t type) {
  if (type == kEtherIpv4) return Network::ipv4;
  if (type == kEtherIpv6) return Network::ipv6;
  return Network::none;
}

Network from_version_nibble(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return Network::none;
  if (packet[0] >> 4 == 4) return Network::ipv4;
  if (packet[0] >> 4 == 6) return Network::ipv6;
  return Network::none;
}

// Strips the link-layer header; returns the network protocol and packet.
std::pair<Network, std::span<const std::uint8_t>> strip_link(int link_type,
                                                             std::span<const std::uint8_t> f) {
  switch (link_type) {
    case DLT_EN10MB: {
      if (f.size() < 14) return {Network::none, {}};
      std::size_t at = 12;
      std::uint16_t type = be16(&f[at]);
      while ((type == 0x8100 || type == 0x88A8) && f.size() >= at + 6) {  // VLAN tags
        at += 4;
        type = be16(&f[at]);
      }
      return {from_ethertype(type), f.subspan(at + 2)};
    }
    case DLT_LINUX_SLL:
      if (f.size() < 16) return {Network::none, {}};
      return {from_ethertype(be16(&f[14])), f.subspan(16)};
    case kLinkTypeSll2:
      if (f.size() < 20) return {Network::none, {}};
      return {from_ethertype(be16(&f[0])), f.subspan(20)};
    case DLT_NULL:
    case DLT_LOOP: {
      // A 4-octet address family, in host (NULL) or network (LOOP) order;
      // the IP version nibble tells us what follows either way.
      if (f.size() < 4) return {Network::none, {}};
      auto packet = f.subspan(4);
      return {from_version_nibble(packet), packet};
    }
    case DLT_RAW:
    case kLinkTypeRaw:
      return {from_version_nibble(f), f};
#ifdef DLT_IPV4
    case DLT_IPV4:
      return {Network::ipv4, f};
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
      return {Network::ipv6, f};
#endif
    default:
      return {Network::none, {}};
  }
}

struct IpPacket {
  std::string source;
  std::string destination;
  bool ipv6 = false;
  std::span<const std::uint8_t> udp;  // the UDP header onwards, as captured
  std::string problem;
};

std::optional<IpPacket> strip_ipv4(std::span<const std::uint8_t> p) {
  if (p.size() < 20) return std::nullopt;
  const std::size_t header = (p[0] & 0x0F) * 4u;
  if (header < 20 || p.size() < header || p[9] != kProtoUdp) return std::nullopt;
  const std::uint16_t fragment = be16(&p[6]);
  if ((fragment & 0x1FFF) != 0) return std::nullopt;  // no UDP header in later fragments
  IpPacket ip;
  char text[INET_ADDRSTRLEN];
  ip.source = inet_ntop(AF_INET, &p[12], text, sizeof text);
  ip.destination = inet_ntop(AF_INET, &p[16], text, sizeof text);
  // Trust the IP total length over the frame (Ethernet pads short frames).
  const std::size_t total = be16(&p[2]);
  ip.udp =
      p.subspan(header, total >= header && total <= p.size() ? total - header : p.size() - header);
  if (fragment & 0x2000)
    ip.problem = "IP fragment (RFC 7122 forbids fragmentation); not reassembled";
  return ip;
}

std::optional<IpPacket> strip_ipv6(std::span<const std::uint8_t> p) {
  if (p.size() < 40) return std::nullopt;
  std::uint8_t next = p[6];
  std::size_t at = 40;
  IpPacket ip;
  ip.ipv6 = true;
  // Hop-by-hop, routing, destination options: skip. Fragment: note it.
  while (next == 0 || next == 43 || next == 60 || next == 44) {
    if (p.size() < at + 8) return std::nullopt;
    if (next == 44) {
      if ((be16(&p[at + 2]) & 0xFFF8) != 0) return std::nullopt;  // not the first fragment
      ip.problem = "IP fragment (RFC 7122 forbids fragmentation); not reassembled";
      next = p[at];
      at += 8;
      continue;
    }
    next = p[at];
    at += (p[at + 1] + 1u) * 8u;
  }
  if (next != kProtoUdp || p.size() < at) return std::nullopt;
  char text[INET6_ADDRSTRLEN];
  ip.source = std::string("[") + inet_ntop(AF_INET6, &p[8], text, sizeof text) + "]";
  ip.destination = std::string("[") + inet_ntop(AF_INET6, &p[24], text, sizeof text) + "]";
  const std::size_t total = 40u + be16(&p[4]);
  ip.udp = p.subspan(at, total >= at && total <= p.size() ? total - at : p.size() - at);
  return ip;
}

}  // namespace

std::unique_ptr<UdpCapture> UdpCapture::open(const std::string& path, std::set<std::uint16_t> ports,
                                             std::string& error) {
  char message[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pcap = pcap_open_offline(path.c_str(), message);
  if (pcap == nullptr) {
    error = message;
    return nullptr;
  }
  return std::unique_ptr<UdpCapture>(new UdpCapture(pcap, std::move(ports)));
}

UdpCapture::UdpCapture(pcap_t* pcap, std::set<std::uint16_t> ports)
    : pcap_(pcap), link_type_(pcap_datalink(pcap)), ports_(std::move(ports)) {}

UdpCapture::~UdpCapture() { pcap_close(pcap_); }

std::optional<UdpDatagram> UdpCapture::next() {
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_, &header, &data);
    if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
    if (rc != 1) {
      read_error_ = pcap_geterr(pcap_);
      return std::nullopt;
    }
    ++frame_number_;
    auto datagram = parse({data, header->caplen});
    if (!datagram) continue;
    datagram->frame = frame_number_;
    datagram->timestamp = header->ts;
    return datagram;
  }
}

std::optional<UdpDatagram> UdpCapture::parse(std::span<const std::uint8_t> frame) const {
  const auto [network, packet] = strip_link(link_type_, frame);
  std::optional<IpPacket> ip;
  if (network == Network::ipv4) ip = strip_ipv4(packet);
  if (network == Network::ipv6) ip = strip_ipv6(packet);
  if (!ip || ip->udp.size() < 8) return std::nullopt;

  const std::uint16_t source_port = be16(&ip->udp[0]);
  const std::uint16_t destination_port = be16(&ip->udp[2]);
  if (!ports_.contains(source_port) && !ports_.contains(destination_port)) return std::nullopt;

  UdpDatagram datagram;
  datagram.source = ip->source + ":" + std::to_string(source_port);
  datagram.destination = ip->destination + ":" + std::to_string(destination_port);
  datagram.problem = ip->problem;
  const std::size_t udp_length = be16(&ip->udp[4]);
  if (udp_length < 8) {
    datagram.problem = "UDP length field below 8";
  } else if (udp_length > ip->udp.size()) {
    if (datagram.problem.empty())
      datagram.problem = "datagram cut short by the capture's snap length";
  } else {
    datagram.payload = ip->udp.subspan(8, udp_length - 8);
  }
  return datagram;
}

}  // namespace ltpdump
