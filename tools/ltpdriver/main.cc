// ltpdriver: ION's LTP transmission benchmark — sends a number of service
// data units to a remote client (normally ltpcounter) and reports the
// rate. Same arguments and report lines as ION's, so ION users' scripts
// run unchanged. See man/ltpdriver.1.
//
// Exit status: 0 done, 1 runtime failure (no node, client id in use, send
// failed), 2 usage error.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "ipc/process_log.h"
#include "libltp/api/client.h"
#include "libltp/cli/cli.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
using namespace std::chrono_literals;
constexpr std::string_view kProgram = "ltpdriver";
constexpr std::uint64_t kDefaultSduLength = 60000;
// totalLength 1 asks for random sizes: multiples of 1024 up to this.
constexpr std::uint64_t kRandomSizes = 61;  // 1024 .. 62464

// Takes the notices the node queued for our sessions, so they do not pile
// up in the heap during a long run; reports cancellations as ION's tools do.
void take_notices(api::AccessPoint& ap) {
  for (;;) {
    auto notice = ap.next_notice(0ms);
    if (!notice || notice.value().type == api::NoticeType::none) return;
    const api::Notice& n = notice.value();
    if (n.type == api::NoticeType::export_cancelled) {
      std::printf("Transmission canceled: source engine %llu, session %llu, reason code %d.\n",
                  static_cast<unsigned long long>(n.session.engine),
                  static_cast<unsigned long long>(n.session.number), n.reason);
    }
  }
}

int run(int argc, char** argv) {
  cxxopts::Options options(std::string(kProgram),
                           "Send nbrOfCycles service data units to client clientId of engine "
                           "remoteEngineNbr (normally ltpcounter) and report the rate.");
  options.positional_help("remoteEngineNbr clientId nbrOfCycles greenLength [totalLength]");
  cli::add_node_option(options);
  options.add_options()("h,help", "show this help");
  options.add_options("positional")("engine", "", cxxopts::value<std::uint64_t>())(
      "client", "", cxxopts::value<std::uint64_t>())("cycles", "", cxxopts::value<std::uint64_t>())(
      "green", "", cxxopts::value<std::uint64_t>())(
      "length", "",
      cxxopts::value<std::uint64_t>()->default_value(std::to_string(kDefaultSduLength)));
  options.parse_positional({"engine", "client", "cycles", "green", "length"});
  const cli::ParsedCommandLine command_line =
      cli::parse(options, argc, argv, [&] { return options.help({""}); });
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  if (!args.count("engine") || !args.count("client") || !args.count("cycles") ||
      !args.count("green") || args["engine"].as<std::uint64_t>() == 0 ||
      args["client"].as<std::uint64_t>() == 0 || args["cycles"].as<std::uint64_t>() == 0 ||
      args["length"].as<std::uint64_t>() == 0) {
    return cli::usage_error(kProgram,
                            "usage: ltpdriver <destination engine ID> <client ID> <number of "
                            "cycles> <'green' length> [<payload size>]; payload size defaults to "
                            "60000 bytes, 1 picks random sizes from 1024 to 62464 in multiples of "
                            "1024; the receiver is normally ltpcounter");
  }
  const auto engine = args["engine"].as<std::uint64_t>();
  const auto client_id = args["client"].as<std::uint64_t>();
  const auto cycles = args["cycles"].as<std::uint64_t>();
  const auto green = args["green"].as<std::uint64_t>();
  const auto length = args["length"].as<std::uint64_t>();
  const bool random_sizes = length == 1;

  auto client = api::Client::attach(cli::node_option(args));
  if (!client) {
    return cli::runtime_failure(
        kProgram, fmt::format("ltpdriver can't initialize LTP: {}", client.error().message));
  }
  ltp::ipc::setup_process_log(client.value()->dir(), std::string(kProgram));
  // OpenLTP reports an export's outcome to its client, so the sender holds
  // the id too (ION's ltpdriver does not open it).
  auto ap = api::AccessPoint::open(client.value(), client_id);
  if (!ap) return cli::runtime_failure(kProgram, ap.error().message);

  const std::uint64_t largest = random_sizes ? kRandomSizes * 1024 : length;
  std::vector<std::byte> payload(largest);
  constexpr std::string_view kText = "ltpdriver test data. ";
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(kText[i % kText.size()]);
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::uint64_t> pick(1, kRandomSizes);

  std::uint64_t bytes_sent = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t remaining = cycles; remaining > 0;) {
    const std::uint64_t size = random_sizes ? pick(rng) * 1024 : length;
    const std::uint64_t red = size > green ? size - green : 0;
    auto sent = ap.value()->send(engine, std::span(payload).first(size), red);
    if (!sent) {
      return cli::runtime_failure(kProgram,
                                  fmt::format("ltp_send failed: {}", sent.error().message));
    }
    bytes_sent += size;
    --remaining;
    if (remaining % 100 == 0) std::printf("%llu\n", static_cast<unsigned long long>(remaining));
    take_notices(*ap.value());
  }
  // The last block goes now, not at the span's aggregation time limit.
  (void)ap.value()->flush(engine);
  // Whole seconds, as ION's prints them (scripts do integer arithmetic on
  // it), and no rate under one.
  const auto seconds = static_cast<unsigned long long>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count());

  std::printf("Time (seconds): %llu\n", seconds);
  if (random_sizes) {
    std::printf("Data size random.\n");
  } else {
    std::printf("Data size (bytes): %llu\n", static_cast<unsigned long long>(length));
  }
  std::printf("Cycles: %llu\n", static_cast<unsigned long long>(cycles));
  std::printf("Bytes: %llu\n", static_cast<unsigned long long>(bytes_sent));
  if (seconds == 0) {
    std::printf("Interval is too short to measure rate.\n");
  } else {
    std::printf("Throughput (bytes per second): %llu\n",
                static_cast<unsigned long long>(bytes_sent) / seconds);
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
