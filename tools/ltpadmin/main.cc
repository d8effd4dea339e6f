// ltpadmin: configure, start and stop a node's LTP, ION-style.
//
// `ltpadmin FILE` runs an .ltprc file (stopping at the first bad line),
// `ltpadmin` reads commands from stdin (a `: ` prompt on a terminal),
// `ltpadmin .` stops the node's LTP and `ltpadmin !` restarts it.
#include "tools/ltpadmin/admin_main.h"

int main(int argc, char** argv) {
  using ltp::admin_tool::Language;
  static constexpr ltp::admin_tool::AdminProgram kProgram{
      "ltpadmin", Language::ltprc, "Configure, start and stop a node's LTP (ION's ltpadmin).",
      "\nArguments:\n"
      "  FILE   run the ltprc commands in FILE (see ltprc(5)); stops at the first bad line\n"
      "  .      stop the node's LTP daemons\n"
      "  !      stop, then start them again\n"
      "  (none) read commands from stdin; `h` lists them, `q` quits\n"
      "\nExamples:\n"
      "  ltpadmin --node /var/lib/openltp/node1 node1.ltprc\n"
      "  ltpadmin .\n",
      true};
  return ltp::admin_tool::run_admin_program(kProgram, argc, argv);
}
