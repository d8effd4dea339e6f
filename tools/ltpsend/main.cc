// ltpsend: send a file (or stdin) to another engine as one LTP block and
// wait for the outcome — the shell's way to use the client API. See
// man/ltpsend.1.
//
// Exit status: 0 the block was delivered (export session complete), 1 the
// session was cancelled (the reason is printed) or a runtime failure,
// 2 usage error.
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "ipc/process_log.h"
#include "libltp/api/client.h"
#include "libltp/cli/cli.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
using namespace std::chrono_literals;
constexpr std::string_view kProgram = "ltpsend";

// At most `limit` + 1 bytes: one more than the node takes says "too large"
// without reading a huge file (or an endless device) whole.
std::optional<std::vector<std::byte>> read_input(const std::string& path, std::uint64_t limit) {
  std::vector<std::byte> bytes;
  std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (in == nullptr) return std::nullopt;
  std::byte buffer[1 << 16];
  for (std::size_t n;
       bytes.size() <= limit && (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) {
    bytes.insert(bytes.end(), buffer,
                 buffer + std::min<std::uint64_t>(n, limit + 1 - bytes.size()));
  }
  const bool failed = std::ferror(in) != 0;
  if (in != stdin) std::fclose(in);
  if (failed) return std::nullopt;
  return bytes;
}

// One line on stderr, redrawn in place, while stderr is a terminal.
class Progress {
 public:
  explicit Progress(std::uint64_t bytes) : bytes_(bytes), shown_(::isatty(2) != 0) {}
  void show(std::string_view phase) {
    if (!shown_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "\r%s: %llu bytes  %-32.*s %6.1f s", kProgram.data(),
                 static_cast<unsigned long long>(bytes_), static_cast<int>(phase.size()),
                 phase.data(), elapsed);
    std::fflush(stderr);
  }
  void done() {
    if (shown_) std::fputc('\n', stderr);
    shown_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::uint64_t bytes_;
  bool shown_;
  Clock::time_point start_ = Clock::now();
};

// How many waits for a notice (250 ms each) in a row may find the span's
// link service down before ltpsend says so and stops waiting.
constexpr int kLinkServiceDownWaits = 8;

// Waits for the outcome of `session`: 0 complete, 1 cancelled/failed.
int await_outcome(api::AccessPoint& ap, const api::SessionId& session, std::uint64_t engine,
                  std::uint64_t bytes) {
  Progress progress(bytes);
  std::string_view phase = "sending";
  int lso_down_waits = 0;
  for (;;) {
    progress.show(phase);
    auto notice = ap.next_notice(250ms);
    if (!notice) {
      progress.done();
      return cli::runtime_failure(kProgram, notice.error().message);
    }
    const api::Notice& n = notice.value();
    if (n.type == api::NoticeType::none) {
      if (api::stop_signalled()) {
        progress.done();
        return cli::runtime_failure(
            kProgram,
            "interrupted before the outcome was known; the node goes on with the session");
      }
      lso_down_waits = ap.client().link_service_running(engine) ? 0 : lso_down_waits + 1;
      if (lso_down_waits > kLinkServiceDownWaits) {
        progress.done();
        return cli::runtime_failure(
            kProgram,
            fmt::format("the link service (LSO) of the span to engine {} is not running, so "
                        "nothing goes out to it; the node keeps session {}:{} and sends it once "
                        "the LSO runs again (restart the node: `ltpadmin !`, or ionstop and "
                        "ionstart)",
                        engine, session.engine, session.number));
      }
      continue;
    }
    if (n.session != session) continue;  // an earlier run's notice
    switch (n.type) {
      case api::NoticeType::transmission_complete:
        phase = "sent, awaiting acknowledgement";
        break;
      case api::NoticeType::export_complete:
        progress.show("delivered");
        progress.done();
        return cli::kOk;
      case api::NoticeType::export_cancelled:
        progress.done();
        return cli::runtime_failure(
            kProgram, fmt::format("session {}:{} cancelled: {}", session.engine, session.number,
                                  api::reason_text(n.reason)));
      default:
        break;
    }
  }
}

void print_session(const api::SessionId& session) {
  std::printf("session %llu:%llu\n", static_cast<unsigned long long>(session.engine),
              static_cast<unsigned long long>(session.number));
  std::fflush(stdout);
}

int run(int argc, char** argv) {
  cxxopts::Options options(std::string(kProgram),
                           "Send FILE (or stdin) to ENGINE as one LTP block for client CLIENT, "
                           "and wait until it is delivered.");
  options.positional_help("ENGINE CLIENT [FILE|-]");
  cli::add_node_option(options);
  options.add_options()("green", "send the last N bytes as green (unreliable) data",
                        cxxopts::value<std::uint64_t>()->default_value("0"))(
      "no-wait", "return once the block is handed to the node")("h,help", "show this help")(
      "engine", "destination engine number", cxxopts::value<std::uint64_t>())(
      "client", "client service id (on both engines)", cxxopts::value<std::uint64_t>())(
      "file", "file to send; - or absent: standard input", cxxopts::value<std::string>());
  options.parse_positional({"engine", "client", "file"});
  const cli::ParsedCommandLine command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  if (!args.count("engine") || !args.count("client")) {
    return cli::usage_error(kProgram, "ENGINE and CLIENT are required");
  }
  const auto engine = args["engine"].as<std::uint64_t>();
  const auto client_id = args["client"].as<std::uint64_t>();
  const std::string path = args.count("file") ? args["file"].as<std::string>() : "-";

  const std::string input = path == "-" ? "standard input" : path;
  auto client = api::Client::attach(cli::node_option(args));
  if (!client) return cli::runtime_failure(kProgram, client.error().message);
  ltp::ipc::setup_process_log(client.value()->dir(), std::string(kProgram),
                              {.level = spdlog::level::warn});
  const std::uint64_t max_block = client.value()->max_block_bytes();
  auto data = read_input(path, max_block);
  if (!data) return cli::runtime_failure(kProgram, fmt::format("cannot read {}", input));
  // An LTP block holds at least one byte (RFC 5326), so there is nothing
  // to send; refused before any session is opened.
  if (data->empty()) {
    return cli::runtime_failure(
        kProgram,
        fmt::format("{} is empty: an LTP block holds at least one byte, nothing was sent", input));
  }
  if (data->size() > max_block) {
    return cli::runtime_failure(
        kProgram, fmt::format("{} is larger than the {} bytes this node takes in one block (half "
                              "its heap): split it, or give the node a larger heap (heapWords)",
                              input, max_block));
  }
  const std::uint64_t green =
      std::min<std::uint64_t>(args["green"].as<std::uint64_t>(), data->size());
  if (args.count("no-wait")) {
    // No outcome to wait for, so no claim on the client id (as ION's
    // ltp_send): the id may be held by a receiver on this same node.
    auto session = client.value()->send(client_id, engine, *data, data->size() - green);
    if (!session) return cli::runtime_failure(kProgram, session.error().message);
    if (auto flushed = client.value()->flush(engine); !flushed) {
      return cli::runtime_failure(kProgram, flushed.error().message);
    }
    print_session(session.value());
    return cli::kOk;
  }
  auto ap = api::AccessPoint::open(client.value(), client_id);
  if (!ap) return cli::runtime_failure(kProgram, ap.error().message);
  api::interrupt_on_stop_signals(*ap.value());

  auto session = ap.value()->send(engine, *data, data->size() - green);
  if (!session) return cli::runtime_failure(kProgram, session.error().message);
  // One block: close it now rather than at the span's aggregation limit.
  if (auto flushed = ap.value()->flush(engine); !flushed) {
    return cli::runtime_failure(kProgram, flushed.error().message);
  }
  print_session(session.value());
  return await_outcome(*ap.value(), session.value(), engine, data->size());
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
