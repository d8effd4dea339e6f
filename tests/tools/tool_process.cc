#include "tests/tools/tool_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>

extern char** environ;

namespace ltp::tools_test {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

bool await_pidfd(int pidfd, std::chrono::milliseconds limit) {
  pollfd ready{pidfd, POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const int n = ::poll(&ready, 1, static_cast<int>(std::max<long>(left.count(), 0)));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

ToolProcess::ToolProcess(std::vector<std::string> argv, const std::filesystem::path& scratch,
                         const SpawnOptions& options) {
  static std::atomic<int> runs = 0;
  const auto stem =
      fmt::format("{}.{}", std::filesystem::path(argv.at(0)).filename().string(), ++runs);
  out_path_ = scratch / (stem + ".out");
  err_path_ = scratch / (stem + ".err");
  for (const auto& a : argv) command_ += (command_.empty() ? "" : " ") + a;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  // Files, not pipes: daemons a program starts (ION's) inherit its output
  // and would hold a pipe open for as long as they run.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_copy = options.env.value_or(std::vector<std::string>{});
  std::vector<char*> envp;
  for (auto& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  char** environment = options.env ? envp.data() : environ;
  if (::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environment) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  if (pid_ <= 0) return;
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ < 0) {  // a kernel before 5.3: we could not wait with a limit
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

ToolProcess::~ToolProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (pidfd_ >= 0) ::close(pidfd_);
}

std::optional<int> ToolProcess::wait(std::chrono::milliseconds limit) {
  if (status_ || pid_ <= 0) return status_;
  // The pidfd turns readable when the child exits: one wait, no polling.
  if (!await_pidfd(pidfd_, limit)) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
  status_ = exit_status(status);
  return status_;
}

std::optional<int> ToolProcess::stop(std::chrono::milliseconds limit) {
  if (!status_ && pid_ > 0) ::kill(pid_, SIGTERM);
  return wait(limit);
}

void ToolProcess::signal(int signal) {
  if (pid_ > 0 && !status_) ::kill(pid_, signal);
}

int ToolProcess::threads() const {
  if (pid_ <= 0 || status_) return 0;
  std::error_code ec;
  int count = 0;
  for (std::filesystem::directory_iterator it(fmt::format("/proc/{}/task", pid_), ec), end;
       !ec && it != end; it.increment(ec)) {
    ++count;
  }
  return count;
}

std::string ToolProcess::out() const { return slurp(out_path_); }
std::string ToolProcess::err() const { return slurp(err_path_); }

}  // namespace ltp::tools_test
