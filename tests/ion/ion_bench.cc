// ionbench: ION 4.1.3 -> ION 4.1.3 (or, --sender openltp, OpenLTP -> ION)
// over the long-link relay that ltpbench uses for OpenLTP
// (tests/bench/long_link.h), for scripts/bench to print every pair's time
// in one run. Two nodes (engines 1 and 2) through ltpnetem, each node's
// contact plan giving the relay's rate and light time (and its gap); the
// sender's ltpdriver sends the blocks, ION's ltpcounter counts their red
// parts; the time is from ltpdriver's start to ltpcounter's exit with
// every byte. One JSON line, like ltpbench's. Its timings are never
// pass/fail. ION is built (once, cached) by build-ion; without it
// ionbench says why and exits 1.
//
//   ionbench [--owlt S] [--rate BITS] [--loss P] [--seed N] [--blocks N]
//            [--block-size N] [--segment-size N] [--gap START+LENGTH]
//            [--sender ion|openltp]
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>

#include "ipc/testing/temp_dir.h"
#include "libltp/cli/cli.h"
#include "libltp/node/node_control.h"
#include "libltp/node/testing/test_node.h"
#include "tests/bench/long_link.h"
#include "tests/ion/ion_build.h"
#include "tests/ion/ion_node.h"
#include "tests/ion/ion_watchdog.h"
#include "tests/ion/openltp_peer.h"
#include "tests/tools/tool_process.h"

namespace {

namespace cli = ltp::cli;
using namespace std::chrono_literals;
using ltp::bench::LongLink;
using ltp::ion_test::IonNode;
using ltp::ion_test::IonNodeConfig;
using SystemClock = std::chrono::system_clock;

// Long enough for both nodes to start (a few seconds each) before a
// contact plan with a gap takes effect at the same instant on both.
constexpr auto kStartLead = 20s;

// `t` as an ionrc absolute time (UTC).
std::string ion_time(SystemClock::time_point t) {
  const std::time_t seconds = SystemClock::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y/%m/%d-%H:%M:%S", &utc);
  return text;
}

IonNodeConfig node_config(const LongLink& link, std::uint64_t engine, int lsi_port, int relay_port,
                          SystemClock::time_point epoch) {
  IonNodeConfig c;
  c.engine = engine;
  c.peer_engine = engine == 1 ? 2 : 1;
  c.lsi_port = lsi_port;
  c.peer_port = relay_port;
  c.bytes_per_second = link.rate_bps / 8;
  c.max_sessions = std::max(link.blocks, 1);
  c.max_segment_size = static_cast<int>(link.segment_size);
  c.owlt_s = link.owlt_s;
  // Room for every block at once, sent and received.
  c.heap_words =
      std::max<long>(2'500'000, static_cast<long>(3 * link.blocks * link.block_size / 8));
  if (link.gap_length_s != 0) {
    const auto ends = epoch + std::chrono::seconds(link.gap_start_s);
    const auto resumes = ends + std::chrono::seconds(link.gap_length_s);
    c.contacts = {{"+0", ion_time(ends)}, {ion_time(resumes), "+864000"}};
  }
  return c;
}

// Engine 1: an ION node, or with --sender openltp an OpenLTP node whose
// span to ION has the same contact plan and udplso paced to the relay's
// rate (OpenLTP's ltpdriver takes ION's arguments).
class Sender {
 public:
  Sender(bool openltp, bool learn_rate, const std::filesystem::path& prefix)
      : openltp_(openltp), learn_rate_(learn_rate), ion_(prefix) {}
  std::string start(const IonNodeConfig& c) {
    if (!openltp_) return ion_.start(c);
    ltp::ion_test::OpenLtpConfig o;
    o.engine = c.engine;
    o.lsi_port = c.lsi_port;
    o.peer_engine = c.peer_engine;
    o.peer_port = c.peer_port;
    o.lso_bits_per_second = c.bytes_per_second * 8;
    o.learn_rate = learn_rate_;
    o.max_sessions = c.max_sessions;
    o.max_segment_size = c.max_segment_size;
    o.ionrc_lines = ltp::ion_test::contact_plan_text(c);
    return openltp_peer_.start(o);
  }
  // If ionbench dies, the ION receiver's watchdog stops this node too.
  void clean_up_with(IonNode& receiver) {
    if (!openltp_) return;
    for (const auto& words : openltp_peer_.cleanup_commands()) receiver.if_test_dies(words);
  }
  std::unique_ptr<ltp::tools_test::ToolProcess> drive(int blocks, std::uint64_t size) {
    if (!openltp_) return ion_.start_driver(2, 1, blocks, size);
    return openltp_peer_.launch("ltpdriver",
                                {"2", "1", std::to_string(blocks), "0", std::to_string(size)});
  }
  std::string stop() { return openltp_ ? openltp_peer_.stop() : ion_.stop(); }
  const char* pair() const { return openltp_ ? "openltp_to_ion" : "ion_to_ion"; }

 private:
  bool openltp_;
  bool learn_rate_;
  IonNode ion_;
  ltp::ion_test::OpenLtpPeer openltp_peer_;
};

int run(const LongLink& link, bool openltp_sender, bool learn_rate) {
  const auto built = ltp::ion_test::ion_build(false);
  if (built.prefix.empty()) return cli::runtime_failure("ionbench", "no ION: " + built.message);
  const auto bin_dir = ltp::node::default_bin_dir();
  if (bin_dir.empty())
    return cli::runtime_failure("ionbench", "cannot find ltpnetem beside ionbench");
  ltp::ipc::testing::TempDir scratch;
  const ltp::bench::RelayPorts ports{
      ltp::node::testing::free_udp_port(), ltp::node::testing::free_udp_port(),
      ltp::node::testing::free_udp_port(), ltp::node::testing::free_udp_port()};
  // A whole second, so that both nodes' absolute contact times name it.
  const auto epoch = std::chrono::ceil<std::chrono::seconds>(SystemClock::now() + kStartLead);
  // The sender starts first: the ION receiver then removes, when stopped,
  // only the IPC that appeared after it (ion_node.h).
  Sender sender(openltp_sender, learn_rate, built.prefix);
  IonNode receiver(built.prefix);
  if (auto e = sender.start(node_config(link, 1, ports.port_a, ports.relay_ab, epoch));
      !e.empty()) {
    return cli::runtime_failure("ionbench", std::string(sender.pair()) + ", engine 1: " + e);
  }
  if (auto e = receiver.start(node_config(link, 2, ports.port_b, ports.relay_ba, epoch));
      !e.empty()) {
    return cli::runtime_failure("ionbench", "ION node 2: " + e);
  }
  sender.clean_up_with(receiver);
  const bool gap = link.gap_length_s != 0;
  if (gap && SystemClock::now() >= epoch) {
    return cli::runtime_failure("ionbench", "the ION nodes took too long to start for the gap");
  }
  const auto ready = scratch.path() / "netem.ready";
  const auto until_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(epoch - SystemClock::now());
  const std::uint64_t gap_starts_ms =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, until_epoch.count())) +
      link.gap_start_s * 1000;
  ltp::tools_test::ToolProcess relay(
      ltp::bench::relay_arguments(bin_dir / "ltpnetem", link, ports, ready, gap_starts_ms),
      scratch.path());
  while (!std::filesystem::exists(ready)) {
    if (relay.wait(5ms)) return cli::runtime_failure("ionbench", "ltpnetem: " + relay.err());
  }
  auto counter = receiver.start_counter(1, link.blocks * link.block_size);
  if (!receiver.await_counter_open(*counter)) {
    return cli::runtime_failure("ionbench", "ION's ltpcounter did not open: " + counter->err());
  }
  if (gap) std::this_thread::sleep_until(epoch);
  const auto start = std::chrono::steady_clock::now();
  auto driver = sender.drive(link.blocks, link.block_size);
  const auto limit = std::chrono::seconds(120 + 20 * link.owlt_s + link.gap_length_s);
  const auto ended = counter->wait(limit);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!ended) counter->signal(SIGINT);  // it prints its counts and stops
  counter->wait(10s);
  driver->wait(10s);
  const auto counts = ltp::ion_test::parse_counter_output(counter->out());
  relay.stop();
  const bool delivered = counts.blocks == link.blocks;
  const double bound = ltp::bench::physical_bound(link);
  nlohmann::json line{{"case", "long_link"},
                      {"pair", sender.pair()},
                      {"owlt_s", link.owlt_s},
                      {"rate_bps", link.rate_bps},
                      {"loss_percent", link.loss_percent},
                      {"seed", link.seed},
                      {"segment_size", link.segment_size},
                      {"block_size", link.block_size},
                      {"blocks", link.blocks},
                      {"delivered", delivered},
                      {"blocks_counted", counts.blocks},
                      {"cancelled", counts.cancelled},
                      {"seconds", seconds},
                      {"bound_seconds", bound},
                      {"ratio_to_bound", seconds / bound},
                      {"relay_dropped", ltp::bench::relay_drops(relay.out())}};
  if (gap) line["gap"] = {{"start_s", link.gap_start_s}, {"length_s", link.gap_length_s}};
  std::printf("%s\n", line.dump().c_str());
  // The receiver started last: stopped first (ion_node.h).
  std::string left = receiver.stop();
  left += sender.stop();
  if (!left.empty()) std::fprintf(stderr, "ionbench: left behind: %s\n", left.c_str());
  return delivered ? cli::kOk : cli::runtime_failure("ionbench", "not every block arrived in time");
}

int parse_and_run(int argc, char** argv) {
  cxxopts::Options options(
      "ionbench", "ION 4.1.3 -> ION 4.1.3 over ltpbench's long-link relay (scripts/bench).");
  options.add_options()("owlt", "one-way light time, seconds",
                        cxxopts::value<std::uint64_t>()->default_value("1"))(
      "rate", "bits/s each way", cxxopts::value<std::uint64_t>()->default_value("50000000"))(
      "loss", "percent loss each way", cxxopts::value<double>()->default_value("2"))(
      "seed", "ltpnetem seed", cxxopts::value<std::uint64_t>()->default_value("1"))(
      "blocks", "blocks to send", cxxopts::value<int>()->default_value("50"))(
      "block-size", "octets per block", cxxopts::value<std::uint64_t>()->default_value("1000000"))(
      "segment-size", "max segment size, octets",
      cxxopts::value<std::uint64_t>()->default_value("1400"))(
      "gap",
      "both contacts end START s after the start and resume LENGTH s later (START+LENGTH, "
      "whole seconds, LENGTH >= 2); the relay blacks out inside the gap",
      cxxopts::value<std::string>())("sender",
                                     "engine 1: ion (ION -> ION) or openltp (OpenLTP -> ION)",
                                     cxxopts::value<std::string>()->default_value("ion"))(
      "learn-rate", "--sender openltp: its udplso paces by the learned rate (--learn-rate)")(
      "h,help", "show this help");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  LongLink link;
  link.owlt_s = args["owlt"].as<std::uint64_t>();
  link.rate_bps = args["rate"].as<std::uint64_t>();
  link.loss_percent = args["loss"].as<double>();
  link.seed = args["seed"].as<std::uint64_t>();
  link.blocks = args["blocks"].as<int>();
  link.block_size = args["block-size"].as<std::uint64_t>();
  link.segment_size = args["segment-size"].as<std::uint64_t>();
  // ION's ltpcounter takes the octets to wait for as an int.
  constexpr std::uint64_t kCounterMaxOctets = 2'000'000'000;
  if (static_cast<std::uint64_t>(std::max(link.blocks, 0)) * link.block_size > kCounterMaxOctets) {
    return cli::usage_error("ionbench",
                            "--blocks x --block-size must be at most 2000000000 octets (what "
                            "ION's ltpcounter can count)");
  }
  if (link.rate_bps < 8 || link.blocks < 1 || link.block_size < 1 || link.segment_size <= 20) {
    return cli::usage_error("ionbench",
                            "--rate, --blocks and --block-size must be positive, --segment-size "
                            "over 20");
  }
  if (args.count("gap") && !ltp::bench::parse_gap(args["gap"].as<std::string>(), link)) {
    return cli::usage_error("ionbench", "--gap takes START+LENGTH, LENGTH at least 2, e.g. 3+4");
  }
  const auto sender = args["sender"].as<std::string>();
  if (sender != "ion" && sender != "openltp") {
    return cli::usage_error("ionbench", "--sender is ion or openltp");
  }
  if (args.count("learn-rate") && sender != "openltp") {
    return cli::usage_error("ionbench", "--learn-rate is for --sender openltp");
  }
  return run(link, sender == "openltp", args.count("learn-rate") != 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (auto status = ltp::ion_test::run_watchdog_if_asked(argc, argv)) return *status;
  return parse_and_run(argc, argv);
}
