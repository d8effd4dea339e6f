#include "libltp/node/node_control.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "ipc/node_semaphore.h"
#include "ipc/task_registry.h"
#include "ipc/volatile_segment.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/migration.h"
#include "libltp/db/volatile_db.h"
#include "libltp/node/daemon_plan.h"
#include "libltp/node/link_plan.h"
#include "libltp/node/node_lock.h"
#include "libltp/node/semaphore_names.h"
#include "libltp/node/spawn.h"

namespace ltp::node {
namespace {

NodeError error(NodeErrc code, std::string message) { return NodeError{code, std::move(message)}; }

std::vector<std::string> split_words(std::string_view command) {
  std::istringstream in{std::string(command)};
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

struct Planned {
  std::string role;
  std::vector<std::string> argv;
};

// Every daemon the node's configuration calls for, in start order.
Result<std::vector<Planned>, NodeError> plan_daemons(Node& node, const StartOptions& options) {
  auto engine = node.make_engine();
  if (!engine) return failure(engine.error());
  auto txn = node.heap().begin();
  if (!txn) return failure(error(NodeErrc::heap, "cannot read the heap"));
  auto& db = engine.value()->db();
  std::vector<Planned> plan{{kClockRole, {"ltpclock"}}, {kDeliveryRole, {"ltpdeliv"}}};
  for (const auto span : db.list_spans(txn.value())) {
    const auto config = db.span_info(txn.value(), span).value();
    plan.push_back({meter_role(span), {"ltpmeter", std::to_string(span)}});
    auto lso = split_words(config.lso_command.data());
    if (lso.empty()) {
      (void)txn.value().commit();
      return failure(error(NodeErrc::bad_argument,
                           fmt::format("span {} has no LSO command: set one with `c span`", span)));
    }
    lso.push_back(std::to_string(span));
    plan.push_back({lso_role(span), lso});
  }
  std::vector<std::string> seats;
  if (options.lsi_command) {
    seats.push_back(*options.lsi_command);
  } else {
    seats = db.list_seats(txn.value());
  }
  (void)txn.value().commit();
  for (std::size_t i = 0; i < seats.size(); ++i) {
    auto lsi = split_words(seats[i]);
    if (lsi.empty()) continue;
    plan.push_back({fmt::format("lsi #{}", i + 1), lsi});
  }
  return plan;
}

bool still_running(pid_t pid) { return ipc::process_start_time(pid).has_value(); }

}  // namespace

std::filesystem::path default_bin_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec && std::filesystem::exists(self.parent_path() / "ltpclock", ec)) {
    return self.parent_path();
  }
  if (const char* dir = std::getenv("OPENLTP_BIN_DIR"); dir != nullptr && *dir != '\0') return dir;
  return {};
}

Result<void, NodeError> upgrade_heap(const ipc::NodeDir& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir.heap_path(), ec)) return success();
  auto heap = ipc::Heap::attach(dir.heap_path());
  if (!heap) return failure(error(NodeErrc::heap, "cannot attach the heap"));
  auto txn = heap.value()->begin();
  if (!txn) return failure(error(NodeErrc::heap, "cannot read the heap"));
  auto was = db::upgrade(txn.value());
  if (!was) {
    txn.value().abort();
    if (was.error() == db::DbError::not_initialized || was.error() == db::DbError::wrong_format) {
      return success();  // nothing to upgrade; Node::attach says what is wrong
    }
    return failure(
        error(NodeErrc::heap, fmt::format("cannot upgrade the heap {}: {}",
                                          dir.heap_path().string(), db::to_string(was.error()))));
  }
  if (!txn.value().commit()) {
    return failure(error(NodeErrc::heap, "cannot upgrade the heap: the commit failed"));
  }
  if (was.value() != db::kDbFormatVersion) {
    spdlog::warn("upgraded the heap {} from LTP database format {} to {}; sessions in flight kept",
                 dir.heap_path().string(), was.value(), db::kDbFormatVersion);
  }
  return success();
}

Result<void, NodeError> ensure_heap(const ipc::NodeDir& dir,
                                    const ipc::HeapCreateOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(dir.heap_path(), ec)) return success();
  if (auto created = ipc::Heap::create(dir.heap_path(), options); !created) {
    return failure(
        error(NodeErrc::heap, fmt::format("cannot create the heap {}: {}", dir.heap_path().string(),
                                          ipc::to_string(created.error()))));
  }
  spdlog::info("created the node's heap {}", dir.heap_path().string());
  return success();
}

Result<void, NodeError> prepare_volatile(const ipc::NodeDir& dir) {
  ipc::NodeSemaphore::unlink_all(dir);
  auto heap = ipc::Heap::attach(dir.heap_path());
  if (!heap) return failure(error(NodeErrc::heap, "cannot attach the heap"));
  auto segment = ipc::VolatileSegment::create(dir, heap.value()->identity());
  if (!segment) {
    return failure(
        error(NodeErrc::shm,
              fmt::format("cannot create the node's shared memory /dev/shm/{}: {}",
                          ipc::VolatileSegment::name(dir), ipc::to_string(segment.error()))));
  }
  heap.value().reset();
  auto running = Node::attach(dir);
  if (!running) return failure(running.error());
  Node& n = *running.value();
  auto engine = n.make_engine();
  if (!engine) return failure(engine.error());
  std::vector<std::string> names{kClockSemaphore, kStartedSemaphore, kDeliverySemaphore};
  {
    auto txn = n.heap().begin();
    if (!txn) return failure(error(NodeErrc::heap, "cannot read the heap"));
    for (const auto span : engine.value()->db().list_spans(txn.value())) {
      n.vdb()->span(span);
      names.push_back(segment_semaphore(span));
      names.push_back(window_semaphore(span));
      names.push_back(meter_semaphore(span));
    }
    (void)txn.value().commit();
  }
  for (const auto& name : names) {
    if (auto sem = ipc::NodeSemaphore::create(dir, name); !sem) {
      return failure(error(NodeErrc::shm, fmt::format("cannot create semaphore {}: {}", name,
                                                      ipc::to_string(sem.error()))));
    }
  }
  if (!apply_link_plan(n, *engine.value(), load_contact_plan(n.heap()), now_ms())) {
    return failure(error(NodeErrc::heap, "cannot apply the contact plan"));
  }
  return success();
}

namespace {

// Waits until each of `tasks` has posted the start semaphore (it serves).
Result<void, NodeError> await_started(const ipc::NodeDir& dir, ipc::NodeSemaphore& started,
                                      const std::vector<StartedTask>& tasks,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t up = 0;
  while (up < tasks.size()) {
    if (started.timed_wait(std::chrono::milliseconds(20)) == ipc::WaitResult::acquired) {
      ++up;
      continue;
    }
    for (const auto& task : tasks) {
      if (still_running(task.pid)) continue;
      return failure(
          error(NodeErrc::spawn, fmt::format("`{}` exited while starting; see {}",
                                             fmt::join(task.argv, " "), dir.log_path().string())));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return failure(error(NodeErrc::timeout,
                           fmt::format("the node's daemons did not all start within {} ms; see {}",
                                       timeout.count(), dir.log_path().string())));
    }
  }
  return success();
}

// A running node (some planned daemon alive) whose other daemons died and
// whose supervisors could not restart them (both died, or a start that was
// cut short): restarts just those, as ionstart and `ltpadmin s` do.
Result<std::vector<StartedTask>, NodeError> start_dead(const ipc::NodeDir& dir, DaemonPlan& plan,
                                                       std::chrono::milliseconds timeout) {
  auto started = ipc::NodeSemaphore::open(dir, kStartedSemaphore);
  if (!started) return failure(error(NodeErrc::shm, "cannot open the start semaphore"));
  // Posts of daemons the supervisors restarted earlier are not ours.
  while (started.value().try_wait() == ipc::WaitResult::acquired) {
  }
  std::vector<StartedTask> restarted;
  // The supervisors this starts must not start the same daemons again.
  plan.set_state(PlanState::starting);
  const auto daemons = plan.daemons();
  for (std::size_t i = 0; i < daemons.size(); ++i) {
    const auto& d = daemons[i];
    if (d.pid != 0 && ipc::process_alive(d.pid, d.start_time)) continue;
    auto pid = spawn_daemon(d.program, d.argv, dir);
    if (!pid) {
      plan.set_state(PlanState::supervised);
      return failure(error(NodeErrc::spawn, pid.error()));
    }
    plan.started(i, pid.value(), now_ms(), true);
    spdlog::warn("{} was not running; started `{}` (pid {})", d.role, fmt::join(d.argv, " "),
                 pid.value());
    restarted.push_back({d.role, pid.value(), d.argv});
  }
  auto up = await_started(dir, started.value(), restarted, timeout);
  plan.set_state(PlanState::supervised);
  if (!up) return failure(up.error());
  return restarted;
}

bool any_alive(const DaemonPlan& plan) {
  const auto daemons = plan.daemons();
  return std::any_of(daemons.begin(), daemons.end(), [](const PlannedDaemon& d) {
    return d.pid != 0 && ipc::process_alive(d.pid, d.start_time);
  });
}

}  // namespace

Result<std::vector<StartedTask>, NodeError> start_node(const ipc::NodeDir& dir,
                                                       const StartOptions& options) {
  auto lock = NodeLock::acquire(dir);
  if (!lock) return failure(error(NodeErrc::shm, lock.error()));
  if (auto upgraded = upgrade_heap(dir); !upgraded) return failure(upgraded.error());
  auto node = Node::attach(dir, {.require_running = false});
  if (!node) return failure(node.error());
  const auto already = error(NodeErrc::already_running,
                             fmt::format("the node in {} is already started; stop it first with "
                                         "`ltpadmin x` or `ionstop`",
                                         dir.dir().string()));
  if (auto running = node.value()->daemon_plan(); running && any_alive(*running)) {
    if (running->state() == PlanState::stopping) return failure(already);
    auto restarted = start_dead(dir, *running, options.timeout);
    if (!restarted) return failure(restarted.error());
    if (restarted.value().empty()) return failure(already);
    return restarted;
  }
  if (node.value()->engine_started()) return failure(already);
  auto plan = plan_daemons(*node.value(), options);
  if (!plan) return failure(plan.error());
  const auto bin_dir = options.bin_dir.empty() ? default_bin_dir() : options.bin_dir;
  std::vector<PlannedDaemon> planned;
  for (auto& daemon : plan.value()) {
    auto program = resolve_program(daemon.argv[0], bin_dir);
    if (!program) {
      return failure(error(NodeErrc::spawn,
                           fmt::format("cannot find the program `{}` (for {}): install OpenLTP or "
                                       "set OPENLTP_BIN_DIR",
                                       daemon.argv[0], daemon.role)));
    }
    PlannedDaemon d;
    d.role = daemon.role;
    d.program = *program;
    d.argv = daemon.argv;
    planned.push_back(std::move(d));
  }

  node.value().reset();
  if (auto prepared = prepare_volatile(dir); !prepared) return failure(prepared.error());
  auto started = ipc::NodeSemaphore::open(dir, kStartedSemaphore);
  if (!started) return failure(error(NodeErrc::shm, "cannot open the start semaphore"));
  auto running = Node::attach(dir);
  if (!running) return failure(running.error());
  auto daemon_plan = running.value()->daemon_plan();
  if (!daemon_plan) return failure(error(NodeErrc::shm, "cannot place the daemon plan"));
  if (auto begun = daemon_plan->begin(planned); !begun) {
    return failure(error(NodeErrc::bad_argument, begun.error()));
  }

  std::vector<StartedTask> tasks;
  // A failed start takes down what it started, registered yet or not.
  auto abandon = [&](NodeError why) -> Result<std::vector<StartedTask>, NodeError> {
    for (const auto& task : tasks) {
      if (still_running(task.pid)) ::kill(task.pid, SIGTERM);
    }
    running.value().reset();
    (void)stop_node(dir, {});
    return failure(std::move(why));
  };
  for (std::size_t i = 0; i < planned.size(); ++i) {
    const auto& daemon = planned[i];
    auto pid = spawn_daemon(daemon.program, daemon.argv, dir);
    if (!pid) return abandon(error(NodeErrc::spawn, pid.error()));
    daemon_plan->started(i, pid.value(), now_ms(), false);
    spdlog::info("started {} (pid {})", fmt::join(daemon.argv, " "), pid.value());
    tasks.push_back({daemon.role, pid.value(), daemon.argv});
  }
  if (auto up = await_started(dir, started.value(), tasks, options.timeout); !up) {
    return abandon(up.error());
  }
  daemon_plan->set_state(PlanState::supervised);
  return tasks;
}

namespace {

// The node's daemons alive now: the registry's roles (clients excepted)
// and the plan's pids (a daemon restarted a moment ago may not have
// registered yet).
std::vector<ipc::TaskInfo> live_daemons(Node& node) {
  std::vector<ipc::TaskInfo> tasks;
  const pid_t self = ::getpid();
  auto add = [&](ipc::TaskInfo task) {
    if (task.pid == self || task.role.starts_with("client:")) return;
    if (!ipc::process_alive(task.pid, task.start_time)) return;
    for (const auto& t : tasks) {
      if (t.pid == task.pid) return;
    }
    tasks.push_back(std::move(task));
  };
  if (auto registry = node.registry()) {
    for (auto& task : registry->list()) add(std::move(task));
  }
  if (auto plan = node.daemon_plan()) {
    for (const auto& d : plan->daemons()) {
      if (d.pid != 0) add({d.role, d.pid, d.start_time});
    }
  }
  return tasks;
}

}  // namespace

Result<StopReport, NodeError> stop_node(const ipc::NodeDir& dir, const StopOptions& options) {
  auto lock = NodeLock::acquire(dir);
  if (!lock) return failure(error(NodeErrc::shm, lock.error()));
  StopReport report;
  auto node = Node::attach(dir, {.require_running = false});
  if (!node && node.error().code != NodeErrc::no_heap &&
      node.error().code != NodeErrc::not_initialized &&
      node.error().code != NodeErrc::wrong_format) {
    return failure(node.error());
  }
  // First of all: no supervisor may restart what this stop ends.
  if (node) {
    if (auto plan = node.value()->daemon_plan()) plan->set_state(PlanState::stopping);
  }
  // Every sleeper wakes with "ended" and leaves its loop.
  for (const auto& name : ipc::NodeSemaphore::list(dir)) {
    if (auto sem = ipc::NodeSemaphore::open(dir, name)) sem.value().end();
  }
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  // A supervisor that checked the plan just before the stop may still
  // start a daemon: look again until a pass finds none alive.
  for (int pass = 0; node && pass < 5; ++pass) {
    const auto tasks = live_daemons(*node.value());
    if (tasks.empty()) break;
    for (const auto& task : tasks) ::kill(task.pid, SIGTERM);
    for (const auto& task : tasks) {
      while (ipc::process_alive(task.pid, task.start_time) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (ipc::process_alive(task.pid, task.start_time)) {
        spdlog::warn("{} (pid {}) did not stop in time; killing it", task.role, task.pid);
        ::kill(task.pid, SIGKILL);
        ++report.killed;
      } else {
        ++report.stopped;
      }
    }
  }
  if (node) node.value().reset();  // detach before removing
  ipc::VolatileSegment::remove(dir);
  ipc::NodeSemaphore::unlink_all(dir);
  // Attaching rolls back whatever a killed task left half-done.
  if (auto heap = ipc::Heap::attach(dir.heap_path()); heap && heap.value()->recovered_entries()) {
    spdlog::info("stop: rolled back a transaction left by a killed task");
  }
  return report;
}

}  // namespace ltp::node
