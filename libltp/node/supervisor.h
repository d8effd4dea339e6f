// Supervisor: restarts a node's daemons that died, as the node's own
// watchdog (ION has none: a dead ION daemon stays dead until the operator
// restarts the node).
//
// ltpclock runs one over every daemon but itself, ltpdeliv one over
// ltpclock, so a single death anywhere is repaired within a check
// interval. A daemon is dead when the pid the plan (daemon_plan.h) gives
// for its role is gone; it is restarted with the same command, the plan's
// restart count goes up, and the node's log gets a warning. A daemon that
// keeps dying right after each start is retried after 1, 2, 4 ... up to
// 30 s, so a misconfigured one (a port in use) does not spin; ltpclock
// and ltpdeliv never wait (each is the other's only guard). Nothing is
// restarted unless the plan is `supervised`: not while the node starts or
// stops.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "libltp/node/node.h"

namespace ltp::node {

class Supervisor {
 public:
  // How often check() looks; daemons wake at least this often to call it.
  static constexpr std::uint64_t kCheckMs = 200;
  // A daemon that lived this long before dying is restarted at once.
  static constexpr std::uint64_t kSettleMs = 10000;
  static constexpr std::uint64_t kMaxBackoffMs = 30000;

  // Watches the roles `watches` accepts.
  Supervisor(Node& node, std::function<bool(std::string_view role)> watches)
      : node_(node), watches_(std::move(watches)) {}

  // Restarts the watched daemons found dead; does nothing if called again
  // within kCheckMs.
  void check(std::uint64_t now_ms);

 private:
  Node& node_;
  std::function<bool(std::string_view)> watches_;
  std::uint64_t next_check_ms_ = 0;
};

}  // namespace ltp::node
