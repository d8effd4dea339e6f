// UdpCapture: the UDP datagrams of a pcap file, frame by frame.
//
// Used by ltpdump to find LTP segments in a capture. Understands the link
// types LTP traffic is usually captured on (Ethernet with VLAN tags,
// Linux cooked SLL and SLL2, raw IPv4/IPv6, BSD loopback/null) and IPv4
// and IPv6 (skipping IPv6 extension headers). Frames that are not UDP on
// one of the wanted ports are skipped silently; frames that are, but
// cannot be taken apart (cut short by the snap length, IP fragments),
// come back with a problem description instead of a payload.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

namespace ltpdump {

struct UdpDatagram {
  std::uint64_t frame = 0;  // 1-based frame number in the file
  timeval timestamp{};
  std::string source;  // "address:port" ("[v6]:port" for IPv6)
  std::string destination;
  std::span<const std::uint8_t> payload;  // valid until the next call to next()
  std::string problem;                    // non-empty: payload unusable, why
};

class UdpCapture {
 public:
  // Opens `path`; on failure returns nothing and sets `error`.
  static std::unique_ptr<UdpCapture> open(const std::string& path, std::set<std::uint16_t> ports,
                                          std::string& error);
  ~UdpCapture();
  UdpCapture(const UdpCapture&) = delete;
  UdpCapture& operator=(const UdpCapture&) = delete;

  // The next UDP datagram on a wanted port, or nothing at the end of the
  // file. A read error ends the file and is kept in read_error().
  std::optional<UdpDatagram> next();
  const std::string& read_error() const { return read_error_; }

 private:
  UdpCapture(pcap_t* pcap, std::set<std::uint16_t> ports);
  std::optional<UdpDatagram> parse(std::span<const std::uint8_t> frame) const;

  pcap_t* pcap_;
  int link_type_;
  std::set<std::uint16_t> ports_;
  std::uint64_t frame_number_ = 0;
  std::string read_error_;
};

}  // namespace ltpdump
