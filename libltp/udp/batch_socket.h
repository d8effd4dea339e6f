// BatchSocket: a UDP socket that moves datagrams in batches
// (recvmmsg/sendmmsg), the one piece of socket code that udplsi, udplso,
// ltpnetem and udpceiling share.
//
// - recv_batch() fills a caller-owned ReceiveRing with as many datagrams
//   as are queued, waiting first (up to a timeout) if none are; a Waker
//   ends the wait early.
// - send_batch() sends datagrams given as iovec lists (e.g. an LTP header
//   from codec::encode_gather plus the payload where it lies: no copy),
//   resuming after partial sends and waiting out a full send buffer.
//   A datagram the kernel refuses (too big, no route) is skipped and
//   counted, so one bad datagram never stops a sender.
// The socket is non-blocking underneath; EINTR is retried everywhere.
// Buffers are made big (SO_RCVBUF/SO_SNDBUF, SO_*BUFFORCE when privileged)
// because LTP bursts whole blocks.
// With offload (SocketOptions::offload), a run of datagrams of one size to
// one destination goes to the kernel as one message (UDP GSO) and arrives
// as one (UDP GRO), split again by the ReceiveRing: the kernel's cost per
// datagram, which bounds a UDP link on loopback, is paid once per run. The
// datagrams on the wire are the same; a kernel that refuses it gets one
// message per datagram again.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ipc/result.h"
#include "libltp/udp/clock.h"
#include "libltp/udp/endpoint.h"
#include "libltp/udp/error.h"
#include "libltp/udp/receive_ring.h"
#include "libltp/udp/waker.h"

namespace ltp::udp {

struct SocketOptions {
  int receive_buffer = 8 << 20;  // octets asked for; the kernel may cap it
  int send_buffer = 8 << 20;
  bool offload = false;  // UDP GSO on send, GRO on receive (see above)
};

// One datagram to send: its pieces, concatenated on the wire. With a
// null destination the socket must be connected.
struct OutgoingDatagram {
  std::span<const iovec> pieces;
  const Endpoint* destination = nullptr;
};

struct SendReport {
  std::size_t sent = 0;     // datagrams the kernel accepted
  std::size_t refused = 0;  // datagrams skipped after a per-datagram error
  int first_refusal = 0;    // errno of the first refusal, 0 if none
  // ICMP "port unreachable" reports for datagrams sent earlier on a
  // connected socket (nobody listening there yet). The kernel reports
  // them on a later send; that datagram is then sent again, not skipped.
  std::size_t unreachable_reports = 0;
};

// A wait: negative = until something arrives (or the Waker wakes),
// 0 = do not wait.
inline constexpr Nanos kWaitForever{-1};

class BatchSocket {
 public:
  // A socket bound to `local` (port 0: the kernel picks one).
  static Result<BatchSocket, Error> bind(const Endpoint& local, const SocketOptions& options = {});
  // An unbound socket of `family` (AF_INET/AF_INET6) for sending.
  static Result<BatchSocket, Error> open(int family, const SocketOptions& options = {});

  BatchSocket(BatchSocket&& other) noexcept;
  BatchSocket& operator=(BatchSocket&& other) noexcept;
  BatchSocket(const BatchSocket&) = delete;
  BatchSocket& operator=(const BatchSocket&) = delete;
  ~BatchSocket();

  // Fixes the destination of datagrams sent without one.
  Result<void, Error> connect(const Endpoint& remote);
  Result<Endpoint, Error> local_endpoint() const;
  // The buffer sizes the kernel actually granted.
  int receive_buffer_size() const;
  int send_buffer_size() const;
  int fd() const { return fd_; }
  // Whether sends still coalesce runs of datagrams (offload asked for and
  // not refused by the kernel).
  bool send_offload() const { return send_offload_; }
  // Whether send_batch coalesces (default yes, with offload). A sender
  // that is not paced may turn it off: on loopback a coalesced message
  // lands in the receiver's buffer all at once (see udplso).
  void coalesce_sends(bool on) { coalesce_ = on; }

  // Receives up to ring.capacity() datagrams. If none is queued, waits up
  // to `wait` (see kWaitForever) for one, or for `waker`; returns 0 when
  // the wait ended with nothing to read.
  Result<std::size_t, Error> recv_batch(ReceiveRing& ring, Nanos wait = kWaitForever,
                                        const Waker* waker = nullptr);

  // Sends all of `datagrams` in order (waiting while the send buffer is
  // full). Fails only if the socket itself is unusable.
  Result<SendReport, Error> send_batch(std::span<const OutgoingDatagram> datagrams);

 private:
  BatchSocket(int fd, bool offload);
  // Waits for `events` on the socket or the waker; false if the wait
  // timed out or the waker woke.
  Result<bool, Error> wait_for(short events, Nanos wait, const Waker* waker) const;

  // Fills send_headers_ with messages for datagrams[first...]; their count.
  std::size_t build_messages(std::span<const OutgoingDatagram> datagrams, std::size_t first);

  int fd_ = -1;
  bool send_offload_ = false;
  bool coalesce_ = true;
  // Scratch for send_batch, reused: one entry per message.
  std::vector<mmsghdr> send_headers_;
  std::vector<std::size_t> message_datagrams_;  // datagrams in each message
  std::vector<std::size_t> message_pieces_;     // a coalesced message's first piece
  std::vector<std::uint64_t> send_controls_;    // each message's UDP_SEGMENT control
  std::vector<iovec> send_pieces_;              // the pieces of coalesced runs
};

}  // namespace ltp::udp
