// Finding and ending what an ION 4.1.3 node of a test left running: its
// processes, found by their executable (under ION's install prefix) and
// their working directory or ION_NODE_LIST_DIR (the test's own), killed by
// pid; and the System V shared memory and semaphores and the POSIX named
// semaphores (/dev/shm/sem.ion:*) that appeared since a snapshot taken
// before the node started.
//
// ION's own ways of stopping (ionstop, killm, `ltpadmin .`) kill by
// process name, which would hit OpenLTP's daemons of the same names, and
// can end in kill(-1): never used here. Used by IonNode::stop() and by its
// watchdog (tests/ion/ion_watchdog.h) when the test died first.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ltp::ion_test {

// Which processes belong to one ION node of a test.
struct IonNodeIdentity {
  std::filesystem::path prefix;         // ION's install prefix (its bin/ holds the programs)
  std::filesystem::path node_dir;       // the node's working directory
  std::filesystem::path node_list_dir;  // its ION_NODE_LIST_DIR
};

// The pids of the node's processes now running (zombies excluded).
std::vector<pid_t> find_ion_processes(const IonNodeIdentity& node);

// SIGKILLs every process of the node (SIGKILL: no ION shutdown code runs,
// and none of it can signal anything else), waits for each to end, and
// looks again until none is left or `limit` passes. Returns "" or what
// still runs.
std::string kill_ion_processes(const IonNodeIdentity& node,
                               std::chrono::milliseconds limit = std::chrono::seconds(20));

// The IPC objects ION may create, as they stand at one moment.
struct IpcSnapshot {
  std::set<std::pair<long, long>> shm;  // System V shared memory: (key, id)
  std::set<std::pair<long, long>> sem;  // System V semaphore sets: (key, id)
  std::set<std::string> named_sems;     // /dev/shm/sem.ion:* file names

  static IpcSnapshot take();
  std::string to_text() const;
  static std::optional<IpcSnapshot> from_text(const std::string& text);
};

// Removes what `now` has and `before` had not: shared memory nobody is
// attached to any more, semaphore sets, ION's named semaphores. Returns ""
// or what could not be removed.
std::string remove_new_ipc(const IpcSnapshot& before);

}  // namespace ltp::ion_test
