#include "tests/interop/pcap_writer.h"

#include <algorithm>
#include <vector>

namespace openltp::interop {

namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// Little-endian, as the pcap file header and record headers are written
// in host order and we declare little-endian by the magic's byte order.
void put32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t link_code(LinkType link) {
  switch (link) {
    case LinkType::ethernet:
      return 1;
    case LinkType::linux_sll:
      return 113;
    case LinkType::linux_sll2:
      return 276;
    case LinkType::raw:
      return 101;
    case LinkType::null:
      return 0;
  }
  return 1;
}

std::uint16_t ipv4_checksum(const std::uint8_t* header) {
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(header[i] << 8 | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::vector<std::uint8_t> ip_udp(std::span<const std::uint8_t> payload, std::uint16_t port,
                                 bool ipv6) {
  std::vector<std::uint8_t> p;
  const auto udp_length = static_cast<std::uint16_t>(8 + payload.size());
  if (ipv6) {
    p = {0x60, 0, 0, 0};
    put16(p, udp_length);
    p.push_back(17);  // next header UDP
    p.push_back(64);
    for (int side = 0; side < 2; ++side) {  // ::1 both ways
      p.insert(p.end(), 15, 0);
      p.push_back(1);
    }
  } else {
    p = {0x45, 0};
    put16(p, static_cast<std::uint16_t>(20 + udp_length));
    p.insert(p.end(), {0, 1, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1});
    const std::uint16_t sum = ipv4_checksum(p.data());
    p[10] = static_cast<std::uint8_t>(sum >> 8);
    p[11] = static_cast<std::uint8_t>(sum);
  }
  put16(p, 40000);
  put16(p, port);
  put16(p, udp_length);
  put16(p, 0);  // no UDP checksum: allowed over IPv4 (IPv6 frames are only for ltpdump)
  p.insert(p.end(), payload.begin(), payload.end());
  return p;
}

std::vector<std::uint8_t> link_header(LinkType link, bool ipv6) {
  const std::uint16_t ethertype = ipv6 ? 0x86DD : 0x0800;
  std::vector<std::uint8_t> h;
  switch (link) {
    case LinkType::ethernet:
      h.assign(12, 0);
      put16(h, ethertype);
      break;
    case LinkType::linux_sll:
      h = {0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0};
      put16(h, ethertype);
      break;
    case LinkType::linux_sll2:
      put16(h, ethertype);
      h.insert(h.end(), {0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0});
      break;
    case LinkType::raw:
      break;
    case LinkType::null:
      put32le(h, ipv6 ? 30 : 2);
      break;  // AF_INET / AF_INET6 (BSD)
  }
  return h;
}

}  // namespace

PcapWriter::PcapWriter(const std::string& path, LinkType link, bool ipv6)
    : file_(std::fopen(path.c_str(), "wb")), link_(link), ipv6_(ipv6) {
  if (!file_) return;
  std::vector<std::uint8_t> header;
  put32le(header, 0xA1B2C3D4);  // microsecond timestamps
  header.insert(header.end(), {2, 0, 4, 0});
  put32le(header, 0);      // thiszone
  put32le(header, 0);      // sigfigs
  put32le(header, 65535);  // snaplen
  put32le(header, link_code(link));
  std::fwrite(header.data(), 1, header.size(), file_);
}

PcapWriter::~PcapWriter() {
  if (file_) std::fclose(file_);
}

void PcapWriter::write(std::span<const std::uint8_t> payload, std::uint16_t port,
                       std::size_t snap_length) {
  std::vector<std::uint8_t> frame = link_header(link_, ipv6_);
  const auto packet = ip_udp(payload, port, ipv6_);
  frame.insert(frame.end(), packet.begin(), packet.end());
  std::vector<std::uint8_t> record;
  put32le(record, seconds_++);
  put32le(record, 0);
  const std::size_t captured = std::min(frame.size(), snap_length);
  put32le(record, static_cast<std::uint32_t>(captured));
  put32le(record, static_cast<std::uint32_t>(frame.size()));
  std::fwrite(record.data(), 1, record.size(), file_);
  std::fwrite(frame.data(), 1, captured, file_);
}

}  // namespace openltp::interop
