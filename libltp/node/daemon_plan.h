// DaemonPlan: the daemons a started node runs — role, program, arguments,
// the pid now playing each role and how often it was restarted — kept in
// the node's volatile segment beside the task registry.
//
// start_node() writes it (state `starting`, then `supervised` once every
// daemon serves); the Supervisor (supervisor.h) in ltpclock and ltpdeliv
// reads it to restart a daemon that died; stop_node() sets `stopping`
// first, so nothing is restarted under a stop; ltpstat shows the restart
// counts. Entries are written by one process each (start_node, then the
// one supervisor watching the role), so a robust mutex only keeps readers
// from seeing half an entry.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipc/result.h"
#include "ipc/volatile_segment.h"

namespace ltp::node {

enum class PlanState : std::uint32_t { none, starting, supervised, stopping };

struct PlannedDaemon {
  std::string role;     // "ltpclock", "udplso:2", "lsi #1"
  std::string program;  // the executable's path
  std::vector<std::string> argv;
  pid_t pid = 0;                 // 0 until started
  std::uint64_t start_time = 0;  // /proc start time of pid
  std::uint64_t started_ms = 0;  // when it was last (re)started
  std::uint64_t restarts = 0;
  std::uint64_t quick_deaths = 0;  // deaths in a row within kSettleMs of a start
  std::uint64_t next_try_ms = 0;   // no restart before (backoff)
};

class DaemonPlan {
 public:
  // The plan of the node whose segment this is (found or made empty).
  static Result<DaemonPlan, std::string> in(ipc::VolatileSegment& segment);

  // Replaces the plan (state `starting`). Fails if it does not fit.
  Result<void, std::string> begin(const std::vector<PlannedDaemon>& daemons);
  // Records that entry `index` now runs as `pid`.
  void started(std::size_t index, pid_t pid, std::uint64_t now_ms, bool restart);
  // Backoff bookkeeping of a restart that had to wait or failed.
  void defer(std::size_t index, std::uint64_t quick_deaths, std::uint64_t next_try_ms);
  void set_state(PlanState state);
  PlanState state() const;
  std::vector<PlannedDaemon> daemons() const;

  struct Table;

 private:
  explicit DaemonPlan(Table* table) : table_(table) {}
  Table* table_;
};

}  // namespace ltp::node
