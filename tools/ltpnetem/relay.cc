#include "tools/ltpnetem/relay.h"

#include <algorithm>
#include <vector>

namespace ltpnetem {
namespace {

using ltp::udp::BatchSocket;
using ltp::udp::Endpoint;
using ltp::udp::Error;
using ltp::udp::monotonic_now;
using ltp::udp::Nanos;

// Datagrams per recvmmsg; also about how many go out per sendmmsg.
constexpr std::size_t kBatch = 64;

// Collects what the core forwards and sends it in one sendmmsg.
class BatchSender : public Sink {
 public:
  BatchSender(BatchSocket& socket, const Endpoint& destination, std::uint64_t& refused)
      : socket_(socket), destination_(destination), refused_(refused) {
    pieces_.reserve(4 * kBatch);
    datagrams_.reserve(4 * kBatch);
  }

  void forward(std::span<const std::uint8_t> datagram) override {
    // sendmmsg only reads the bytes; iovec has no const version.
    pieces_.push_back(iovec{const_cast<std::uint8_t*>(datagram.data()), datagram.size()});
  }

  ltp::Result<void, Error> flush() {
    datagrams_.clear();
    for (const iovec& piece : pieces_) datagrams_.push_back({{&piece, 1}, &destination_});
    BOOST_OUTCOME_TRY(report, socket_.send_batch(datagrams_));
    refused_ += report.refused;
    pieces_.clear();
    return ltp::success();
  }

 private:
  BatchSocket& socket_;
  const Endpoint& destination_;
  std::uint64_t& refused_;
  std::vector<iovec> pieces_;
  std::vector<ltp::udp::OutgoingDatagram> datagrams_;
};

Nanos time_until(std::optional<Nanos> due, Nanos now) {
  return due ? std::max(Nanos(0), *due - now) : ltp::udp::kWaitForever;
}

}  // namespace

ltp::Result<RelayDirection, Error> open_direction(std::string name, const Endpoint& listen,
                                                  const Endpoint& forward) {
  // UDP GRO in, GSO out: the relay stands for a link, and on loopback it
  // would otherwise cost the kernel as much as the LTP traffic it carries.
  const ltp::udp::SocketOptions offload{.offload = true};
  BOOST_OUTCOME_TRY(listen_socket, BatchSocket::bind(listen, offload));
  BOOST_OUTCOME_TRY(bound, listen_socket.local_endpoint());
  BOOST_OUTCOME_TRY(send_socket, BatchSocket::open(forward.family(), offload));
  return RelayDirection{std::move(name), bound, forward, std::move(listen_socket),
                        std::move(send_socket)};
}

bool RunControl::take_datagram() {
  if (budget_ == 0) return true;
  const std::uint64_t taken_before = taken_.fetch_add(1);
  if (taken_before + 1 == budget_) finish();  // this one is the last
  return taken_before < budget_;
}

void RunControl::advance(Mode to) {
  Mode from = mode_.load();
  while (from < to && !mode_.compare_exchange_weak(from, to)) {
  }
  for (const auto* waker : wakers_) waker->wake();
}

ltp::Result<void, Error> run_direction(RelayDirection& direction, DirectionCore& core,
                                       RunControl& control, const ltp::udp::Waker& waker) {
  BatchSender sender(direction.send_socket, direction.forward, direction.send_refused);
  ltp::udp::ReceiveRing ring(kBatch);
  for (;;) {
    waker.drain();  // before reading the mode, so no change is missed
    const auto mode = control.mode();
    Nanos now = monotonic_now();
    if (mode == RunControl::Mode::abandon) {
      core.discard_pending();
      break;
    }
    if (mode == RunControl::Mode::finish) {
      core.release_held(now, sender);
      core.release_due(now, sender);
      BOOST_OUTCOME_TRYV(sender.flush());
      core.recycle();
      if (core.pending() == 0) break;
      waker.wait(time_until(core.next_due(now), now));
      continue;
    }
    BOOST_OUTCOME_TRY(count, direction.listen_socket.recv_batch(
                                 ring, time_until(core.next_due(now), now), &waker));
    now = monotonic_now();
    for (std::size_t i = 0; i < count && control.take_datagram(); ++i) {
      core.receive(ring.datagram(i), now, sender);
    }
    core.release_due(now, sender);
    BOOST_OUTCOME_TRYV(sender.flush());
    core.recycle();
  }
  return ltp::success();
}

}  // namespace ltpnetem
