// ionadmin: the part of ION's node administration that LTP needs — the
// node number (`1`), the contact plan (contacts and ranges), `m horizon`
// and `m clockerr` — from an .ionrc file or typed at a `: ` prompt.
//
// `s` has nothing to start (ION's node clock is not needed: ltpclock
// applies the contact plan once ltpadmin's `s` starts it); `x` and
// `ionadmin .` stop the node's daemons, as ION's stop the whole node.
#include "tools/ltpadmin/admin_main.h"

int main(int argc, char** argv) {
  using ltp::admin_tool::Language;
  static constexpr ltp::admin_tool::AdminProgram kProgram{
      "ionadmin", Language::ionrc,
      "Set a node's number and contact plan (the LTP part of ION's ionadmin).",
      "\nArguments:\n"
      "  FILE   run the ionrc commands in FILE (see ionrc(5)); stops at the first bad line\n"
      "  .      stop the node's daemons\n"
      "  (none) read commands from stdin; `h` lists them, `q` quits\n"
      "\nExamples:\n"
      "  ionadmin --node /var/lib/openltp/node1 node1.ionrc\n"
      "  echo 'l contact' | ionadmin --node /var/lib/openltp/node1\n",
      false};
  return ltp::admin_tool::run_admin_program(kProgram, argc, argv);
}
