// The main() of ltpadmin, ionadmin, ionsecadmin and ltpsecadmin: one
// command line, four languages.
//
// All take `[--node DIR] [FILE]` (ltpadmin and ionadmin also `.`, ltpadmin
// `!`), run a file, stop (or restart) the node, or read commands from
// stdin with a `: ` prompt on a terminal; they differ only in the language
// of the lines and their help. The lines themselves go through
// AdminSession.
#pragma once

#include <string>

#include "tools/ltpadmin/admin_session.h"

namespace ltp::admin_tool {

struct AdminProgram {
  const char* name;         // "ltpadmin"
  Language language;        // which command language FILE and stdin are in
  const char* description;  // one line for --help
  const char* arguments;    // the "Arguments:" and "Examples:" part of --help
  bool can_restart;         // `!` stops, then starts the node again
  bool can_stop = true;     // `.` stops the node (not the security tools: ION's have no `.`)
};

int run_admin_program(const AdminProgram& program, int argc, char** argv);

}  // namespace ltp::admin_tool
