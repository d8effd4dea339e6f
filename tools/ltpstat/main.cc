// ltpstat: what a node is doing — spans, link state, sessions in flight,
// counters, heap use, daemons — as a table or one JSON object (--json),
// once or every S seconds (--watch S) until interrupted. Reads the heap
// only, so it works on a stopped node too.
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>

#include "ipc/node_dir.h"
#include "ipc/process_log.h"
#include "libltp/cli/cli.h"
#include "tools/ltpstat/report.h"
#include "tools/ltpstat/table.h"

namespace {

namespace cli = ltp::cli;
constexpr char kProgram[] = "ltpstat";

std::string help_text(cxxopts::Options& options) {
  return options.help() +
         "\nExamples:\n"
         "  ltpstat --node /var/lib/openltp/node1\n"
         "  ltpstat --json | jq '.spans[] | {engine, sessions}'\n"
         "  ltpstat --watch 1\n";
}

// Sleeps `seconds`; false once SIGINT or SIGTERM arrived (both blocked
// and taken here, so the report being printed is never cut).
bool wait_or_interrupted(double seconds, const sigset_t& stop_signals) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - std::floor(seconds)) * 1e9);
  while (true) {
    const int sig = ::sigtimedwait(&stop_signals, nullptr, &ts);
    if (sig > 0) return false;
    if (errno == EAGAIN) return true;
    // EINTR: another signal; keep waiting (a little longer at worst).
  }
}

int run(int argc, char** argv) {
  cxxopts::Options options(kProgram, "Show a node's spans, sessions, counters and daemons.");
  cli::add_node_option(options);
  options.add_options()("json", "print one JSON object")(
      "watch", "repeat every S seconds (fractions allowed) until interrupted",
      cxxopts::value<double>(), "S")("h,help", "show this help");
  const auto command_line = cli::parse(options, argc, argv, [&] { return help_text(options); });
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  const bool json = args.count("json") > 0;
  std::optional<double> watch;
  if (args.count("watch")) {
    watch = args["watch"].as<double>();
    if (!(*watch >= 0.01 && *watch <= 86400)) {
      return cli::usage_error(kProgram, "--watch takes seconds between 0.01 and 86400");
    }
  }

  auto dir = cli::node_dir(args);
  if (!dir) return cli::runtime_failure(kProgram, dir.error());
  // A reader: warnings (heap recovery) only, and only into a real node.
  const bool heap_present = std::filesystem::exists(dir.value().heap_path());
  ltp::ipc::setup_process_log(dir.value(), kProgram,
                              {.level = spdlog::level::warn, .to_file = heap_present});

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (watch) ::sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const bool clear_screen = watch && !json && ::isatty(1);
  while (true) {
    auto report = ltp::ltpstat::collect_report(dir.value());
    if (!report) return cli::runtime_failure(kProgram, report.error());
    const std::string text =
        json ? report.value().dump() + "\n" : ltp::ltpstat::render_table(report.value());
    if (clear_screen) std::fputs("\033[H\033[2J", stdout);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    if (!watch) return cli::kOk;
    if (!json && !clear_screen) std::fputc('\n', stdout);
    if (!wait_or_interrupted(*watch, stop_signals)) return cli::kOk;
  }
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
