#include "libltp/node/supervisor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ipc/task_registry.h"
#include "libltp/node/daemon_plan.h"
#include "libltp/node/spawn.h"

namespace ltp::node {

void Supervisor::check(std::uint64_t now_ms) {
  if (now_ms < next_check_ms_) return;
  next_check_ms_ = now_ms + kCheckMs;
  auto plan = node_.daemon_plan();
  if (!plan || plan->state() != PlanState::supervised) return;
  const auto daemons = plan->daemons();
  for (std::size_t i = 0; i < daemons.size(); ++i) {
    const PlannedDaemon& d = daemons[i];
    if (!watches_(d.role) || d.pid == 0 || ipc::process_alive(d.pid, d.start_time)) continue;
    if (now_ms < d.next_try_ms) continue;
    // Checked again right before the spawn: a stop may have begun since.
    if (plan->state() != PlanState::supervised) return;
    const bool quick = now_ms < d.started_ms + kSettleMs;
    const std::uint64_t quick_deaths = quick ? d.quick_deaths + 1 : 0;
    auto pid = spawn_daemon(d.program, d.argv, node_.dir());
    if (!pid) {
      spdlog::error("{} (pid {}) died and cannot be restarted: {}", d.role, d.pid, pid.error());
      plan->defer(i, quick_deaths, now_ms + kMaxBackoffMs);
      continue;
    }
    plan->started(i, pid.value(), now_ms, true);
    // The first quick death is retried at once, later ones ever later;
    // but never a supervisor: while one waits, the other guards the node
    // alone, and a kill of it then leaves nothing to restart anything.
    const bool supervisor = d.role == kClockRole || d.role == kDeliveryRole;
    const std::uint64_t backoff =
        quick_deaths <= 1 || supervisor
            ? 0
            : std::min<std::uint64_t>(kMaxBackoffMs, 1000ull << (quick_deaths - 2));
    plan->defer(i, quick_deaths, now_ms + backoff);
    spdlog::warn("{} (pid {}) died; restarted `{}` as pid {} (restart {}{})", d.role, d.pid,
                 fmt::join(d.argv, " "), pid.value(), d.restarts + 1,
                 backoff ? fmt::format("; it keeps dying: next restart no sooner than {} s",
                                       backoff / 1000.0)
                         : "");
  }
}

}  // namespace ltp::node
