// Node control: the admin API behind `ltpadmin s`/`x`, `ionstart` and
// `ionstop` — start a node's daemons and wait until they serve, stop them
// and leave the heap consistent.
//
// start_node() rebuilds the volatile segment from the heap (so a node that
// was stopped or crashed resumes its sessions in flight: their timers are
// in the heap), creates the node's semaphores, and spawns ltpclock,
// ltpdeliv, then per span ltpmeter and its LSO (the span's command with the
// engine number appended), then one LSI per seat. Daemons are detached
// (their own session, reparented to init) and log to the node's log; each
// posts the "started" semaphore once attached, which start waits for.
// stop_node() ends every semaphore, signals every registered task, waits
// for each by pid (SIGKILL after the timeout), then removes the segment
// and the semaphores.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ipc/heap.h"
#include "ipc/node_dir.h"
#include "libltp/node/node.h"

namespace ltp::node {

// Brings the heap's LTP database to this build's format in place, keeping
// everything in flight (libltp/db/migration.h); nothing to do for a heap
// without one or of this format. start_node() and ionstart call it.
Result<void, NodeError> upgrade_heap(const ipc::NodeDir& dir);

// Creates the node's heap file if there is none (ltpadmin/ionadmin `1`).
Result<void, NodeError> ensure_heap(const ipc::NodeDir& dir,
                                    const ipc::HeapCreateOptions& options = {});

// The part of start that needs no daemon: a fresh volatile segment (a
// crashed run's removed), the node's semaphores, each span's volatile entry
// seeded from the contact plan. start_node() calls it; so do tests that
// drive a node's engine without its daemons.
Result<void, NodeError> prepare_volatile(const ipc::NodeDir& dir);

struct StartOptions {
  // `s '<LSI command>'`: the LSI to run instead of the seats'.
  std::optional<std::string> lsi_command;
  // Where the daemons' executables are; empty: next to the running
  // program, then $OPENLTP_BIN_DIR, then $PATH.
  std::filesystem::path bin_dir;
  std::chrono::milliseconds timeout{10000};
};

struct StartedTask {
  std::string role;  // for messages: the registry role (LSIs: "udplsi")
  pid_t pid;
  std::vector<std::string> argv;
};

Result<std::vector<StartedTask>, NodeError> start_node(const ipc::NodeDir& dir,
                                                       const StartOptions& options = {});

struct StopOptions {
  std::chrono::milliseconds timeout{10000};
};

// How the stop went: tasks that needed SIGKILL are named in the log.
struct StopReport {
  int stopped = 0;
  int killed = 0;
};

// Stopping a node that is not running succeeds (and removes leftovers).
Result<StopReport, NodeError> stop_node(const ipc::NodeDir& dir, const StopOptions& options = {});

// The daemons' executables' directory as StartOptions describes.
std::filesystem::path default_bin_dir();

}  // namespace ltp::node
