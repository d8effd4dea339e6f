// ToolProcess: one run of a built program as a child of a test — its
// standard output and error captured in files, its end awaited with a time
// limit on a pidfd (an event, not a polling loop), and killed by pid if the
// test ends first, so nothing outlives the test.
//
// Used by the shell tools' integration tests (tests/tools/) and, with a
// working directory and an environment of its own, by the ION harness
// (tests/ion/: ION finds its node through both).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ltp::tools_test {

// Where and how to start a program other than in the test's own
// directory and environment.
struct SpawnOptions {
  std::filesystem::path cwd;                    // empty: the test's
  std::optional<std::vector<std::string>> env;  // exactly these; none: the test's
};

class ToolProcess {
 public:
  // Starts argv[0] (a path) with argv; stdout and stderr go to files in
  // `scratch`, named after the program and a sequence number. Descriptors
  // the test left inheritable are inherited (ltpnetem's ready pipe).
  ToolProcess(std::vector<std::string> argv, const std::filesystem::path& scratch,
              const SpawnOptions& options = {});
  ~ToolProcess();  // SIGKILL and reap, if still running
  ToolProcess(const ToolProcess&) = delete;
  ToolProcess& operator=(const ToolProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Waits up to `limit` for the exit. The exit status (128 + signal when
  // killed by one), or nullopt while it still runs.
  std::optional<int> wait(std::chrono::milliseconds limit);
  // SIGTERM, then waits up to `limit`.
  std::optional<int> stop(std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Sends `signal` if it still runs (ION's ltpcounter prints its counts on
  // SIGINT).
  void signal(int signal);
  // Threads of the running process (0 once it has ended).
  int threads() const;

  std::string out() const;
  std::string err() const;
  // The command line, for failure messages.
  const std::string& command() const { return command_; }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> status_;
  std::filesystem::path out_path_, err_path_;
  std::string command_;
};

// Waits up to `limit` for the process behind `pidfd` to end (a pidfd turns
// readable at the exit, also for a process that is not our child).
bool await_pidfd(int pidfd, std::chrono::milliseconds limit);

}  // namespace ltp::tools_test
