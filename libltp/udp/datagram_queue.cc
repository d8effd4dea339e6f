#include "libltp/udp/datagram_queue.h"

#include <algorithm>
#include <cstring>

namespace ltp::udp {
namespace {

// Each datagram sits behind a header; a header with kWrap set says the
// rest of the storage is unused and the next datagram is at the start.
struct EntryHeader {
  std::uint32_t length;
  std::uint32_t flags;
  HostAddress host;
};
constexpr std::uint32_t kWrap = 1;
constexpr std::size_t kAlign = 8;
static_assert(sizeof(EntryHeader) % kAlign == 0);

std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

DatagramQueue::DatagramQueue(std::size_t capacity_octets) : storage_(round_up(capacity_octets)) {}

std::size_t DatagramQueue::footprint(std::size_t length) {
  return sizeof(EntryHeader) + round_up(length);
}

std::ptrdiff_t DatagramQueue::place(std::size_t length, std::size_t head, std::size_t used) const {
  const std::size_t size = storage_.size();
  const std::size_t need = footprint(length);
  if (head + need <= size && used + need <= size) return static_cast<std::ptrdiff_t>(head);
  // At the start, skipping the end of the storage (only when not wrapped yet).
  if (used + (size - head) + need <= size) return 0;
  return -1;
}

std::size_t DatagramQueue::push(std::span<const std::span<const std::uint8_t>> datagrams,
                                std::span<const HostAddress> hosts) {
  std::size_t head, used, used_before;
  {
    std::lock_guard lock(mutex_);
    if (used_ == 0) head_ = tail_ = 0;  // empty: the whole storage is contiguous again
    head = head_;
    used = used_before = used_;
  }
  // Between head and the oldest datagram, only this thread writes: the
  // copies need no lock, and a pop meanwhile only frees more room.
  std::size_t pushed = 0;
  const std::size_t size = storage_.size();
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    const auto& datagram = datagrams[i];
    const std::ptrdiff_t at = place(datagram.size(), head, used);
    if (at < 0) break;
    if (static_cast<std::size_t>(at) != head) {
      // Only the first 8 octets of a wrap header are ever read: it may
      // sit in the last 8 octets of the storage.
      const std::uint32_t wrap[2] = {0, kWrap};
      std::memcpy(&storage_[head], &wrap, sizeof wrap);
      used += size - head;
      head = 0;
    }
    const EntryHeader header{static_cast<std::uint32_t>(datagram.size()), 0,
                             hosts.empty() ? HostAddress{} : hosts[i]};
    std::memcpy(&storage_[head], &header, sizeof header);
    if (!datagram.empty()) {
      std::memcpy(&storage_[head + sizeof header], datagram.data(), datagram.size());
    }
    head += footprint(datagram.size());
    used += footprint(datagram.size());
    if (head == size) head = 0;
    ++pushed;
  }
  if (pushed == 0) return 0;
  {
    std::lock_guard lock(mutex_);
    head_ = head;
    used_ += used - used_before;
    count_ += pushed;
  }
  not_empty_.notify_one();
  return pushed;
}

std::size_t DatagramQueue::peek(std::size_t max, Nanos wait,
                                std::vector<std::span<const std::uint8_t>>& out,
                                std::vector<HostAddress>* hosts) {
  std::size_t available, at;
  {
    std::unique_lock lock(mutex_);
    if (count_ == 0 && wait != Nanos(0)) {
      const auto ready = [&] { return count_ != 0; };
      if (wait < Nanos(0)) {
        not_empty_.wait(lock, ready);
      } else {
        not_empty_.wait_for(lock, wait, ready);
      }
    }
    available = count_;
    at = tail_;
  }
  // The datagrams counted are complete and the producer does not touch
  // them again: read without the lock.
  peeked_.clear();
  std::size_t octets = 0;
  const std::size_t n = std::min(max, available);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t flags[2];
    std::memcpy(flags, &storage_[at], sizeof flags);
    if (flags[1] & kWrap) {
      octets += storage_.size() - at;
      at = 0;
    }
    EntryHeader header;
    std::memcpy(&header, &storage_[at], sizeof header);
    out.emplace_back(&storage_[at + sizeof header], header.length);
    if (hosts != nullptr) hosts->push_back(header.host);
    at += footprint(header.length);
    octets += footprint(header.length);
    if (at == storage_.size()) at = 0;
    peeked_.push_back({at, octets});
  }
  return n;
}

void DatagramQueue::pop(std::size_t count) {
  if (count == 0) return;
  const Peeked& last = peeked_.at(count - 1);
  std::lock_guard lock(mutex_);
  tail_ = last.next;
  used_ -= last.octets;
  count_ -= count;
}

}  // namespace ltp::udp
