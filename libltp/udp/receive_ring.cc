#include "libltp/udp/receive_ring.h"

namespace ltp::udp {

ReceiveRing::ReceiveRing(std::size_t slots, std::size_t slot_size)
    : slot_size_(slot_size),
      storage_(slots * slot_size),
      iovecs_(slots),
      sources_(slots),
      headers_(slots) {
  for (std::size_t i = 0; i < slots; ++i) {
    iovecs_[i] = iovec{storage_.data() + i * slot_size, slot_size};
    headers_[i].msg_hdr.msg_iov = &iovecs_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
    headers_[i].msg_hdr.msg_name = &sources_[i];
  }
}

void ReceiveRing::prepare() {
  for (auto& header : headers_) {
    header.msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    header.msg_hdr.msg_flags = 0;
    header.msg_len = 0;
  }
}

std::span<const std::uint8_t> ReceiveRing::datagram(std::size_t i) const {
  return {storage_.data() + i * slot_size_, headers_[i].msg_len};
}

Endpoint ReceiveRing::source(std::size_t i) const {
  return Endpoint(reinterpret_cast<const sockaddr*>(&sources_[i]), headers_[i].msg_hdr.msg_namelen);
}

bool ReceiveRing::truncated(std::size_t i) const {
  return (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

}  // namespace ltp::udp
