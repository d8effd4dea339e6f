// DatagramQueue: a bounded first-in first-out store of datagrams between
// one thread that reads a socket and one that processes what was read.
//
// udplsi uses it so that reading the socket never waits for the engine:
// the kernel's receive buffer (often capped at 208 KiB for unprivileged
// processes) only has to cover the moment between two reads, while a burst
// the engine cannot take at once waits here. Datagrams are copied in
// back to back, each behind its length and its source's host address, so
// a 1400-octet segment takes 1424 octets of the queue whatever size the
// socket's buffers are.
//
// push() never blocks: a datagram that does not fit is refused, as a full
// socket buffer would refuse it. peek() waits (up to a timeout) for
// datagrams and returns views of the oldest ones, which stay valid until
// the consumer's pop(); the producer writes only into space that was never
// handed out, so the two run without holding the lock while copying or
// processing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "libltp/udp/clock.h"
#include "libltp/udp/endpoint.h"

namespace ltp::udp {

class DatagramQueue {
 public:
  explicit DatagramQueue(std::size_t capacity_octets);

  // Producer: appends the datagrams that fit, in order, with their
  // sources' hosts (`hosts`: one per datagram, or empty); how many did.
  std::size_t push(std::span<const std::span<const std::uint8_t>> datagrams,
                   std::span<const HostAddress> hosts = {});

  // Consumer: up to `max` of the oldest datagrams, appended to `out` (and
  // their hosts to `hosts`, if given), waiting up to `wait` if there are
  // none (0 found = the wait ended).
  std::size_t peek(std::size_t max, Nanos wait, std::vector<std::span<const std::uint8_t>>& out,
                   std::vector<HostAddress>* hosts = nullptr);
  // Consumer: drops the `count` oldest datagrams, of those the last peek()
  // returned (call it before the next peek).
  void pop(std::size_t count);

  // Octets the queue holds at most (a datagram takes its size + 24, rounded up to 8).
  std::size_t capacity() const { return storage_.size(); }

 private:
  static std::size_t footprint(std::size_t length);
  // Where a datagram of `length` octets would go, if it fits now; -1 if not.
  std::ptrdiff_t place(std::size_t length, std::size_t head, std::size_t used) const;

  std::vector<std::uint8_t> storage_;
  std::mutex mutex_;
  std::condition_variable not_empty_;
  // Guarded by mutex_: where the next datagram goes, octets in use (from
  // the oldest datagram's start to `head_`), datagrams held, and the
  // consumer's read position.
  std::size_t head_ = 0;
  std::size_t used_ = 0;
  std::size_t count_ = 0;
  std::size_t tail_ = 0;
  // Consumer only: for each datagram peek() handed out, where the next one
  // starts and the octets freed by popping up to it.
  struct Peeked {
    std::size_t next;
    std::size_t octets;
  };
  std::vector<Peeked> peeked_;
};

}  // namespace ltp::udp
