// What an admin command line leaves for the calling tool to do.
//
// The admin library executes every configuration command itself, inside
// the heap. Commands that act on running processes or on the terminal —
// start/stop the node, watch characters, echo, version, time, quit — are
// the tool's business (ltpadmin/ionadmin): the library hands them back as
// a ToolAction, in order, and the tool carries them out. Text (listings,
// help) is returned for the tool to print.
#pragma once

#include <optional>
#include <string>
#include <variant>

namespace ltp::admin {

// `s ['<LSI command>']`: start LTP (ltprc) or the node (ionrc).
struct StartNode {
  std::optional<std::string> lsi_command;
};
// `x`: stop it; `!` (then_start): stop it, then start it again with its
// seats.
struct StopNode {
  bool then_start = false;
};
// `w 0|1|<chars>`: "0" off, "1" every watch character, else just those.
struct SetWatch {
  std::string characters;
};
// `e 0|1`: echo command results to the log.
struct SetEcho {
  bool on;
};
// `v`: print the version.
struct ShowVersion {};
// `t`: print the current time (UTC).
struct ShowTime {};
// `q`: stop reading commands.
struct Quit {};

using ToolAction =
    std::variant<StartNode, StopNode, SetWatch, SetEcho, ShowVersion, ShowTime, Quit>;

struct LineOutcome {
  std::optional<ToolAction> action;
  std::string text;  // to print; empty for most commands
};

}  // namespace ltp::admin
