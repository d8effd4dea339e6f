// IonWatchdog: a process of its own, started with each ION node of a
// test, that kills the node's processes and removes its IPC if the test
// dies before stopping the node (a crash, ctest's timeout, Ctrl-C): then no
// destructor runs, and ION's daemons would run on and keep their shared
// memory, which every later ION node on the machine shares.
//
// It is the test binary itself, run again with a flag: main() must call
// run_watchdog_if_asked() first (tests/ion/ion_main.cc does; link
// openltp_ion_main instead of GTest::gtest_main). Started through a
// launcher that exits at once, it is no child of the test — ctest's
// timeout kills the test's children — and it runs in a session of its own,
// which signals to the test's process group do not reach. It holds the
// machine-wide ION lock until it is done, and learns from a byte on a
// socket that the test stopped the node itself; the socket's end without
// that byte means the test died.
//
// Used by IonNode (tests/ion/ion_node.h).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/ion/ion_cleanup.h"

namespace ltp::ion_test {

class IonWatchdog {
 public:
  // Starts the watchdog of `node`, whose IPC snapshot is in
  // `snapshot_file`; it inherits `lock_fd`. Null and `error` set on failure.
  static std::unique_ptr<IonWatchdog> start(const IonNodeIdentity& node,
                                            const std::filesystem::path& snapshot_file, int lock_fd,
                                            std::string& error);
  // Tells the watchdog the node is stopped and waits for it to end.
  ~IonWatchdog();
  IonWatchdog(const IonWatchdog&) = delete;
  IonWatchdog& operator=(const IonWatchdog&) = delete;

 private:
  explicit IonWatchdog(int socket) : socket_(socket) {}
  int socket_;  // ours of a socket pair; the watchdog's end is its stdin
};

// Tells the watchdog of the ION node in `node_dir` what else to do if the
// test dies: `words` is {"run", PROGRAM, ARGS...} (a program by full path,
// e.g. OpenLTP's ionstop for the test's OpenLTP node) or {"remove", DIR}.
void if_test_dies(const std::filesystem::path& node_dir, const std::vector<std::string>& words);

// Called first in main(): when this process was started as a watchdog,
// does its work and returns main's exit status; otherwise nullopt (and
// notes that watchdogs can be started).
std::optional<int> run_watchdog_if_asked(int argc, char** argv);

}  // namespace ltp::ion_test
