// ToolActions: what ltpadmin/ionadmin do with the commands the admin
// library hands back (admin/actions.h) — start or stop the node's
// daemons, echo, watch characters, version, time, quit — and the output
// channel of a session (stdout, and the node's log while echo is on).
//
// Called by AdminSession for each line's action, in order.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "ipc/node_dir.h"
#include "ipc/result.h"
#include "libltp/admin/actions.h"

namespace ltp::admin_tool {

// The command language of a session: ltpadmin's, ionadmin's, ionsecadmin's
// (named keys) or ltpsecadmin's (authentication rules).
enum class Language { ltprc, ionrc, ionsecrc, ltpsecrc };

// What a line asks of the reader once it has been carried out.
enum class Next { read_on, quit };

// The OpenLTP release, as `v` prints it.
std::string_view version();

// DIR/ltpclock.pid: the node's clock daemon, written by ltpclock when it
// starts (or is restarted by the node's supervisor) and removed at stop.
std::filesystem::path clock_pid_file(const ipc::NodeDir& dir);

class ToolActions {
 public:
  ToolActions(ipc::NodeDir dir, Language language) : dir_(std::move(dir)), language_(language) {}

  // Carries out one action; a failure (a start that did not come up) is
  // the message to report.
  Result<Next, std::string> carry_out(const admin::ToolAction& action);

  // Prints a command's output; with echo on (`e 1`) it also goes to the log.
  void print(std::string_view text) const;

  Result<void, std::string> start(const admin::StartNode& start);
  Result<void, std::string> stop();

 private:
  ipc::NodeDir dir_;

  Language language_;
  bool echo_ = false;
  std::string watch_;
};

}  // namespace ltp::admin_tool
