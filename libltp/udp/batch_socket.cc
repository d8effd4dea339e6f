#include "libltp/udp/batch_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>

namespace ltp::udp {
namespace {

// Datagrams handed to one sendmmsg call.
constexpr std::size_t kSendChunk = 256;

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
  return fd;
}

}  // namespace

BatchSocket::BatchSocket(int fd) : fd_(fd), send_headers_(kSendChunk) {}

BatchSocket::BatchSocket(BatchSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), send_headers_(std::move(other.send_headers_)) {}

BatchSocket& BatchSocket::operator=(BatchSocket&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(send_headers_, other.send_headers_);
  return *this;
}

BatchSocket::~BatchSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<BatchSocket, Error> BatchSocket::bind(const Endpoint& local, const SocketOptions& options) {
  BOOST_OUTCOME_TRY(fd, new_socket(local.family(), options));
  BatchSocket socket(fd);
  if (::bind(fd, local.address(), local.size()) != 0)
    return failure(system_error("cannot bind " + to_string(local), errno));
  return socket;
}

Result<BatchSocket, Error> BatchSocket::open(int family, const SocketOptions& options) {
  BOOST_OUTCOME_TRY(fd, new_socket(family, options));
  return BatchSocket(fd);
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
    if (n >= 0) return static_cast<std::size_t>(n);
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

Result<SendReport, Error> BatchSocket::send_batch(std::span<const OutgoingDatagram> datagrams) {
  SendReport report;
  std::size_t next = 0;
  while (next < datagrams.size()) {
    const std::size_t chunk = std::min(datagrams.size() - next, send_headers_.size());
    for (std::size_t i = 0; i < chunk; ++i) {
      const OutgoingDatagram& d = datagrams[next + i];
      msghdr& h = send_headers_[i].msg_hdr;
      h = msghdr{};
      // sendmmsg takes non-const pointers but only reads through them.
      if (d.destination) {
        h.msg_name = const_cast<sockaddr*>(d.destination->address());
        h.msg_namelen = d.destination->size();
      }
      h.msg_iov = const_cast<iovec*>(d.pieces.data());
      h.msg_iovlen = d.pieces.size();
    }
    const int n = ::sendmmsg(fd_, send_headers_.data(), static_cast<unsigned>(chunk), MSG_DONTWAIT);
    if (n > 0) {
      report.sent += static_cast<std::size_t>(n);
      next += static_cast<std::size_t>(n);
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
    if (report.refused++ == 0) report.first_refusal = e;
    ++next;
  }
  return report;
}

}  // namespace ltp::udp
