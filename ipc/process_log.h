// Process logging setup shared by every OpenLTP daemon and tool.
//
// setup_process_log() installs the default spdlog logger: it appends to the
// node's log file (NodeDir::log_path) and also writes to stderr when stderr
// is a terminal, with the program name in every line so the shared log
// shows who said what. Each line reaches the file whole, at once
// (LineAppendSink), so a killed process loses none of what it logged.
#pragma once

#include <spdlog/common.h>

#include <string>

#include "ipc/node_dir.h"

namespace ltp::ipc {

struct ProcessLogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  bool to_file = true;  // tools that only read may log to stderr only
};

// Never fails: if the log file cannot be opened, logs to stderr and says so.
void setup_process_log(const NodeDir& node, const std::string& program,
                       const ProcessLogOptions& options = {});

}  // namespace ltp::ipc
