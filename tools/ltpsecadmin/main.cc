// ltpsecadmin: RFC 5327 authentication rules, per remote engine, for the
// segments a node receives (`ltprecvauthrule`) and sends
// (`ltpxmitauthrule`), from an .ltpsecrc file or typed at a `: ` prompt.
//
// It only adds to a node that ionadmin (or ionstart) made; it never
// creates a heap. The engine reads the rules per segment, so a change
// applies at once, also to a running node.
#include "tools/ltpadmin/admin_main.h"

int main(int argc, char** argv) {
  using ltp::admin_tool::Language;
  static constexpr ltp::admin_tool::AdminProgram kProgram{
      "ltpsecadmin",
      Language::ltpsecrc,
      "Manage a node's LTP authentication rules (ION's ltpsecadmin).",
      "\nArguments:\n"
      "  FILE   run the ltpsecrc commands in FILE (see ltpsecrc(5)); stops at the first bad line\n"
      "  (none) read commands from stdin; `h` lists them, `q` quits\n"
      "\nCiphersuites: 0 HMAC-SHA1-80, 192 HMAC-SHA256-128 (both with a key named by\n"
      "ionsecadmin), 255 NULL (no key).\n"
      "\nExamples:\n"
      "  ltpsecadmin --node /var/lib/openltp/node1 node1.ltpsecrc\n"
      "  echo 'l ltprecvauthrule' | ltpsecadmin --node /var/lib/openltp/node1\n",
      false,
      false};
  return ltp::admin_tool::run_admin_program(kProgram, argc, argv);
}
