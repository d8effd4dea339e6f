// AdminSession: one run of ltpadmin, ionadmin, ionsecadmin or ltpsecadmin
// (or ionstart's run of a config file) against one node directory.
//
// It feeds command lines to the admin library (LtprcAdmin / IonrcAdmin /
// IonsecrcAdmin / LtpsecrcAdmin, one heap transaction per line), creates
// the node's heap when ltprc's or ionrc's `1` comes and there is none yet
// (the security languages never create one), and carries out what the
// library hands back (start/stop the node, echo, watch, version, time,
// quit) through tool_actions.h. Used by tools/ltpadmin, tools/ionadmin,
// tools/ionsecadmin, tools/ltpsecadmin and tools/ionstart, so they all
// read lines exactly alike.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ipc/heap.h"
#include "ipc/node_dir.h"
#include "ipc/result.h"
#include "libltp/admin/script.h"
#include "tools/ltpadmin/tool_actions.h"

namespace ltp::admin_tool {

// A numbered line of some file (ionstart hands sections of one file).
struct NumberedLine {
  std::size_t number;
  std::string text;
};

class AdminSession {
 public:
  AdminSession(ipc::NodeDir dir, Language language, std::string program);
  ~AdminSession();

  // Runs one line: applies it and carries out its action. A failure is
  // `FILE:LINE: reason`; nothing of the line was applied (an action that
  // failed, e.g. a start, is reported the same way).
  Result<Next, admin::Diagnostic> run_line(std::string_view file, std::size_t number,
                                           std::string_view text);

  // File mode: stops at the first bad line (docs/config.md says why),
  // prints it on stderr and returns cli::kRuntimeFailure; kOk otherwise.
  int run_file(const std::filesystem::path& path);
  int run_lines(std::string_view file, const std::vector<NumberedLine>& lines);

  // Interactive mode: a `: ` prompt when `prompt`, a bad line is reported
  // and reading goes on, `q` or end of input ends. Returns kOk, or
  // kRuntimeFailure if input was not a terminal and some line failed (so a
  // script piping commands learns of it).
  int run_interactive(std::istream& in, bool prompt);

  // `.` and `!` of ltpadmin (and `.` of ionadmin).
  int stop_node();
  int restart_node();

 private:
  Result<admin::LineOutcome, std::string> execute(const admin::Tokens& tokens);
  Result<ipc::Heap*, std::string> heap_for(const admin::Tokens& tokens);

  ipc::NodeDir dir_;
  Language language_;
  std::string program_;
  std::unique_ptr<ipc::Heap> heap_;
  ToolActions actions_;
};

}  // namespace ltp::admin_tool
