// ltpclock: the node's clock task. Sleeps until the earliest deadline in
// the timeline (millisecond resolution, not ION's one-second tick) or until
// the engine says the timeline changed, fires what is due (checkpoint,
// report and cancel retransmissions, stale imports, closed-session memory,
// block release), and applies the contact plan at each contact or range
// boundary: rates, OWLT, and the link cues that suspend and resume timers.
// Aggregation timers are each span's ltpmeter's. It also supervises every
// other daemon of the node (libltp/node/supervisor.h): one that dies is
// restarted within Supervisor::kCheckMs.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "daemons/common/daemon_process.h"
#include "ipc/node_semaphore.h"
#include "libltp/node/link_plan.h"
#include "libltp/node/semaphore_names.h"
#include "libltp/node/supervisor.h"
#include "libltp/cli/cli.h"

namespace {

namespace cli = ltp::cli;
using ltp::daemons::DaemonProcess;

// The contact plan may be edited while the node runs (ionadmin): re-read
// it at least this often.
constexpr std::uint64_t kPlanRereadMs = 1000;
// Upper bound on one sleep, so a stop request is seen without a post and
// a dead daemon is noticed in time.
constexpr std::uint64_t kMaxSleepMs = ltp::node::Supervisor::kCheckMs;

// For operators and scripts: which process is the node's clock now.
void write_pid_file(const std::filesystem::path& path) {
  const auto temporary = path.string() + ".new";
  std::ofstream(temporary, std::ios::trunc) << ::getpid() << '\n';
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) spdlog::warn("cannot write {}: {}", path.string(), ec.message());
}

int serve(DaemonProcess& daemon) {
  auto& node = daemon.node();
  auto& engine = daemon.engine();
  auto wake = ltp::ipc::NodeSemaphore::open(node.dir(), ltp::node::kClockSemaphore);
  if (!wake)
    return cli::runtime_failure("ltpclock",
                                "the node's clock semaphore is missing: restart the node");
  auto plan = ltp::node::load_contact_plan(node.heap());
  std::uint64_t plan_check = 0;
  std::uint64_t heap_full_said = 0;
  constexpr std::uint64_t kHeapFullLogMs = 10'000;
  ltp::node::Supervisor supervisor(
      node, [](std::string_view role) { return role != ltp::node::kClockRole; });
  write_pid_file(node.dir().clock_pid_path());
  daemon.announce_started();
  while (!DaemonProcess::stop_requested()) {
    const std::uint64_t now = ltp::node::now_ms();
    supervisor.check(now);
    if (auto fired = engine.on_timers(now, ltp::engine::TimerScope::except_aggregation); !fired) {
      if (fired.error() != ltp::engine::EngineError::heap_full) {
        spdlog::error("timers: {}", ltp::engine::to_string(fired.error()));
      } else if (now >= heap_full_said + kHeapFullLogMs) {
        // Retried every second until room comes back: say so now and then.
        spdlog::warn(
            "the heap is full: timers that need room wait and are retried every {} ms "
            "(raise heapmax or the heap size, or let clients take their blocks)",
            ltp::engine::Engine::kHeapFullRetryMs);
        heap_full_said = now;
      }
    }
    if (now >= plan_check) {
      plan = ltp::node::load_contact_plan(node.heap());
      if (!ltp::node::apply_link_plan(node, engine, plan, now)) {
        spdlog::error("cannot apply the contact plan (heap error)");
      }
      plan_check = now + kPlanRereadMs;
      if (const auto change = ltp::node::next_link_change(node, plan, now)) {
        plan_check = std::min(plan_check, *change);
      }
    }
    std::uint64_t until = std::min(plan_check, now + kMaxSleepMs);
    if (const auto deadline = engine.next_deadline(ltp::engine::TimerScope::except_aggregation)) {
      until = std::min(until, *deadline);
    }
    const auto later = ltp::node::now_ms();
    if (until <= later) continue;
    if (wake.value().timed_wait(std::chrono::milliseconds(until - later)) ==
        ltp::ipc::WaitResult::ended) {
      break;
    }
    // Many timeline changes may have been posted; one pass serves them all.
    while (wake.value().try_wait() == ltp::ipc::WaitResult::acquired) {
    }
  }
  spdlog::info("ltpclock stopping");
  return cli::kOk;
}

int run(int argc, char** argv) {
  cxxopts::Options options("ltpclock", "The LTP node's timer and contact-plan task.");
  DaemonProcess::add_common_options(options);
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  auto daemon = DaemonProcess::start("ltpclock", command_line.args, ltp::node::kClockRole);
  if (!daemon) return cli::runtime_failure("ltpclock", daemon.error());
  return serve(*daemon.value());
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
