#include "libltp/udp/waker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>

namespace ltp::udp {

Result<Waker, Error> Waker::create() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return failure(system_error("cannot create an eventfd", errno));
  return Waker(fd);
}

Waker::Waker(Waker&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Waker& Waker::operator=(Waker&& other) noexcept {
  std::swap(fd_, other.fd_);
  return *this;
}

Waker::~Waker() {
  if (fd_ >= 0) ::close(fd_);
}

void Waker::wake() const {
  const std::uint64_t one = 1;
  // Cannot fail short of a full counter (2^64 - 2 wakes), which still wakes.
  [[maybe_unused]] const auto written = ::write(fd_, &one, sizeof one);
}

void Waker::drain() const {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto read = ::read(fd_, &count, sizeof count);
}

bool Waker::wait(Nanos timeout) const {
  pollfd fd{fd_, POLLIN, 0};
  timespec limit{static_cast<time_t>(timeout.count() / 1'000'000'000),
                 static_cast<long>(timeout.count() % 1'000'000'000)};
  return ::ppoll(&fd, 1, timeout < Nanos(0) ? nullptr : &limit, nullptr) > 0;
}

}  // namespace ltp::udp
