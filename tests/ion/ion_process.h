// IonProcess: one run of an ION 4.1.3 program (ionadmin, ltpadmin,
// ltpdriver, ltpcounter...) as a child of a test. ION finds its node
// through the working directory and ION_NODE_LIST_DIR, so the program
// starts by its full path in the node's directory with an environment of
// the node's own, not the test's. Its standard output and error go to
// files; its end is awaited with a time limit on a pidfd; it is killed by
// pid if the test ends first.
//
// Used by IonNode (tests/ion/ion_node.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ltp::ion_test {

class IonProcess {
 public:
  // Starts argv[0] (a full path) with argv in `cwd`, with exactly `env`
  // as its environment; output goes to `cwd`/<program>.<n>.out and .err.
  IonProcess(std::vector<std::string> argv, const std::filesystem::path& cwd,
             const std::vector<std::string>& env);
  ~IonProcess();  // SIGKILL and reap, if still running
  IonProcess(const IonProcess&) = delete;
  IonProcess& operator=(const IonProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Waits up to `limit` for the exit: its status (128 + signal when killed
  // by one), or nullopt while it still runs.
  std::optional<int> wait(std::chrono::milliseconds limit);
  // Sends `signal` if it still runs (ltpcounter stops and prints its
  // counts on SIGINT).
  void signal(int signal);
  // Threads of the running process (0 once it has ended).
  int threads() const;

  std::string out() const;
  std::string err() const;
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

}  // namespace ltp::ion_test
