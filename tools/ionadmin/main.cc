// ionadmin: the part of ION's node administration that LTP needs — the
// node number (`1`), the contact plan (contacts and ranges), `m horizon`
// and `m clockerr` — from an .ionrc file or typed at a `: ` prompt.
//
// `s` has nothing to start (ION's node clock is not needed: ltpclock
// applies the contact plan once ltpadmin's `s` starts it); `x` and
// `ionadmin .` stop the node's daemons, as ION's stop the whole node.
#include <fmt/format.h>
#include <unistd.h>

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

constexpr char kProgram[] = "ionadmin";

std::string help_text(cxxopts::Options& options) {
  return options.help() +
         "\nArguments:\n"
         "  FILE   run the ionrc commands in FILE (see ionrc(5)); stops at the first bad line\n"
         "  .      stop the node's daemons\n"
         "  (none) read commands from stdin; `h` lists them, `q` quits\n"
         "\nExamples:\n"
         "  ionadmin --node /var/lib/openltp/node1 node1.ionrc\n"
         "  echo 'l contact' | ionadmin --node /var/lib/openltp/node1\n";
}

int run(int argc, char** argv) {
  cxxopts::Options options(
      kProgram, "Set a node's number and contact plan (the LTP part of ION's ionadmin).");
  options.add_options()("node",
                        "node directory (default: $LTP_NODE_DIR, else the current directory)",
                        cxxopts::value<std::string>())(
      "file", "ionrc file or `.`", cxxopts::value<std::string>())("h,help", "show this help");
  options.parse_positional({"file"});
  options.positional_help("[FILE | .]");
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
  AdminSession session(dir.value(), Language::ionrc, kProgram);
  if (!args.count("file")) return session.run_interactive(std::cin, ::isatty(0) != 0);
  const std::string file = args["file"].as<std::string>();
  if (file == ".") return session.stop_node();
  return session.run_file(file);
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
