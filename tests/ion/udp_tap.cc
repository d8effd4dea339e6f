#include "tests/ion/udp_tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ltp::ion_test {
namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

}  // namespace

UdpTap::UdpTap(int forward_port) : forward_port_(forward_port) {
  socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  auto address = loopback(0);
  ::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  stop_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { forward(); });
}

UdpTap::~UdpTap() {
  const std::uint64_t one = 1;
  (void)!::write(stop_, &one, sizeof one);
  thread_.join();
  ::close(socket_);
  ::close(stop_);
}

void UdpTap::forward() {
  const auto to = loopback(forward_port_);
  std::vector<std::uint8_t> buffer(65536);
  pollfd ready[2] = {{socket_, POLLIN, 0}, {stop_, POLLIN, 0}};
  while (::poll(ready, 2, -1) >= 0 && (ready[1].revents & POLLIN) == 0) {
    if ((ready[0].revents & POLLIN) == 0) continue;
    const ssize_t n = ::recv(socket_, buffer.data(), buffer.size(), 0);
    if (n < 0) continue;
    ::sendto(socket_, buffer.data(), static_cast<std::size_t>(n), 0,
             reinterpret_cast<const sockaddr*>(&to), sizeof to);
    std::lock_guard lock(mutex_);
    datagrams_.emplace_back(buffer.begin(), buffer.begin() + n);
    arrived_.notify_all();
  }
}

bool UdpTap::await(std::size_t count, std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, limit, [&] { return datagrams_.size() >= count; });
}

std::vector<std::vector<std::uint8_t>> UdpTap::datagrams() const {
  std::lock_guard lock(mutex_);
  return datagrams_;
}

}  // namespace ltp::ion_test
