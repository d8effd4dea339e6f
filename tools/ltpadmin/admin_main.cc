#include "tools/ltpadmin/admin_main.h"

#include <unistd.h>

#include <fmt/format.h>

#include <iostream>

#include "ipc/process_log.h"
#include "libltp/cli/cli.h"

namespace ltp::admin_tool {

int run_admin_program(const AdminProgram& program, int argc, char** argv) {
  cxxopts::Options options(program.name, program.description);
  cli::add_node_option(options);
  const char* file_help = program.can_restart ? "file, `.` or `!`"
                          : program.can_stop  ? "file or `.`"
                                              : "file";
  options.add_options()("file", file_help, cxxopts::value<std::string>())("h,help",
                                                                          "show this help");
  options.parse_positional({"file"});
  options.positional_help(program.can_restart ? "[FILE | . | !]"
                          : program.can_stop  ? "[FILE | .]"
                                              : "[FILE]");
  const auto command_line =
      cli::parse(options, argc, argv, [&] { return options.help() + program.arguments; });
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;

  const std::string file = args.count("file") ? args["file"].as<std::string>() : "";
  if ((file == "." && !program.can_stop) || (file == "!" && !program.can_restart)) {
    return cli::usage_error(program.name,
                            fmt::format("`{}` is not a command file here; {}", file,
                                        file == "." ? "ionstop (or `ltpadmin .`) stops a node"
                                                    : "`ltpadmin !` restarts a node"));
  }

  auto dir = cli::node_dir(args);
  if (!dir) return cli::runtime_failure(program.name, dir.error());
  ipc::setup_process_log(dir.value(), program.name);
  AdminSession session(dir.value(), program.language, program.name);
  if (!args.count("file")) return session.run_interactive(std::cin, ::isatty(0) != 0);
  if (file == ".") return session.stop_node();
  if (file == "!" && program.can_restart) return session.restart_node();
  return session.run_file(file);
}

}  // namespace ltp::admin_tool
