#include "libltp/node/node_control.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "ipc/node_semaphore.h"
#include "ipc/task_registry.h"
#include "ipc/volatile_segment.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/volatile_db.h"
#include "libltp/node/link_plan.h"
#include "libltp/node/semaphore_names.h"

extern char** environ;

namespace ltp::node {
namespace {

NodeError error(NodeErrc code, std::string message) { return NodeError{code, std::move(message)}; }

std::vector<std::string> split_words(std::string_view command) {
  std::istringstream in{std::string(command)};
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// argv[0] as an executable path: as given if it has a slash, else found in
// bin_dir, else on $PATH.
std::optional<std::string> resolve_program(const std::string& name,
                                           const std::filesystem::path& bin_dir) {
  if (name.find('/') != std::string::npos) return name;
  std::error_code ec;
  if (!bin_dir.empty() && std::filesystem::exists(bin_dir / name, ec)) {
    return (bin_dir / name).string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return std::nullopt;
}

// Forks twice so the daemon is reparented to init and in its own session:
// it outlives the admin tool and never becomes our zombie. Only
// async-signal-safe calls happen between fork and exec.
Result<pid_t, std::string> spawn_detached(const std::string& program,
                                          const std::vector<std::string>& argv,
                                          const ipc::NodeDir& dir) {
  std::vector<std::string> env_strings;
  const std::string node_var = "LTP_NODE_DIR=" + dir.dir().string();
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("LTP_NODE_DIR=")) continue;
    env_strings.emplace_back(*e);
  }
  env_strings.push_back(node_var);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  const int log_fd =
      ::open(dir.log_path().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int pipe_fds[2];
  if (log_fd < 0 || null_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (log_fd >= 0) ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return failure(fmt::format("cannot prepare to start {}: {}", argv[0], std::strerror(errno)));
  }
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(log_fd);
    ::close(null_fd);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return failure(fmt::format("cannot start {}: fork: {}", argv[0], std::strerror(errno)));
  }
  if (child == 0) {
    ::setsid();
    const pid_t daemon = ::fork();
    if (daemon == 0) {
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execve(program.c_str(), argp.data(), envp.data());
      const char msg[] = "openltp: cannot execute a daemon (execve failed)\n";
      (void)!::write(2, msg, sizeof msg - 1);
      ::_exit(127);
    }
    (void)!::write(pipe_fds[1], &daemon, sizeof daemon);
    ::_exit(daemon < 0 ? 1 : 0);
  }
  ::close(pipe_fds[1]);
  ::close(log_fd);
  ::close(null_fd);
  pid_t daemon = -1;
  const auto got = ::read(pipe_fds[0], &daemon, sizeof daemon);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (got != sizeof daemon || daemon <= 0) {
    return failure(fmt::format("cannot start {}: fork failed", argv[0]));
  }
  return daemon;
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

Result<std::vector<StartedTask>, NodeError> start_node(const ipc::NodeDir& dir,
                                                       const StartOptions& options) {
  auto node = Node::attach(dir, {.require_running = false});
  if (!node) return failure(node.error());
  if (node.value()->engine_started()) {
    return failure(error(NodeErrc::already_running,
                         fmt::format("the node in {} is already started; stop it first with "
                                     "`ltpadmin x` or `ionstop`",
                                     dir.dir().string())));
  }
  auto plan = plan_daemons(*node.value(), options);
  if (!plan) return failure(plan.error());
  const auto bin_dir = options.bin_dir.empty() ? default_bin_dir() : options.bin_dir;
  std::vector<std::pair<Planned, std::string>> programs;
  for (auto& daemon : plan.value()) {
    auto program = resolve_program(daemon.argv[0], bin_dir);
    if (!program) {
      return failure(error(NodeErrc::spawn,
                           fmt::format("cannot find the program `{}` (for {}): install OpenLTP or "
                                       "set OPENLTP_BIN_DIR",
                                       daemon.argv[0], daemon.role)));
    }
    programs.emplace_back(daemon, *program);
  }

  node.value().reset();
  if (auto prepared = prepare_volatile(dir); !prepared) return failure(prepared.error());
  auto started = ipc::NodeSemaphore::open(dir, kStartedSemaphore);
  if (!started) return failure(error(NodeErrc::shm, "cannot open the start semaphore"));

  std::vector<StartedTask> tasks;
  // A failed start takes down what it started, registered yet or not.
  auto abandon = [&](NodeError why) -> Result<std::vector<StartedTask>, NodeError> {
    for (const auto& task : tasks) {
      if (still_running(task.pid)) ::kill(task.pid, SIGTERM);
    }
    (void)stop_node(dir, {});
    return failure(std::move(why));
  };
  for (auto& [daemon, program] : programs) {
    auto pid = spawn_detached(program, daemon.argv, dir);
    if (!pid) return abandon(error(NodeErrc::spawn, pid.error()));
    spdlog::info("started {} (pid {})", fmt::join(daemon.argv, " "), pid.value());
    tasks.push_back({daemon.role, pid.value(), daemon.argv});
  }
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::size_t up = 0;
  while (up < tasks.size()) {
    if (started.value().timed_wait(std::chrono::milliseconds(20)) == ipc::WaitResult::acquired) {
      ++up;
      continue;
    }
    for (const auto& task : tasks) {
      if (still_running(task.pid)) continue;
      return abandon(
          error(NodeErrc::spawn, fmt::format("`{}` exited while starting; see {}",
                                             fmt::join(task.argv, " "), dir.log_path().string())));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return abandon(error(NodeErrc::timeout,
                           fmt::format("the node's daemons did not all start within {} ms; see {}",
                                       options.timeout.count(), dir.log_path().string())));
    }
  }
  return tasks;
}

Result<StopReport, NodeError> stop_node(const ipc::NodeDir& dir, const StopOptions& options) {
  StopReport report;
  std::vector<ipc::TaskInfo> tasks;
  {
    auto node = Node::attach(dir, {.require_running = false});
    if (node) {
      if (auto registry = node.value()->registry()) tasks = registry->list();
    } else if (node.error().code != NodeErrc::no_heap &&
               node.error().code != NodeErrc::not_initialized &&
               node.error().code != NodeErrc::wrong_format) {
      return failure(node.error());
    }
  }
  // Every sleeper wakes with "ended" and leaves its loop.
  for (const auto& name : ipc::NodeSemaphore::list(dir)) {
    if (auto sem = ipc::NodeSemaphore::open(dir, name)) sem.value().end();
  }
  const pid_t self = ::getpid();
  for (const auto& task : tasks) {
    if (task.pid == self || task.role.starts_with("client:")) continue;
    if (ipc::process_alive(task.pid, task.start_time)) ::kill(task.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  for (const auto& task : tasks) {
    if (task.pid == self || task.role.starts_with("client:")) continue;
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
  ipc::VolatileSegment::remove(dir);
  ipc::NodeSemaphore::unlink_all(dir);
  // Attaching rolls back whatever a killed task left half-done.
  if (auto heap = ipc::Heap::attach(dir.heap_path()); heap && heap.value()->recovered_entries()) {
    spdlog::info("stop: rolled back a transaction left by a killed task");
  }
  return report;
}

}  // namespace ltp::node
