// ionsecadmin: the part of ION's security administration that LTP uses —
// named keys, whose values come from files — from an .ionsecrc file or
// typed at a `: ` prompt. ltpsecadmin's rules name these keys.
//
// It only adds to a node that ionadmin (or ionstart) made; it never
// creates a heap. Listings show key names and lengths, never values.
#include "tools/ltpadmin/admin_main.h"

int main(int argc, char** argv) {
  using ltp::admin_tool::Language;
  static constexpr ltp::admin_tool::AdminProgram kProgram{
      "ionsecadmin",
      Language::ionsecrc,
      "Manage a node's named keys for LTP authentication (ION's ionsecadmin).",
      "\nArguments:\n"
      "  FILE   run the ionsecrc commands in FILE (see ionsecrc(5)); stops at the first bad line\n"
      "  (none) read commands from stdin; `h` lists them, `q` quits\n"
      "\nA key's value is the raw bytes of its file (a trailing newline included), which\n"
      "must be a regular file of 1 to 256 bytes that only its owner can access\n"
      "(chmod 600 FILE).\n"
      "\nExamples:\n"
      "  ionsecadmin --node /var/lib/openltp/node1 node1.ionsecrc\n"
      "  echo 'l key' | ionsecadmin --node /var/lib/openltp/node1\n",
      false,
      false};
  return ltp::admin_tool::run_admin_program(kProgram, argc, argv);
}
