// ltpcounter: ION's LTP reception benchmark — counts the blocks and bytes
// delivered to a client service id (normally from ltpdriver) and prints
// the totals when it has received enough or is interrupted. Same
// arguments and output lines as ION's. See man/ltpcounter.1.
//
// Exit status: 0 done (byte limit reached or SIGINT/SIGTERM), 1 runtime
// failure (no node, id in use, node stopped), 2 usage error.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "ipc/process_log.h"
#include "libltp/api/client.h"
#include "libltp/cli/cli.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
using namespace std::chrono_literals;
constexpr std::string_view kProgram = "ltpcounter";
constexpr std::uint64_t kDefaultMaxBytes = 2'000'000'000;
// How often a 'v' line says ltpcounter is still alive.
constexpr auto kAlive = 5s;

struct Counts {
  std::uint64_t sessions_cancelled = 0;
  std::uint64_t blocks = 0;
  std::uint64_t bytes = 0;
};

void print_notice(const api::Notice& n, Counts& counts) {
  const auto engine = static_cast<unsigned long long>(n.session.engine);
  const auto session = static_cast<unsigned long long>(n.session.number);
  switch (n.type) {
    case api::NoticeType::export_cancelled:
      std::printf("Transmission canceled: source engine %llu, session %llu, reason code %d.\n",
                  engine, session, n.reason);
      break;
    case api::NoticeType::import_cancelled:
      ++counts.sessions_cancelled;
      std::printf("Reception canceled: source engine %llu, session %llu, reason code %d.\n", engine,
                  session, n.reason);
      break;
    case api::NoticeType::green_segment:
      std::printf(
          "Green segment received, discarded: source engine %llu, session %llu, offset %llu, "
          "length %llu, eob=%d.\n",
          engine, session, static_cast<unsigned long long>(n.offset),
          static_cast<unsigned long long>(n.length), n.end_of_block ? 1 : 0);
      break;
    case api::NoticeType::red_part:
      ++counts.blocks;
      counts.bytes += n.length;
      break;
    default:
      break;
  }
}

int run(int argc, char** argv) {
  cxxopts::Options options(std::string(kProgram),
                           "Count the blocks and bytes received for client clientId (normally "
                           "from ltpdriver); stop after maxNbrOfBytes (default 2 billion) or "
                           "on SIGINT.");
  options.positional_help("clientId [maxNbrOfBytes]");
  cli::add_node_option(options);
  options.add_options()("h,help", "show this help");
  options.add_options("positional")("client", "", cxxopts::value<std::uint64_t>())(
      "max", "", cxxopts::value<std::uint64_t>()->default_value("0"));
  options.parse_positional({"client", "max"});
  const cli::ParsedCommandLine command_line =
      cli::parse(options, argc, argv, [&] { return options.help({""}); });
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  if (!args.count("client") || args["client"].as<std::uint64_t>() == 0) {
    return cli::usage_error(kProgram,
                            "usage: ltpcounter <client ID> [<max nbr of bytes>]; max nbr of "
                            "bytes defaults to 2 billion");
  }
  const auto client_id = args["client"].as<std::uint64_t>();
  const std::uint64_t max_bytes =
      args["max"].as<std::uint64_t>() == 0 ? kDefaultMaxBytes : args["max"].as<std::uint64_t>();

  auto client = api::Client::attach(cli::node_option(args));
  if (!client) {
    return cli::runtime_failure(
        kProgram, fmt::format("ltpcounter can't initialize LTP: {}", client.error().message));
  }
  ltp::ipc::setup_process_log(client.value()->dir(), std::string(kProgram));
  auto ap = api::AccessPoint::open(client.value(), client_id);
  if (!ap) {
    return cli::runtime_failure(
        kProgram, fmt::format("ltpcounter can't open client access: {}", ap.error().message));
  }
  api::interrupt_on_stop_signals(*ap.value());

  Counts counts;
  int status = cli::kOk;
  using Clock = std::chrono::steady_clock;
  // ION's prints its first "v" as it starts, then one every kAlive.
  auto next_alive = Clock::now();
  while (counts.bytes < max_bytes && !api::stop_signalled()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(next_alive - Clock::now());
    auto notice = ap.value()->next_notice(std::max(left, 0ms));
    if (!notice) {
      std::fprintf(stderr, "ltpcounter: can't get LTP notice: %s\n",
                   notice.error().message.c_str());
      status = cli::kRuntimeFailure;
      break;
    }
    print_notice(notice.value(), counts);
    if (Clock::now() >= next_alive) {
      std::puts("v");
      next_alive = Clock::now() + kAlive;
    }
    std::fflush(stdout);
  }
  std::printf("Sessions canceled: %llu\n",
              static_cast<unsigned long long>(counts.sessions_cancelled));
  std::printf("Blocks received: %llu\n", static_cast<unsigned long long>(counts.blocks));
  std::printf("Bytes received: %llu\n", static_cast<unsigned long long>(counts.bytes));
  std::printf("Stopping ltpcounter.\n");
  return status;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
