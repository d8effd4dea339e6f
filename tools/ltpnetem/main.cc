// ltpnetem: a UDP impairment relay between two LTP nodes, for tests,
// demos and lossy-link runs. See man/ltpnetem.1 and docs/ltpnetem.md.
//
// Exit status: 0 done, 1 runtime failure (cannot bind, resolve, send),
// 2 usage error.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "libltp/cli/cli.h"
#include "tools/ltpnetem/parse.h"
#include "tools/ltpnetem/relay.h"

namespace {

using ltp::udp::Nanos;
using ltpnetem::Parsed;

namespace cli = ltp::cli;
constexpr std::string_view kProgram = "ltpnetem";

constexpr const char* kImpairmentGroup =
    "Impairments (repeatable; [ab:|ba:] aims at one direction)";
constexpr const char* kExamples = R"(
Examples:
  ltpnetem --ab 127.0.0.1:2114=127.0.0.1:1114 --ba 127.0.0.1:2113=127.0.0.1:1113 --loss 5%
  ltpnetem --ab @:2114=127.0.0.1:1114 --ba @:2113=127.0.0.1:1113 --drop ab:cp#1..2 -v
  ltpnetem --ab @:2114=127.0.0.1:1114 --ba @:2113=127.0.0.1:1113 --blackout 2s+3s --json
)";

// Checks the spelling of "LISTEN=FORWARD", each {host|@}[:port]; names
// are resolved later (a failure there is a runtime error, not usage).
Parsed<void> check_link(const std::string& option, const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos) {
    return ltp::failure(fmt::format(
        "--{} needs LISTEN=FORWARD (e.g. --{} 127.0.0.1:0=127.0.0.1:1113)", option, option));
  }
  for (const auto& part : {text.substr(0, equals), text.substr(equals + 1)}) {
    auto split = ltp::udp::split_host_port(part);
    if (!split) return ltp::failure(fmt::format("--{}: {}", option, split.error().message));
  }
  return ltp::success();
}

struct Stopwatch {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

// Writes "ab LISTEN\nba LISTEN\n". A FIFO is written in place (the reader
// unblocks when we are ready); a file is written beside and renamed, so
// a reader never sees half of it.
bool write_ready_file(const std::string& path, const std::vector<ltpnetem::RelayDirection>& dirs) {
  std::string text;
  for (const auto& d : dirs) text += d.name + " " + ltp::udp::to_string(d.listen) + "\n";
  struct stat st {};
  const bool fifo = ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
  const std::string target = fifo ? path : path + ".tmp";
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return written && (fifo || ::rename(target.c_str(), path.c_str()) == 0);
}

cxxopts::Options make_options() {
  cxxopts::Options options("ltpnetem",
                           "A UDP impairment relay between two LTP nodes: loss, duplication, "
                           "reordering, delay, rate cap, blackouts and drops by segment type.\n"
                           "Impairments apply to both directions, or to one with an ab: or ba: "
                           "prefix (e.g. --loss ab:5%).");
  options.custom_help("--ab LISTEN=FORWARD [--ba LISTEN=FORWARD] [impairments] [options]");
  // clang-format off
  options.add_options("Links")
    ("ab", "relay datagrams arriving at LISTEN (node 1's LSO sends there) to FORWARD "
           "(node 2's LSI); addresses as {host|@}[:port], port 0 = any free port",
     cxxopts::value<std::string>(), "LISTEN=FORWARD")
    ("ba", "the other direction: node 2's LSO -> LISTEN, forwarded to node 1's LSI",
     cxxopts::value<std::string>(), "LISTEN=FORWARD");
  options.add_options(kImpairmentGroup)
    ("loss", "drop datagrams at random with this probability", cxxopts::value<std::string>(), "P%")
    ("drop", "drop datagrams of a segment type, all or by position among that type: "
             "cp#1..2 = the first 2 checkpoints, ra = every RA, data#3 = the 3rd data segment, "
             "rs#2..4, rs#5.., cp#1,3. Types: " + fmt::format("{}", ltpnetem::type_class_names()),
     cxxopts::value<std::string>(), "TYPE[#N[..M][,...]]")
    ("duplicate", "send a second copy with this probability", cxxopts::value<std::string>(), "P%")
    ("reorder", "hold a datagram back with probability P until K (default 1) later ones "
                "have gone (or 1 s has passed)", cxxopts::value<std::string>(), "P%[/K]")
    ("delay", "delay every datagram (e.g. 100ms)", cxxopts::value<std::string>(), "TIME")
    ("jitter", "vary the delay uniformly by up to +-TIME (may reorder)",
     cxxopts::value<std::string>(), "TIME")
    ("rate", "cap the rate, bits per second (e.g. 10M); excess waits in a queue",
     cxxopts::value<std::string>(), "BPS")
    ("burst", "rate cap burst in octets (default 65535)", cxxopts::value<std::string>(), "OCTETS")
    ("queue", "datagrams that may wait for the rate cap; more are dropped (default 1000)",
     cxxopts::value<std::string>(), "N")
    ("blackout", "drop everything from START for LENGTH after the relay starts "
                 "(e.g. 2s+3s)", cxxopts::value<std::string>(), "START+LENGTH");
  options.add_options("Run")
    ("seed", "seed of the random impairments (default: random, printed in the summary)",
     cxxopts::value<std::uint64_t>(), "N")
    ("duration", "stop after TIME", cxxopts::value<std::string>(), "TIME")
    ("count", "stop after N datagrams received (both directions), once the ones "
              "still delayed are forwarded", cxxopts::value<std::uint64_t>(), "N")
    ("ready-file", "write the bound LISTEN addresses to FILE once listening "
                   "(lines 'ab ADDRESS' and 'ba ADDRESS')", cxxopts::value<std::string>(), "FILE")
    ("json", "print the summary as one JSON object")
    ("v,verbose", "log every action on stderr")
    ("h,help", "show this help");
  // clang-format on

  return options;
}

// What the command line asks for, checked (usage errors are found here).
struct Settings {
  ltpnetem::DirectionConfigs configs;
  std::vector<std::pair<std::string, std::string>> links;  // direction name, LISTEN=FORWARD
  std::optional<Nanos> duration;
  std::uint64_t seed = 0;
  std::uint64_t count = 0;  // 0: no limit
  std::optional<std::string> ready_file;
  bool json = false;
  bool verbose = false;
};

Parsed<Settings> read_settings(const cxxopts::ParseResult& args) {
  Settings settings;
  if (!args.unmatched().empty())
    return ltp::failure("unexpected argument '" + args.unmatched()[0] + "'");
  for (const char* name : {"ab", "ba"}) {
    if (!args.count(name)) continue;
    BOOST_OUTCOME_TRYV(check_link(name, args[name].as<std::string>()));
    settings.links.emplace_back(name, args[name].as<std::string>());
  }
  if (settings.links.empty())
    return ltp::failure(
        "give at least one direction: --ab LISTEN=FORWARD and/or --ba LISTEN=FORWARD");
  for (const auto& kv : args.arguments()) {  // in command-line order, repeats kept
    const auto& known = ltpnetem::kImpairmentOptions;
    if (std::find(known.begin(), known.end(), kv.key()) == known.end()) continue;
    BOOST_OUTCOME_TRYV(ltpnetem::apply_impairment(settings.configs, kv.key(), kv.value()));
  }
  if (args.count("duration")) {
    auto duration = ltpnetem::parse_duration(args["duration"].as<std::string>());
    if (!duration) return ltp::failure("--duration: " + duration.error());
    settings.duration = duration.value();
  }
  settings.seed = args.count("seed")
                      ? args["seed"].as<std::uint64_t>()
                      : (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  if (args.count("count")) settings.count = args["count"].as<std::uint64_t>();
  if (args.count("ready-file")) settings.ready_file = args["ready-file"].as<std::string>();
  settings.json = args.count("json") > 0;
  settings.verbose = args.count("verbose") > 0;
  return settings;
}

// What to try when a listening address cannot be bound.
std::string bind_hint(int error) {
  if (error == EADDRINUSE) return " (pick another port, 0 for any free one, or stop what holds it)";
  if (error == EADDRNOTAVAIL) return " (that address is not one of this machine's)";
  if (error == EACCES) return " (ports below 1024 need privileges; pick a higher one)";
  return "";
}

// Resolves and binds every direction of `settings`.
ltp::Result<std::vector<ltpnetem::RelayDirection>, std::string> open_directions(
    const Settings& settings) {
  std::vector<ltpnetem::RelayDirection> directions;
  for (const auto& [name, text] : settings.links) {
    const auto equals = text.find('=');
    auto listen = ltp::udp::resolve_endpoint(text.substr(0, equals), ltp::udp::AtSign::any_address);
    auto forward =
        ltp::udp::resolve_endpoint(text.substr(equals + 1), ltp::udp::AtSign::local_host);
    if (!listen) return ltp::failure(listen.error().message);
    if (!forward) return ltp::failure(forward.error().message);
    auto opened = ltpnetem::open_direction(name, listen.value(), forward.value());
    if (!opened) return ltp::failure(opened.error().message + bind_hint(opened.error().sys_errno));
    directions.push_back(std::move(opened).value());
  }
  return directions;
}

// A signalfd for SIGINT and SIGTERM, which are blocked in this thread and
// in every thread started after it, so only the signalfd sees them.
int stop_signals_fd() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return ::signalfd(-1, &stop_signals, SFD_CLOEXEC);
}

// Runs the direction threads until they end; says what ended the run:
// "count", "duration" or "signal".
std::string run_threads(std::vector<ltpnetem::RelayDirection>& directions,
                        std::vector<ltpnetem::DirectionCore>& cores, ltpnetem::RunControl& control,
                        std::vector<ltp::udp::Waker>& wakers, int signal_fd,
                        std::optional<Nanos> duration, const Stopwatch& stopwatch,
                        const ltp::udp::Waker& threads_done,
                        std::vector<std::optional<ltp::udp::Error>>& failures) {
  std::atomic<std::size_t> threads_finished{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    threads.emplace_back([&, i] {
      auto result = ltpnetem::run_direction(directions[i], cores[i], control, wakers[i]);
      if (!result) {
        failures[i] = result.error();
        control.abandon();
      }
      ++threads_finished;
      threads_done.wake();
    });
  }
  std::string stopped_by = "count";
  while (threads_finished.load() < threads.size()) {
    std::array<pollfd, 2> fds{pollfd{signal_fd, POLLIN, 0}, pollfd{threads_done.fd(), POLLIN, 0}};
    int timeout_ms = -1;
    if (duration && control.mode() == ltpnetem::RunControl::Mode::run) {
      const double left = std::chrono::duration<double>(*duration).count() - stopwatch.seconds();
      timeout_ms = std::max(0, static_cast<int>(left * 1000 + 1));
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) == 0) {
      stopped_by = "duration";
      control.abandon();
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      [[maybe_unused]] const auto got = ::read(signal_fd, &info, sizeof info);
      stopped_by = "signal";
      control.abandon();
    }
    threads_done.drain();
  }
  for (auto& t : threads) t.join();
  return stopped_by;
}

void print_summary(const Settings& settings, const std::string& stopped_by, double seconds,
                   const std::vector<ltpnetem::RelayDirection>& directions,
                   const std::vector<ltpnetem::DirectionCore>& cores) {
  nlohmann::json json_directions = nlohmann::json::array();
  std::string text = fmt::format("ltpnetem: {:.3f} s, stopped by {}, seed {}\n", seconds,
                                 stopped_by, settings.seed);
  for (std::size_t i = 0; i < directions.size(); ++i) {
    ltpnetem::DirectionReport report{directions[i].name,
                                     ltp::udp::to_string(directions[i].listen),
                                     ltp::udp::to_string(directions[i].forward),
                                     {},
                                     cores[i].stats(),
                                     directions[i].send_refused};
    for (const auto& rule : cores[i].config().drops) report.rules.push_back(rule.text);
    json_directions.push_back(ltpnetem::to_json(report));
    text += ltpnetem::to_text(report);
  }
  if (settings.json) {
    std::cout << nlohmann::json{{"seconds", seconds},
                                {"stopped_by", stopped_by},
                                {"seed", settings.seed},
                                {"directions", std::move(json_directions)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << text << std::flush;
  }
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options options = make_options();
  const cli::ParsedCommandLine command_line = cli::parse(options, argc, argv, [&] {
    return options.help({"Links", kImpairmentGroup, "Run"}) + kExamples;
  });
  if (command_line.exit_now) return *command_line.exit_now;
  const cxxopts::ParseResult& args = command_line.args;
  auto settings = read_settings(args);
  if (!settings) return cli::usage_error(kProgram, settings.error());
  const Settings& s = settings.value();

  auto opened = open_directions(s);
  if (!opened) return cli::runtime_failure(kProgram, opened.error());
  auto& directions = opened.value();

  const int signal_fd = stop_signals_fd();
  if (signal_fd < 0)
    return cli::runtime_failure(kProgram, "cannot set up signal handling (signalfd failed)");
  ltpnetem::RunControl control(s.count);
  std::vector<ltp::udp::Waker> wakers;  // one per direction, then one for "a thread ended"
  for (std::size_t i = 0; i <= directions.size(); ++i) {
    auto waker = ltp::udp::Waker::create();
    if (!waker) return cli::runtime_failure(kProgram, waker.error().message);
    wakers.push_back(std::move(waker).value());
  }
  const ltp::udp::Waker threads_done = std::move(wakers.back());
  wakers.pop_back();
  for (const auto& waker : wakers) control.add_waker(&waker);

  const Stopwatch stopwatch;
  const Nanos start = ltp::udp::monotonic_now();
  std::vector<ltpnetem::DirectionCore> cores;
  for (const auto& direction : directions) {
    ltpnetem::DirectionCore::Log log;
    if (s.verbose) {
      log = [name = direction.name, &stopwatch](const std::string& line) {
        std::fprintf(stderr, "%s %.6f %s\n", name.c_str(), stopwatch.seconds(), line.c_str());
      };
    }
    const unsigned stream = direction.name == "ab" ? 0 : 1;
    cores.emplace_back(s.configs[stream], s.seed, stream, start, log);
  }

  if (s.ready_file && !write_ready_file(*s.ready_file, directions)) {
    return cli::runtime_failure(kProgram, "cannot write the ready file '" + *s.ready_file +
                                              "'; check that its directory exists and is writable");
  }
  std::vector<std::optional<ltp::udp::Error>> failures(directions.size());
  const std::string stopped_by = run_threads(directions, cores, control, wakers, signal_fd,
                                             s.duration, stopwatch, threads_done, failures);
  ::close(signal_fd);
  print_summary(s, stopped_by, stopwatch.seconds(), directions, cores);
  for (const auto& failure : failures) {
    if (failure) return cli::runtime_failure(kProgram, failure->message);
  }
  return cli::kOk;
}
