// ionstop (also installed as ltpstop): stop every daemon of a node and
// remove its shared memory and semaphores; the heap (configuration and
// sessions in flight) stays for the next ionstart. Succeeds on a node that
// is already stopped, cleaning up what a crashed run left.
#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <string>

#include "ipc/node_dir.h"
#include "ipc/process_log.h"
#include "libltp/cli/cli.h"
#include "tools/ltpadmin/admin_session.h"

namespace {

namespace cli = ltp::cli;

int run(int argc, char** argv) {
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  cxxopts::Options options(program, "Stop a node's daemons (ION's ionstop).");
  cli::add_node_option(options);
  options.add_options()("h,help", "show this help");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;

  auto dir = cli::node_dir(args);
  if (!dir) return cli::runtime_failure(program, dir.error());
  // Log only into a real node: never litter a wrong directory.
  const bool heap_present = std::filesystem::exists(dir.value().heap_path());
  ltp::ipc::setup_process_log(dir.value(), program, {.to_file = heap_present});
  return ltp::admin_tool::AdminSession(dir.value(), ltp::admin_tool::Language::ltprc, program)
      .stop_node();
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
