// Waker: lets another thread, or a signal handler, end a wait in
// BatchSocket::recv_batch (and anything else polling its fd).
//
// An eventfd. wake() is async-signal-safe. A woken Waker stays readable
// until drain(), so every receiver sharing it returns at once: use it for
// "stop", and check your own stop flag after recv_batch returns.
#pragma once

#include "ipc/result.h"
#include "libltp/udp/clock.h"
#include "libltp/udp/error.h"

namespace ltp::udp {

class Waker {
 public:
  static Result<Waker, Error> create();
  Waker(Waker&& other) noexcept;
  Waker& operator=(Waker&& other) noexcept;
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;
  ~Waker();

  void wake() const;
  void drain() const;
  // Blocks until woken or `timeout` (negative: no limit) passed; true if woken.
  bool wait(Nanos timeout) const;
  int fd() const { return fd_; }

 private:
  explicit Waker(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ltp::udp
