// PcapWriter: writes UDP datagrams into a classic pcap file, framed for
// one of the link types ltpdump reads (Ethernet, Linux SLL/SLL2, raw IP,
// BSD null), over IPv4 or IPv6.
//
// Test-only: the interop tests use it to hand our own encodings to tshark
// and hostile datagrams to ltpdump. Written by hand rather than through
// pcap_dump so that every link type can be produced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

namespace openltp::interop {

enum class LinkType { ethernet, linux_sll, linux_sll2, raw, null };

class PcapWriter {
 public:
  // Creates `path`; ok() tells whether that worked.
  PcapWriter(const std::string& path, LinkType link, bool ipv6 = false);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  bool ok() const { return file_ != nullptr; }

  // Appends one frame carrying `payload` from port 40000 to `port`; with
  // `snap_length`, records only that many octets of the frame (as a
  // capture with a short snap length would).
  void write(std::span<const std::uint8_t> payload, std::uint16_t port = 1113,
             std::size_t snap_length = SIZE_MAX);

 private:
  std::FILE* file_;
  LinkType link_;
  bool ipv6_;
  std::uint32_t seconds_ = 1700000000;
};

}  // namespace openltp::interop
