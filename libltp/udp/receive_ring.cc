#include "libltp/udp/receive_ring.h"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cstring>

namespace ltp::udp {
namespace {

// Room for the one control message we ask for (UDP_GRO: an int), in
// 8-octet words so the buffer is aligned as cmsghdr wants.
constexpr std::size_t kControlWords = (CMSG_SPACE(sizeof(int)) + 7) / 8;

}  // namespace

ReceiveRing::ReceiveRing(std::size_t slots, std::size_t slot_size)
    : slot_size_(slot_size),
      storage_(slots * slot_size),
      iovecs_(slots),
      sources_(slots),
      controls_(slots * kControlWords),
      headers_(slots) {
  pieces_.reserve(slots * kMaxSegmentsPerMessage);
  for (std::size_t i = 0; i < slots; ++i) {
    iovecs_[i] = iovec{storage_.data() + i * slot_size, slot_size};
    headers_[i].msg_hdr.msg_iov = &iovecs_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
    headers_[i].msg_hdr.msg_name = &sources_[i];
    headers_[i].msg_hdr.msg_control = &controls_[i * kControlWords];
  }
}

void ReceiveRing::prepare() {
  for (auto& header : headers_) {
    header.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    header.msg_hdr.msg_controllen = kControlWords * 8;
    header.msg_hdr.msg_flags = 0;
    header.msg_len = 0;
  }
}

std::size_t ReceiveRing::segment_size(std::size_t message) const {
  const msghdr& h = headers_[message].msg_hdr;
  // CMSG_NXTHDR takes a non-const msghdr but only reads it.
  auto* header = const_cast<msghdr*>(&h);
  for (cmsghdr* c = CMSG_FIRSTHDR(header); c != nullptr; c = CMSG_NXTHDR(header, c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
      int size = 0;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      return size > 0 ? static_cast<std::size_t>(size) : 0;
    }
  }
  return 0;
}

std::size_t ReceiveRing::collect(std::size_t messages) {
  pieces_.clear();
  for (std::size_t m = 0; m < messages; ++m) {
    const std::size_t length = headers_[m].msg_len;
    const std::size_t segment = segment_size(m);
    const auto message = static_cast<std::uint32_t>(m);
    if (segment == 0 || length <= segment) {
      pieces_.push_back({message, 0, static_cast<std::uint32_t>(length)});
      continue;
    }
    for (std::size_t offset = 0; offset < length; offset += segment) {
      pieces_.push_back({message, static_cast<std::uint32_t>(offset),
                         static_cast<std::uint32_t>(std::min(segment, length - offset))});
    }
  }
  return pieces_.size();
}

std::span<const std::uint8_t> ReceiveRing::datagram(std::size_t i) const {
  const Piece& p = pieces_[i];
  return {storage_.data() + p.message * slot_size_ + p.offset, p.length};
}

Endpoint ReceiveRing::source(std::size_t i) const {
  const std::size_t m = pieces_[i].message;
  return Endpoint(reinterpret_cast<const sockaddr*>(&sources_[m]), headers_[m].msg_hdr.msg_namelen);
}

bool ReceiveRing::truncated(std::size_t i) const {
  return (headers_[pieces_[i].message].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

}  // namespace ltp::udp
