// ReceiveRing: the caller-owned buffers BatchSocket::recv_batch fills,
// with each datagram's source address.
//
// One slot per message the kernel hands over. A message is one datagram,
// or, on a socket with receive offload (UDP GRO), a run of datagrams of
// one size from one source that the kernel coalesced; the ring splits
// those again, so callers only ever see datagrams (datagram(i) for i below
// the count recv_batch returned).
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
// The most datagrams the kernel coalesces into one message (UDP_MAX_SEGMENTS).
constexpr std::size_t kMaxSegmentsPerMessage = 64;

class ReceiveRing {
 public:
  // A slot_size below the largest message expected truncates the rest
  // (truncated() says so); with receive offload, use kMaxDatagram.
  explicit ReceiveRing(std::size_t slots, std::size_t slot_size = kMaxDatagram);

  // Messages one recv_batch can take.
  std::size_t capacity() const { return headers_.size(); }

  // The i-th datagram of the last batch (i < the count recv_batch returned).
  std::span<const std::uint8_t> datagram(std::size_t i) const;
  Endpoint source(std::size_t i) const;
  bool truncated(std::size_t i) const;

 private:
  friend class BatchSocket;
  // Where one datagram lies: which message, and where in its slot.
  struct Piece {
    std::uint32_t message;
    std::uint32_t offset;
    std::uint32_t length;
  };
  // Resets the headers the kernel overwrote (lengths, flags) before a batch.
  void prepare();
  mmsghdr* headers() { return headers_.data(); }
  // Splits the `messages` just received into datagrams; their count.
  std::size_t collect(std::size_t messages);
  // The coalesced datagrams' size (UDP_GRO control message), 0 if none.
  std::size_t segment_size(std::size_t message) const;

  std::size_t slot_size_;
  std::vector<std::uint8_t> storage_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> sources_;
  std::vector<std::uint64_t> controls_;  // one aligned control buffer per slot
  std::vector<mmsghdr> headers_;
  std::vector<Piece> pieces_;
};

}  // namespace ltp::udp
