#include "tests/ion/ion_watchdog.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "tests/tools/tool_process.h"

extern char** environ;

namespace ltp::ion_test {
namespace {

// argv: PROGRAM FLAG PREFIX NODE_DIR NODE_LIST_DIR SNAPSHOT_FILE
constexpr std::string_view kLauncherFlag = "--openltp-ion-watchdog-launcher";
constexpr std::string_view kWatchdogFlag = "--openltp-ion-watchdog";
constexpr int kArgs = 6;
constexpr char kStopped = 'd';
constexpr int kLockFd = 3;  // where launcher and watchdog find the inherited lock
constexpr int kExitLimitMs = 30'000;
constexpr char kIfTestDiesFile[] = "if-test-dies.txt";

bool& main_can_run_watchdogs() {
  static bool can = false;
  return can;
}

// Starts /proc/self/exe with `argv`; fd 0 and kLockFd are inherited.
int spawn_self(std::vector<std::string> argv, const posix_spawn_file_actions_t* actions,
               short flags, pid_t& pid) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, flags);
  const int spawned =
      ::posix_spawn(&pid, "/proc/self/exe", actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  return spawned;
}

// What the test asked for besides ION (if_test_dies()): each line a tab-
// separated command to run ("run", argv...) or a directory to remove
// ("remove", path).
std::string run_test_requests(const std::filesystem::path& node_dir) {
  std::string failed;
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  std::ifstream in(node_dir / kIfTestDiesFile);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> words;
    std::istringstream fields(line);
    for (std::string word; std::getline(fields, word, '\t');) words.push_back(word);
    if (words.size() >= 2 && words[0] == "run") {
      tools_test::ToolProcess command({words.begin() + 1, words.end()}, node_dir, {node_dir, env});
      if (command.wait(std::chrono::seconds(30)) != 0) failed += "; failed: " + command.command();
    } else if (words.size() == 2 && words[0] == "remove") {
      std::error_code ec;
      std::filesystem::remove_all(words[1], ec);
    }
  }
  return failed;
}

// The watchdog's work once the test has gone without stopping its node.
int clean_up_after_dead_test(const IonNodeIdentity& node, const std::filesystem::path& snapshot) {
  const std::string killed = kill_ion_processes(node);
  const std::string requests = run_test_requests(node.node_dir);
  std::ifstream in(snapshot);
  std::ostringstream text;
  text << in.rdbuf();
  const auto before = IpcSnapshot::from_text(text.str());
  // Without the snapshot nothing can be told apart from other nodes' IPC:
  // leave it all rather than remove someone else's.
  const std::string removed = before ? remove_new_ipc(*before) : "no IPC snapshot, IPC left";
  const std::string message =
      fmt::format("ION watchdog: the test ended without stopping its ION node in {}{}{}{}\n",
                  node.node_dir.string(), killed.empty() ? "" : "; " + killed,
                  removed.empty() ? "" : "; " + removed, requests);
  std::fputs(message.c_str(), stderr);
  const char* keep = std::getenv("OPENLTP_KEEP_TEST_DIRS");
  if (keep == nullptr || *keep == '\0') {
    std::error_code ec;
    std::filesystem::remove_all(node.node_dir, ec);
  }
  return killed.empty() && removed.empty() && requests.empty() ? 0 : 1;
}

int run_watchdog(char** argv) {
  // Its stderr may be a pipe to a ctest that has gone.
  ::signal(SIGPIPE, SIG_IGN);
  char last = 0;
  char buffer[64];
  while (true) {
    const ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n > 0) {
      last = buffer[n - 1];
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // the end of the socket: the test stopped the node, or died
  }
  const int status =
      last == kStopped ? 0 : clean_up_after_dead_test({argv[2], argv[3], argv[4]}, argv[5]);
  ::close(kLockFd);
  return status;
}

}  // namespace

std::unique_ptr<IonWatchdog> IonWatchdog::start(const IonNodeIdentity& node,
                                                const std::filesystem::path& snapshot_file,
                                                int lock_fd, std::string& error) {
  if (!main_can_run_watchdogs()) {
    error = "this test binary's main() does not run ION watchdogs: link openltp_ion_main";
    return nullptr;
  }
  int pair[2];
  // Close-on-exec: the admin programs and ION's daemons must not hold our
  // end, or its end would wait for theirs.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    error = "socketpair failed";
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pair[1], 0);
  posix_spawn_file_actions_adddup2(&actions, lock_fd, kLockFd);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t launcher = -1;
  const int spawned =
      spawn_self({"ion-watchdog", std::string(kLauncherFlag), node.prefix.string(),
                  node.node_dir.string(), node.node_list_dir.string(), snapshot_file.string()},
                 &actions, 0, launcher);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pair[1]);
  int status = -1;
  if (spawned != 0 || ::waitpid(launcher, &status, 0) != launcher || status != 0) {
    ::close(pair[0]);
    error = fmt::format("cannot start the ION watchdog (spawn {}, status {})", spawned, status);
    return nullptr;
  }
  return std::unique_ptr<IonWatchdog>(new IonWatchdog(pair[0]));
}

IonWatchdog::~IonWatchdog() {
  const char stopped = kStopped;
  (void)!::write(socket_, &stopped, 1);
  ::shutdown(socket_, SHUT_WR);
  // The watchdog's end closes when it exits (it is not our child: no
  // waitpid). Waiting keeps the next node from starting before it is gone.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kExitLimitMs);
  char buffer[16];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{socket_, POLLIN, 0};
    if (::poll(&ready, 1, kExitLimitMs) < 0 && errno != EINTR) break;
    if ((ready.revents & (POLLIN | POLLHUP)) != 0 && ::read(socket_, buffer, sizeof buffer) <= 0) {
      break;
    }
  }
  ::close(socket_);
}

void if_test_dies(const std::filesystem::path& node_dir, const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : "\t") + word;
  // Appended at once: the test may die at any moment from now on.
  std::ofstream(node_dir / kIfTestDiesFile, std::ios::app) << line << '\n';
}

std::optional<int> run_watchdog_if_asked(int argc, char** argv) {
  main_can_run_watchdogs() = true;
  if (argc != kArgs) return std::nullopt;
  if (argv[1] == kWatchdogFlag) return run_watchdog(argv);
  if (argv[1] != kLauncherFlag) return std::nullopt;
  // The launcher: starts the watchdog in a session of its own and exits,
  // leaving it to init.
  std::vector<std::string> args(argv, argv + argc);
  args[1] = std::string(kWatchdogFlag);
  pid_t watchdog = -1;
  return spawn_self(args, nullptr, POSIX_SPAWN_SETSID, watchdog) == 0 ? 0 : 1;
}

}  // namespace ltp::ion_test
