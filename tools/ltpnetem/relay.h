// The socket side of ltpnetem: one thread per direction receives
// batches on the listening socket, runs them through the direction's
// DirectionCore and sends what it forwards in batches to the far node.
//
// main.cc opens the directions, starts run_direction() for each and
// stops them through RunControl. All impairment logic is in
// DirectionCore; this file only moves datagrams and waits.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "ipc/result.h"
#include "libltp/udp/batch_socket.h"
#include "libltp/udp/endpoint.h"
#include "libltp/udp/waker.h"
#include "tools/ltpnetem/direction_core.h"

namespace ltpnetem {

struct RelayDirection {
  std::string name;           // "ab" or "ba"
  ltp::udp::Endpoint listen;  // as bound (an ephemeral port filled in)
  ltp::udp::Endpoint forward;
  ltp::udp::BatchSocket listen_socket;
  ltp::udp::BatchSocket send_socket;  // unbound: ICMP errors from a node not up yet do not stick
  std::uint64_t send_refused = 0;     // forwarded datagrams the kernel refused to send
};

ltp::Result<RelayDirection, ltp::udp::Error> open_direction(std::string name,
                                                            const ltp::udp::Endpoint& listen,
                                                            const ltp::udp::Endpoint& forward);

// Shared by the direction threads and main.
class RunControl {
 public:
  enum class Mode { run, finish, abandon };

  // datagram_budget 0: no limit (--count).
  explicit RunControl(std::uint64_t datagram_budget) : budget_(datagram_budget) {}

  Mode mode() const { return mode_.load(); }
  // Stop receiving, forward what is pending, then end (--count reached).
  void finish() { advance(Mode::finish); }
  // End now; pending datagrams are counted as dropped at exit (signal, --duration).
  void abandon() { advance(Mode::abandon); }
  // Takes one datagram from the budget: false once it is spent; the last
  // one taken calls finish().
  bool take_datagram();
  // Each direction thread's waker; the control wakes them all on a change.
  void add_waker(const ltp::udp::Waker* waker) { wakers_.push_back(waker); }

 private:
  void advance(Mode to);

  std::atomic<Mode> mode_{Mode::run};
  const std::uint64_t budget_;
  std::atomic<std::uint64_t> taken_{0};
  std::vector<const ltp::udp::Waker*> wakers_;
};

// Runs one direction until the control says to stop. `waker` must have
// been registered with the control.
ltp::Result<void, ltp::udp::Error> run_direction(RelayDirection& direction, DirectionCore& core,
                                                 RunControl& control, const ltp::udp::Waker& waker);

}  // namespace ltpnetem
