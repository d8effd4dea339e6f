// Starting a node's daemon as a detached process: found by name (in the
// OpenLTP binary directory, then $PATH), forked twice so that it is
// reparented to init in its own session — it outlives whoever started it
// and never becomes its zombie — with stdout/stderr on the node's log and
// LTP_NODE_DIR set.
//
// Used by start_node() and by the Supervisor that restarts dead daemons.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ipc/node_dir.h"
#include "ipc/result.h"

namespace ltp::node {

// argv[0] as an executable path: as given if it has a slash, else found in
// bin_dir, else on $PATH.
std::optional<std::string> resolve_program(const std::string& name,
                                           const std::filesystem::path& bin_dir);

// The daemon's pid, or why it could not be started.
Result<pid_t, std::string> spawn_daemon(const std::string& program,
                                        const std::vector<std::string>& argv,
                                        const ipc::NodeDir& dir);

}  // namespace ltp::node
