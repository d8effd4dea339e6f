// ltpbench: the runtime's performance cases, for scripts/bench. Each run
// starts two nodes (engines 1 and 2) in temporary node directories on
// loopback, optionally with ltpnetem between them, measures one case and
// prints one JSON line; throughput cases also measure the raw UDP ceiling
// (udpceiling) at the same datagram size in the same run and print the
// ratio. Its timings are never pass/fail (tests/tools/long_link_test
// checks only the counts of a longlink run).
//
//   ltpbench throughput [--segment-size N] [--block-size N] [--blocks N] [--loss P]
//                       [--txbps BITS]  (udplso's rate, as an operator sets it)
//                       [--learn-rate]  (udplso --learn-rate)
//   ltpbench latency [--count N]          1 KB blocks, send -> red part delivered
//   ltpbench sessions [--blocks N]        N blocks in flight at once
//   ltpbench longlink [--owlt S] [--rate BITS] [--loss P] [--blocks N] [--block-size N]
//                                         a relay with that light time and rate, which
//                                         the contact plan tells the nodes; the time to
//                                         deliver every block against the physical bound
//           [--redundancy]                both spans take copies (`m redundancy ENGINE on`)
//           [--gap S+L]                   both contacts end S s after the start and
//                                         resume L s later; the relay blacks out inside
//                                         that gap (from 0.5 s after its start to 0.5 s
//                                         before its end), so nothing it drops is the
//                                         engines' fault
// Ctrl-C stops the case and removes what it started.
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/api/client.h"
#include "libltp/cli/cli.h"
#include "libltp/engine/engine.h"
#include "libltp/node/testing/test_node.h"
#include "tests/bench/long_link.h"

extern char** environ;

namespace {

namespace cli = ltp::cli;
using Clock = std::chrono::steady_clock;
using ltp::failure;
using ltp::Result;
using ltp::api::NoticeType;
using ltp::node::testing::TestNode;

struct Options {
  std::string bench_case;
  std::uint64_t segment_size = 1400;
  std::uint64_t block_size = 10 << 20;
  int blocks = 20;
  double loss = 0;
  int count = 1000;
  std::uint64_t seed = 1;
  std::uint64_t txbps = 0;     // udplso's rate; 0 = unpaced
  bool learn_rate = false;     // udplso --learn-rate
  double queuing = 1;          // each engine's queuing time, s (ION's default: 1)
  int runs = 1;                // throughput cases: runs, the median printed
  std::uint64_t owlt_s = 0;    // the relay's delay each way, and the contact plan's range
  std::uint64_t rate_bps = 0;  // the relay's rate cap each way, and the contacts' rate
  int auth_suite = -1;         // RFC 5327 ciphersuite both ways, or -1: none
  std::uint64_t gap_start_s = 0, gap_length_s = 0;  // a contact gap (longlink), or none
  bool redundancy = false;                          // `m redundancy PEER on` on both spans
  std::filesystem::path bin_dir;
};

ltp::bench::LongLink link_of(const Options& o) {
  return {o.owlt_s,     o.rate_bps, o.loss,        o.seed,        o.segment_size,
          o.block_size, o.blocks,   o.gap_start_s, o.gap_length_s};
}

// A child process we wait for by pid.
class Child {
 public:
  // With `stdout_file`, the child's standard output goes there.
  explicit Child(std::vector<std::string> argv, const std::filesystem::path& stdout_file = {}) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!stdout_file.empty()) {
      posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// udpceiling's Mbit/s at the segment size over `seconds`: the baseline.
double udp_ceiling(const Options& o, const std::filesystem::path& scratch, double seconds) {
  const auto out = scratch / "udpceiling.json";
  const std::string command =
      fmt::format("'{}' --size {} --duration {} > '{}'", (o.bin_dir / "udpceiling").string(),
                  o.segment_size, seconds, out.string());
  if (std::system(command.c_str()) != 0) return 0;
  return nlohmann::json::parse(read_file(out), nullptr, false).value("mbit_per_s", 0.0);
}

struct Pair {
  TestNode one, two;
  std::unique_ptr<Child> netem;
  std::filesystem::path netem_summary;  // its --json summary, once stopped
  int port[3] = {0, 0, 0};              // LSI ports
  int relay[3] = {0, 0, 0};             // where each node's LSO sends
};

// The ionrc of `engine`: with a light time or a rate, a contact plan that
// matches the relay, so the engines time their answers by its range and
// udplso paces to its rate.
std::string ionrc(const Options& o, int engine) {
  std::string text = fmt::format("1 {}\n", engine);
  if (o.owlt_s == 0 && o.rate_bps == 0) return text;
  const std::uint64_t bytes_per_s = o.rate_bps != 0 ? o.rate_bps / 8 : 1'000'000'000;
  if (o.gap_length_s != 0) {
    const std::uint64_t resume = o.gap_start_s + o.gap_length_s;
    text += fmt::format(
        "a contact +0 +{1} 1 2 {0}\na contact +0 +{1} 2 1 {0}\n"
        "a contact +{2} +864000 1 2 {0}\na contact +{2} +864000 2 1 {0}\n",
        bytes_per_s, o.gap_start_s, resume);
    text += fmt::format("a range +0 +864000 1 2 {}\n", o.owlt_s);
    return text;
  }
  text += fmt::format("a contact +0 +864000 1 2 {0}\na contact +0 +864000 2 1 {0}\n", bytes_per_s);
  text += fmt::format("a range +0 +864000 1 2 {}\n", o.owlt_s);
  return text;
}

std::string setup(Pair& p, const Options& o, int max_sessions, std::uint64_t aggregation) {
  p.port[1] = ltp::node::testing::free_udp_port();
  p.port[2] = ltp::node::testing::free_udp_port();
  p.relay[1] = p.port[2];
  p.relay[2] = p.port[1];
  if (o.loss > 0 || o.owlt_s > 0 || o.rate_bps > 0) {
    p.relay[2] = ltp::node::testing::free_udp_port();
    p.relay[1] = ltp::node::testing::free_udp_port();
    const auto ready = p.one.path() / "netem.ready";
    auto argv = ltp::bench::relay_arguments(o.bin_dir / "ltpnetem", link_of(o),
                                            {p.relay[1], p.port[2], p.relay[2], p.port[1]}, ready,
                                            o.gap_start_s * 1000);
    p.netem_summary = p.one.path() / "netem.json";
    p.netem = std::make_unique<Child>(std::move(argv), p.netem_summary);
    while (!std::filesystem::exists(ready))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int engine : {1, 2}) {
    const int peer = engine == 1 ? 2 : 1;
    auto& node = engine == 1 ? p.one : p.two;
    const auto error = node.configure(
        ionrc(o, engine),
        fmt::format(
            "1 {0}\nm ownqtime {7}\na span {1} {0} {0} {2} {3} 1 'udplso 127.0.0.1:{4}{6}' {7}\n"
            "a seat 'udplsi 127.0.0.1:{5}'\n{8}",
            max_sessions, peer, o.segment_size, aggregation, p.relay[engine], p.port[engine],
            (o.learn_rate ? std::string(" --learn-rate") : std::string()) +
                (o.txbps ? fmt::format(" {}", o.txbps) : ""),
            o.queuing,
            o.redundancy ? fmt::format("m redundancy {} on\n", peer) : ""));
    if (!error.empty()) return error;
    if (o.auth_suite >= 0) {
      // One key both stations hold, in a file only its owner may read
      // (ionsecadmin refuses any other), and both rules each way.
      const auto key = node.path() / "bench.key";
      std::ofstream(key, std::ios::binary) << "ltpbench shared secret " << o.seed << "\n";
      std::filesystem::permissions(
          key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      const bool keyless = o.auth_suite == 255;
      const std::string key_name = keyless ? "" : " bench";
      const auto security = node.configure_security(
          keyless ? "1\n" : fmt::format("1\na key bench {}\n", key.string()),
          fmt::format("a ltprecvauthrule {0} {1}{2}\na ltpxmitauthrule {0} {1}{2}\n", peer,
                      o.auth_suite, key_name));
      if (!security.empty()) return security;
    }
    if (auto started = node.start(); !started.empty()) return started;
  }
  return {};
}

struct Ends {
  std::unique_ptr<ltp::api::AccessPoint> sender, receiver;
};

Ends open_ends(Pair& p) {
  Ends e;
  auto a = ltp::api::Client::attach(p.one.path().string());
  auto b = ltp::api::Client::attach(p.two.path().string());
  if (!a || !b) return e;
  if (auto ap = ltp::api::AccessPoint::open(a.value(), 1)) e.sender = std::move(ap).value();
  if (auto ap = ltp::api::AccessPoint::open(b.value(), 1)) e.receiver = std::move(ap).value();
  return e;
}

// Ctrl-C or SIGTERM: the case stops waiting and returns, so the nodes, the
// relay and their directories go as after a normal run.
std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted.store(true); }

// Waits until `n` blocks are accounted for: notices of `type` seen here
// plus blocks cancelled (`*cancelled`, counted by whichever thread reads
// the sender's notices), so a cancelled block does not stall the case
// until its time limit. False on timeout or error.
bool await(ltp::api::AccessPoint& ap, NoticeType type, int n, std::chrono::seconds limit,
           std::atomic<int>* cancelled = nullptr) {
  const auto deadline = Clock::now() + limit;
  int seen = 0;
  const auto accounted = [&] { return seen + (cancelled ? cancelled->load() : 0); };
  while (accounted() < n && Clock::now() < deadline && !g_interrupted.load()) {
    auto notice = ap.next_notice(std::chrono::milliseconds(200));
    if (!notice) return false;
    if (notice.value().type == type) ++seen;
    if (cancelled && notice.value().type == NoticeType::export_cancelled) ++*cancelled;
  }
  return accounted() >= n;
}

// CPU seconds (user + system) a process has used so far, from
// /proc/PID/stat; the daemons start with each case, so at its end this is
// what the case cost them.
double cpu_seconds(int pid) {
  const std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
  const auto comm_end = stat.rfind(')');  // the command name may hold spaces
  if (comm_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(comm_end + 2));
  std::string field;
  double ticks = 0;
  // Fields 3.. follow the name; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Per task of the node: private resident memory (RssAnon, KiB) and CPU
// seconds. VmRSS would also count the heap file's pages a task has
// touched, which every process of the node shares (the LSO touches every
// block). The clients are threads of ltpbench: their CPU is "bench_cpu_s".
struct TaskUsage {
  nlohmann::json rss_kib = nlohmann::json::object();
  nlohmann::json cpu_s = nlohmann::json::object();
};

TaskUsage task_usage(TestNode& node) {
  TaskUsage usage;
  auto attached = node.attach();
  if (!attached || !attached->registry()) return usage;
  for (const auto& task : attached->registry()->list()) {
    if (task.pid == ::getpid()) continue;
    std::istringstream status(read_file(fmt::format("/proc/{}/status", task.pid)));
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("RssAnon:")) usage.rss_kib[task.role] = std::stoll(line.substr(8));
    }
    usage.cpu_s[task.role] = cpu_seconds(task.pid);
  }
  return usage;
}

nlohmann::json span_counters(TestNode& node, std::uint64_t span) {
  auto attached = node.attach();
  if (!attached) return {};
  auto engine = attached->make_engine();
  if (!engine) return {};
  const auto stats = engine.value()->stats(span);
  if (!stats) return {};
  const auto& s = stats.value();
  return {{"segments_sent", s.segments_sent},
          {"segments_received", s.segments_received},
          {"data_segments_retransmitted", s.data_segments_retransmitted},
          {"checkpoints_sent", s.checkpoints_sent},
          {"checkpoints_retransmitted", s.checkpoints_retransmitted},
          {"reports_sent", s.reports_sent},
          {"reports_received", s.reports_received},
          {"export_sessions_completed", s.export_sessions_completed},
          {"import_sessions_completed", s.import_sessions_completed}};
}

// One throughput run on fresh nodes, then the ceiling measured right
// after it: the line to print, or the exit status of a failure (printed).
Result<nlohmann::json, int> throughput_run(const Options& o, bool sessions_case) {
  const double bench_cpu_before = cpu_seconds(::getpid());
  Pair p;
  // The ceiling is measured just before the case and just after it, and
  // their mean is the baseline: the VM's speed drifts within seconds.
  const double ceiling_before = udp_ceiling(o, p.one.path(), 1.5);
  const int blocks = o.blocks;
  const int max_sessions = sessions_case ? blocks : 100;
  if (auto error = setup(p, o, max_sessions, 1); !error.empty()) {
    return failure(cli::runtime_failure("ltpbench", error));
  }
  auto ends = open_ends(p);
  if (!ends.sender || !ends.receiver)
    return failure(cli::runtime_failure("ltpbench", "cannot open clients"));
  std::vector<std::byte> block(o.block_size, std::byte{0x5a});
  const auto start = Clock::now();
  std::atomic<int> cancelled = 0;
  std::thread receiver([&] {
    await(*ends.receiver, NoticeType::red_part, blocks, std::chrono::seconds(600), &cancelled);
  });
  std::thread outcomes([&] {
    await(*ends.sender, NoticeType::export_complete, blocks, std::chrono::seconds(600), &cancelled);
  });
  for (int i = 0; i < blocks && !g_interrupted.load(); ++i) {
    if (auto sid = ends.sender->send(2, block); !sid) {
      std::fprintf(stderr, "ltpbench: send: %s\n", sid.error().message.c_str());
      break;
    }
  }
  receiver.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  outcomes.join();
  if (g_interrupted.load()) return failure(cli::runtime_failure("ltpbench", "interrupted"));
  const double bytes = static_cast<double>(o.block_size) * (blocks - cancelled.load());
  const double mbps = bytes * 8 / seconds / 1e6;
  nlohmann::json line{{"case", sessions_case ? "sessions" : "throughput"},
                      {"segment_size", o.segment_size},
                      {"block_size", o.block_size},
                      {"blocks", blocks},
                      {"loss_percent", o.loss},
                      {"txbps", o.txbps},
                      {"learn_rate", o.learn_rate},
                      {"queuing_s", o.queuing},
                      {"auth_suite", o.auth_suite},
                      {"seconds", seconds},
                      {"ltp_mbit_per_s", mbps},
                      {"cancelled", cancelled.load()},
                      {"sender", span_counters(p.one, 2)},
                      {"receiver", span_counters(p.two, 1)}};
  const auto one = task_usage(p.one), two = task_usage(p.two);
  line["private_rss_kib"] = {{"node1", one.rss_kib}, {"node2", two.rss_kib}};
  line["cpu_s"] = {{"node1", one.cpu_s}, {"node2", two.cpu_s}};
  line["bench_cpu_s"] = cpu_seconds(::getpid()) - bench_cpu_before;
  ends = {};
  (void)p.one.stop();
  (void)p.two.stop();
  if (p.netem) p.netem->stop();
  const double ceiling_after = udp_ceiling(o, p.one.path(), 1.5);
  const double ceiling = (ceiling_before + ceiling_after) / 2;
  line["udp_mbit_per_s"] = ceiling;
  line["udp_mbit_per_s_before_after"] = {ceiling_before, ceiling_after};
  line["ratio"] = ceiling > 0 ? mbps / ceiling : 0;
  return ltp::success(std::move(line));
}

// The case `o.runs` times; with more than one, the line printed is the
// median run's (by ratio) and "ratio_runs" lists every run's ratio: the
// ceiling itself moves by a fifth between runs on a shared VM.
int throughput(const Options& o, bool sessions_case) {
  std::vector<nlohmann::json> lines;
  for (int i = 0; i < o.runs; ++i) {
    auto line = throughput_run(o, sessions_case);
    if (!line) return line.error();
    lines.push_back(std::move(line).value());
  }
  std::sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) {
    return a["ratio"].template get<double>() < b["ratio"].template get<double>();
  });
  auto line = lines[lines.size() / 2];
  if (lines.size() > 1) {
    line["ratio_runs"] = nlohmann::json::array();
    for (const auto& run : lines) line["ratio_runs"].push_back(run["ratio"]);
  }
  std::printf("%s\n", line.dump().c_str());
  return cli::kOk;
}

int latency(const Options& o) {
  Pair p;
  if (auto error = setup(p, o, 100, 1); !error.empty())
    return cli::runtime_failure("ltpbench", error);
  auto ends = open_ends(p);
  if (!ends.sender || !ends.receiver)
    return cli::runtime_failure("ltpbench", "cannot open clients");
  std::vector<std::byte> block(1024, std::byte{0x33});
  std::vector<double> micros;
  for (int i = 0; i < o.count && !g_interrupted.load(); ++i) {
    const auto start = Clock::now();
    if (!ends.sender->send(2, block)) break;
    if (!await(*ends.receiver, NoticeType::red_part, 1, std::chrono::seconds(10))) break;
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    // Keep the sender's queue short: its outcomes are not timed.
    while (true) {
      auto n = ends.sender->next_notice(std::chrono::milliseconds(0));
      if (!n || n.value().type == NoticeType::none) break;
    }
  }
  if (g_interrupted.load()) return cli::runtime_failure("ltpbench", "interrupted");
  if (micros.empty()) return cli::runtime_failure("ltpbench", "no block was delivered");
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<std::size_t>(q * (micros.size() - 1))]; };
  nlohmann::json line{{"case", "latency"},      {"block_size", 1024}, {"blocks", micros.size()},
                      {"median_us", at(0.5)},   {"p90_us", at(0.9)},  {"p99_us", at(0.99)},
                      {"max_us", micros.back()}};
  std::printf("%s\n", line.dump().c_str());
  return cli::kOk;
}

// Stops the relay; what it dropped, by reason, both directions together
// (null without a relay).
nlohmann::json relay_dropped(Pair& p) {
  if (!p.netem) return nullptr;
  p.netem->stop();
  return ltp::bench::relay_drops(read_file(p.netem_summary));
}

// Blocks through a relay with a light time and a rate (and loss), the
// contact plan matching it (and its gap, if any): the time from the first
// send to the last block's red part at the receiver, against the physical
// bound (long_link.h).
int long_link(const Options& o) {
  Pair p;
  if (auto error = setup(p, o, std::max(o.blocks, 1), 1); !error.empty()) {
    return cli::runtime_failure("ltpbench", error);
  }
  auto ends = open_ends(p);
  if (!ends.sender || !ends.receiver)
    return cli::runtime_failure("ltpbench", "cannot open clients");
  std::vector<std::byte> block(o.block_size, std::byte{0x6c});
  std::atomic<int> cancelled = 0;
  const auto start = Clock::now();
  const auto limit = std::chrono::seconds(120 + 20 * o.owlt_s);
  std::thread outcomes(
      [&] { await(*ends.sender, NoticeType::export_complete, o.blocks, limit, &cancelled); });
  for (int i = 0; i < o.blocks && !g_interrupted.load(); ++i) {
    if (auto sid = ends.sender->send(2, block); !sid) {
      std::fprintf(stderr, "ltpbench: send: %s\n", sid.error().message.c_str());
      break;
    }
  }
  const bool delivered = await(*ends.receiver, NoticeType::red_part, o.blocks, limit, &cancelled);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  outcomes.join();
  if (g_interrupted.load()) return cli::runtime_failure("ltpbench", "interrupted");
  const double bound = ltp::bench::physical_bound(link_of(o));
  nlohmann::json line{{"case", "long_link"},
                      {"owlt_s", o.owlt_s},
                      {"rate_bps", o.rate_bps},
                      {"loss_percent", o.loss},
                      {"seed", o.seed},
                      {"redundancy", o.redundancy},
                      {"segment_size", o.segment_size},
                      {"block_size", o.block_size},
                      {"blocks", o.blocks},
                      {"delivered", delivered},
                      {"cancelled", cancelled.load()},
                      {"seconds", seconds},
                      {"bound_seconds", bound},
                      {"ratio_to_bound", seconds / bound},
                      {"sender", span_counters(p.one, 2)},
                      {"receiver", span_counters(p.two, 1)}};
  if (o.gap_length_s != 0) line["gap"] = {{"start_s", o.gap_start_s}, {"length_s", o.gap_length_s}};
  ends = {};
  line["relay_dropped"] = relay_dropped(p);
  std::printf("%s\n", line.dump().c_str());
  return delivered ? cli::kOk : cli::runtime_failure("ltpbench", "not every block arrived in time");
}

int run(int argc, char** argv) {
  cxxopts::Options options("ltpbench", "OpenLTP's performance cases (see scripts/bench).");
  Options o;
  options.add_options()("case", "throughput | latency | sessions | longlink",
                        cxxopts::value<std::string>())(
      "segment-size", "max segment size, octets",
      cxxopts::value<std::uint64_t>()->default_value("1400"))(
      "block-size", "octets per block", cxxopts::value<std::uint64_t>()->default_value("10485760"))(
      "blocks", "blocks to send", cxxopts::value<int>()->default_value("20"))(
      "loss", "percent loss each way (ltpnetem between the nodes)",
      cxxopts::value<double>()->default_value("0"))("count", "latency: blocks timed",
                                                    cxxopts::value<int>()->default_value("1000"))(
      "seed", "ltpnetem seed", cxxopts::value<std::uint64_t>()->default_value("1"))(
      "queuing",
      "each engine's queuing time in seconds (ownqtime and the span's "
      "queuing latency; response timers run 2 x this plus the round trip)",
      cxxopts::value<double>()->default_value("1"))(
      "txbps", "pace each udplso to this many bits/s (0: unpaced)",
      cxxopts::value<std::uint64_t>()->default_value("0"))(
      "learn-rate", "each udplso paces at the rate its span learns (udplso --learn-rate)")(
      "runs",
      "throughput and sessions: run the case this many times, each on fresh nodes with its own "
      "ceiling, and print the median run (by ratio) with every run's ratio",
      cxxopts::value<int>()->default_value("1"))(
      "owlt",
      "a relay delaying each datagram this many seconds each way, and a contact plan "
      "range to match (longlink: default 1)",
      cxxopts::value<std::uint64_t>())(
      "rate",
      "a relay capping each way at this many bits/s, and contacts at that rate "
      "(longlink: default 50000000)",
      cxxopts::value<std::uint64_t>())(
      "auth",
      "RFC 5327 authentication both ways with this ciphersuite (0 HMAC-SHA1-80, 192 "
      "HMAC-SHA256-128, 255 NULL) and one shared key",
      cxxopts::value<int>())(
      "gap",
      "longlink: both contacts end START s after the start and resume LENGTH s later "
      "(START+LENGTH, whole seconds, LENGTH >= 2); the relay blacks out inside the gap",
      cxxopts::value<std::string>())(
      "redundancy",
      "both spans take redundant copies on a long link (ltprc `m redundancy ENGINE on`; "
      "OpenLTP peers only)")("h,help", "show this help");
  options.parse_positional({"case"});
  options.positional_help("CASE");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  if (!args.count("case"))
    return cli::usage_error("ltpbench", "which case? throughput, latency or sessions");
  o.bench_case = args["case"].as<std::string>();
  o.segment_size = args["segment-size"].as<std::uint64_t>();
  o.block_size = args["block-size"].as<std::uint64_t>();
  o.blocks = args["blocks"].as<int>();
  o.loss = args["loss"].as<double>();
  o.count = args["count"].as<int>();
  o.seed = args["seed"].as<std::uint64_t>();
  o.txbps = args["txbps"].as<std::uint64_t>();
  o.learn_rate = args.count("learn-rate") != 0;
  o.queuing = args["queuing"].as<double>();
  o.runs = args["runs"].as<int>();
  o.redundancy = args.count("redundancy") != 0;
  const bool long_case = o.bench_case == "longlink";
  o.owlt_s = args.count("owlt") ? args["owlt"].as<std::uint64_t>() : (long_case ? 1 : 0);
  o.rate_bps = args.count("rate") ? args["rate"].as<std::uint64_t>() : (long_case ? 50'000'000 : 0);
  if (long_case && o.rate_bps == 0) return cli::usage_error("ltpbench", "longlink needs a --rate");
  if (o.segment_size <= 20) return cli::usage_error("ltpbench", "--segment-size must be over 20");
  if (o.runs < 1) return cli::usage_error("ltpbench", "--runs must be at least 1");
  if (args.count("gap")) {
    ltp::bench::LongLink gap;
    if (!long_case || !ltp::bench::parse_gap(args["gap"].as<std::string>(), gap)) {
      return cli::usage_error("ltpbench",
                              "--gap takes START+LENGTH in whole seconds, LENGTH at least 2 "
                              "(longlink only), e.g. --gap 3+4");
    }
    o.gap_start_s = gap.gap_start_s;
    o.gap_length_s = gap.gap_length_s;
  }
  if (args.count("auth")) {
    o.auth_suite = args["auth"].as<int>();
    if (o.auth_suite != 0 && o.auth_suite != 192 && o.auth_suite != 255)
      return cli::usage_error("ltpbench", "--auth takes 0, 192 or 255");
  }
  o.bin_dir = ltp::node::default_bin_dir();
  if (o.bin_dir.empty())
    return cli::runtime_failure("ltpbench", "cannot find the daemons next to ltpbench");
  if (o.bench_case == "throughput") return throughput(o, false);
  if (o.bench_case == "sessions") return throughput(o, true);
  if (o.bench_case == "latency") return latency(o);
  if (long_case) return long_link(o);
  return cli::usage_error("ltpbench", fmt::format("unknown case `{}`", o.bench_case));
}

}  // namespace

int main(int argc, char** argv) {
  cli::on_signals({SIGINT, SIGTERM}, on_interrupt);
  return run(argc, argv);
}
