// ltpadmin: configure, start and stop a node's LTP, ION-style.
//
// `ltpadmin FILE` runs an .ltprc file (stopping at the first bad line),
// `ltpadmin` reads commands from stdin (a `: ` prompt on a terminal),
// `ltpadmin .` stops the node's LTP and `ltpadmin !` restarts it. The
// lines go through AdminSession, shared with ionadmin and ionstart.
#include <unistd.h>

#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <string>

#include "ipc/node_dir.h"
#include "ipc/process_log.h"
#include "tools/cli/cli.h"
#include "tools/ltpadmin/admin_session.h"

namespace {

namespace cli = ltp::cli;
using ltp::admin_tool::AdminSession;
using ltp::admin_tool::Language;

constexpr char kProgram[] = "ltpadmin";

std::string help_text(cxxopts::Options& options) {
  return options.help() +
         "\nArguments:\n"
         "  FILE   run the ltprc commands in FILE (see ltprc(5)); stops at the first bad line\n"
         "  .      stop the node's LTP daemons\n"
         "  !      stop, then start them again\n"
         "  (none) read commands from stdin; `h` lists them, `q` quits\n"
         "\nExamples:\n"
         "  ltpadmin --node /var/lib/openltp/node1 node1.ltprc\n"
         "  ltpadmin .\n";
}

int run(int argc, char** argv) {
  cxxopts::Options options(kProgram, "Configure, start and stop a node's LTP (ION's ltpadmin).");
  options.add_options()("node",
                        "node directory (default: $LTP_NODE_DIR, else the current directory)",
                        cxxopts::value<std::string>())(
      "file", "ltprc file, `.` or `!`", cxxopts::value<std::string>())("h,help", "show this help");
  options.parse_positional({"file"});
  options.positional_help("[FILE | . | !]");
  const auto command_line = cli::parse(options, argc, argv, [&] { return help_text(options); });
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;

  std::optional<std::string> node_option;
  if (args.count("node")) node_option = args["node"].as<std::string>();
  auto dir = ltp::ipc::NodeDir::resolve(node_option);
  if (!dir) {
    return cli::runtime_failure(kProgram,
                                fmt::format("node directory: {}; create it or pass --node DIR",
                                            ltp::ipc::to_string(dir.error())));
  }
  ltp::ipc::setup_process_log(dir.value(), kProgram);
  AdminSession session(dir.value(), Language::ltprc, kProgram);
  if (!args.count("file")) return session.run_interactive(std::cin, ::isatty(0) != 0);
  const std::string file = args["file"].as<std::string>();
  if (file == ".") return session.stop_node();
  if (file == "!") return session.restart_node();
  return session.run_file(file);
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
