// ReceiveRing: the caller-owned buffers BatchSocket::recv_batch fills,
// one slot per datagram, with each datagram's source address.
//
// Allocated once (slots x slot_size octets) and reused for every batch,
// so the receive path never allocates. A datagram is valid until the
// next recv_batch into the same ring.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "libltp/udp/endpoint.h"

namespace ltp::udp {

// The largest UDP payload over IPv4 (65535 - 8 - 20).
constexpr std::size_t kMaxDatagram = 65507;

class ReceiveRing {
 public:
  // A slot_size below the largest datagram expected truncates the rest
  // (truncated() says so).
  explicit ReceiveRing(std::size_t slots, std::size_t slot_size = kMaxDatagram);

  std::size_t capacity() const { return headers_.size(); }

  // The i-th datagram of the last batch (i < the count recv_batch returned).
  std::span<const std::uint8_t> datagram(std::size_t i) const;
  Endpoint source(std::size_t i) const;
  bool truncated(std::size_t i) const;

 private:
  friend class BatchSocket;
  // Resets the headers the kernel overwrote (lengths, flags) before a batch.
  void prepare();
  mmsghdr* headers() { return headers_.data(); }

  std::size_t slot_size_;
  std::vector<std::uint8_t> storage_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> sources_;
  std::vector<mmsghdr> headers_;
};

}  // namespace ltp::udp
