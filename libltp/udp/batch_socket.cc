#include "libltp/udp/batch_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace ltp::udp {
namespace {

// Messages handed to one sendmmsg call.
constexpr std::size_t kSendChunk = 256;
// One message's UDP_SEGMENT control (a uint16_t), in aligned 8-octet words.
constexpr std::size_t kControlWords = (CMSG_SPACE(sizeof(std::uint16_t)) + 7) / 8;

std::size_t size_of(const OutgoingDatagram& d) {
  std::size_t size = 0;
  for (const iovec& piece : d.pieces) size += piece.iov_len;
  return size;
}

// errno values that mean the socket (or our memory) is unusable; any
// other sendmmsg error concerns the one datagram at the head of the call.
bool fatal_send_error(int e) { return e == EBADF || e == ENOTSOCK || e == EFAULT || e == ENOMEM; }

// Tries the privileged option first (it ignores net.core.*mem_max), then
// the ordinary one, which the kernel silently caps.
void grow_buffer(int fd, int forced_option, int option, int octets) {
  if (::setsockopt(fd, SOL_SOCKET, forced_option, &octets, sizeof octets) == 0) return;
  ::setsockopt(fd, SOL_SOCKET, option, &octets, sizeof octets);
}

int read_int_option(int fd, int option) {
  int value = 0;
  socklen_t size = sizeof value;
  ::getsockopt(fd, SOL_SOCKET, option, &value, &size);
  return value;
}

Result<int, Error> new_socket(int family, const SocketOptions& options) {
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return failure(system_error("cannot create a UDP socket", errno));
  grow_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, options.receive_buffer);
  grow_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, options.send_buffer);
  if (options.offload) {
    const int on = 1;  // a kernel without UDP GRO just delivers datagrams one by one
    ::setsockopt(fd, IPPROTO_UDP, UDP_GRO, &on, sizeof on);
  }
  return fd;
}

}  // namespace

BatchSocket::BatchSocket(int fd, bool offload)
    : fd_(fd),
      send_offload_(offload),
      send_headers_(kSendChunk),
      message_datagrams_(kSendChunk),
      message_pieces_(kSendChunk),
      send_controls_(offload ? kSendChunk * kControlWords : 0) {}

BatchSocket::BatchSocket(BatchSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      send_offload_(other.send_offload_),
      coalesce_(other.coalesce_),
      send_headers_(std::move(other.send_headers_)),
      message_datagrams_(std::move(other.message_datagrams_)),
      message_pieces_(std::move(other.message_pieces_)),
      send_controls_(std::move(other.send_controls_)),
      send_pieces_(std::move(other.send_pieces_)) {}

BatchSocket& BatchSocket::operator=(BatchSocket&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(send_offload_, other.send_offload_);
  std::swap(coalesce_, other.coalesce_);
  std::swap(send_headers_, other.send_headers_);
  std::swap(message_datagrams_, other.message_datagrams_);
  std::swap(message_pieces_, other.message_pieces_);
  std::swap(send_controls_, other.send_controls_);
  std::swap(send_pieces_, other.send_pieces_);
  return *this;
}

BatchSocket::~BatchSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<BatchSocket, Error> BatchSocket::bind(const Endpoint& local, const SocketOptions& options) {
  BOOST_OUTCOME_TRY(fd, new_socket(local.family(), options));
  BatchSocket socket(fd, options.offload);
  if (::bind(fd, local.address(), local.size()) != 0)
    return failure(system_error("cannot bind " + to_string(local), errno));
  return socket;
}

Result<BatchSocket, Error> BatchSocket::open(int family, const SocketOptions& options) {
  BOOST_OUTCOME_TRY(fd, new_socket(family, options));
  return BatchSocket(fd, options.offload);
}

Result<void, Error> BatchSocket::connect(const Endpoint& remote) {
  if (::connect(fd_, remote.address(), remote.size()) != 0)
    return failure(system_error("cannot connect to " + to_string(remote), errno));
  return success();
}

Result<Endpoint, Error> BatchSocket::local_endpoint() const {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    return failure(system_error("getsockname failed", errno));
  return Endpoint(reinterpret_cast<const sockaddr*>(&address), size);
}

int BatchSocket::receive_buffer_size() const { return read_int_option(fd_, SO_RCVBUF); }
int BatchSocket::send_buffer_size() const { return read_int_option(fd_, SO_SNDBUF); }

Result<bool, Error> BatchSocket::wait_for(short events, Nanos wait, const Waker* waker) const {
  std::array<pollfd, 2> fds{pollfd{fd_, events, 0}, pollfd{waker ? waker->fd() : -1, POLLIN, 0}};
  timespec timeout{};
  const timespec* timeout_pointer = nullptr;
  if (wait >= Nanos(0)) {
    timeout.tv_sec = static_cast<time_t>(wait.count() / 1'000'000'000);
    timeout.tv_nsec = static_cast<long>(wait.count() % 1'000'000'000);
    timeout_pointer = &timeout;
  }
  const int n = ::ppoll(fds.data(), waker ? 2 : 1, timeout_pointer, nullptr);
  if (n < 0 && errno == EINTR) return false;  // a signal: let the caller look at its flags
  if (n < 0) return failure(system_error("poll on a UDP socket failed", errno));
  if (waker && (fds[1].revents & POLLIN)) return false;
  return n > 0;
}

Result<std::size_t, Error> BatchSocket::recv_batch(ReceiveRing& ring, Nanos wait,
                                                   const Waker* waker) {
  const Nanos deadline = wait > Nanos(0) ? monotonic_now() + wait : Nanos(0);
  for (;;) {
    ring.prepare();
    const int n = ::recvmmsg(fd_, ring.headers(), static_cast<unsigned>(ring.capacity()),
                             MSG_DONTWAIT, nullptr);
    if (n >= 0) return ring.collect(static_cast<std::size_t>(n));
    // ECONNREFUSED: an ICMP error left by an earlier send; reading cleared it.
    if (errno == EINTR || errno == ECONNREFUSED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return failure(system_error("recvmmsg failed", errno));
    if (wait == Nanos(0)) return 0;
    Nanos remaining = wait;
    if (wait > Nanos(0)) remaining = std::max(Nanos(0), deadline - monotonic_now());
    BOOST_OUTCOME_TRY(readable, wait_for(POLLIN, remaining, waker));
    if (!readable) return 0;
  }
}

// A message is one datagram, or with offload a run of datagrams to one
// destination, all of the first one's size but the last, which may be
// shorter: the kernel cuts it into those datagrams again (UDP_SEGMENT).
std::size_t BatchSocket::build_messages(std::span<const OutgoingDatagram> datagrams,
                                        std::size_t first) {
  std::size_t messages = 0;
  std::size_t next = first;
  send_pieces_.clear();
  while (next < datagrams.size() && messages < send_headers_.size()) {
    const OutgoingDatagram& head = datagrams[next];
    std::size_t run = 1;
    if (send_offload_ && coalesce_) {
      const std::size_t segment = size_of(head);
      std::size_t total = segment;
      while (next + run < datagrams.size() && run < kMaxSegmentsPerMessage) {
        const OutgoingDatagram& d = datagrams[next + run];
        const std::size_t size = size_of(d);
        if (d.destination != head.destination || size > segment || total + size > kMaxDatagram)
          break;
        total += size;
        ++run;
        if (size < segment) break;  // only the last may be shorter
      }
    }
    msghdr& h = send_headers_[messages].msg_hdr;
    h = msghdr{};
    // sendmmsg takes non-const pointers but only reads through them.
    if (head.destination) {
      h.msg_name = const_cast<sockaddr*>(head.destination->address());
      h.msg_namelen = head.destination->size();
    }
    if (run == 1) {
      h.msg_iov = const_cast<iovec*>(head.pieces.data());
      h.msg_iovlen = head.pieces.size();
    } else {
      const std::size_t start = send_pieces_.size();
      for (std::size_t i = 0; i < run; ++i) {
        const auto& pieces = datagrams[next + i].pieces;
        send_pieces_.insert(send_pieces_.end(), pieces.begin(), pieces.end());
      }
      h.msg_iovlen = send_pieces_.size() - start;
      message_pieces_[messages] = start;  // msg_iov is set once send_pieces_ stops growing
      auto* control = &send_controls_[messages * kControlWords];
      h.msg_control = control;
      h.msg_controllen = CMSG_SPACE(sizeof(std::uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto segment = static_cast<std::uint16_t>(size_of(head));
      std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
    }
    message_datagrams_[messages] = run;
    ++messages;
    next += run;
  }
  for (std::size_t m = 0; m < messages; ++m) {
    msghdr& h = send_headers_[m].msg_hdr;
    if (message_datagrams_[m] > 1) h.msg_iov = send_pieces_.data() + message_pieces_[m];
  }
  return messages;
}

Result<SendReport, Error> BatchSocket::send_batch(std::span<const OutgoingDatagram> datagrams) {
  SendReport report;
  std::size_t next = 0;
  while (next < datagrams.size()) {
    const std::size_t messages = build_messages(datagrams, next);
    const int n =
        ::sendmmsg(fd_, send_headers_.data(), static_cast<unsigned>(messages), MSG_DONTWAIT);
    if (n > 0) {
      for (int m = 0; m < n; ++m) {
        report.sent += message_datagrams_[m];
        next += message_datagrams_[m];
      }
      continue;
    }
    const int e = n == 0 ? EAGAIN : errno;
    if (e == EINTR) continue;
    if (e == ECONNREFUSED) {  // about an earlier datagram; this one was not sent yet
      ++report.unreachable_reports;
      continue;
    }
    if (e == EAGAIN || e == EWOULDBLOCK) {
      BOOST_OUTCOME_TRYV(wait_for(POLLOUT, kWaitForever, nullptr));
      continue;
    }
    if (fatal_send_error(e)) return failure(system_error("sendmmsg failed", e));
    if (message_datagrams_[0] > 1) {
      // The kernel cannot segment here (no checksum offload on the route,
      // a segment above the path MTU, ...): one datagram per message from now on.
      send_offload_ = false;
      continue;
    }
    if (report.refused++ == 0) report.first_refusal = e;
    ++next;
  }
  return report;
}

}  // namespace ltp::udp
