#include "libltp/node/spawn.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace ltp::node {

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

// Only async-signal-safe calls happen between fork and exec.
Result<pid_t, std::string> spawn_daemon(const std::string& program,
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

}  // namespace ltp::node
