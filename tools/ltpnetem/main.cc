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
#include <cxxopts.hpp>

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

#include "tools/ltpnetem/parse.h"
#include "tools/ltpnetem/relay.h"

namespace {

using ltp::udp::Nanos;
using ltpnetem::Parsed;

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::cerr << "ltpnetem: " << message << "\nTry 'ltpnetem --help' for usage.\n";
  return kExitUsage;
}

int runtime_error(const std::string& message) {
  std::cerr << "ltpnetem: " << message << '\n';
  return kExitRuntime;
}

struct Link {
  ltp::udp::Endpoint listen, forward;
};

// "LISTEN=FORWARD", each {host|@}[:port]; checks the spelling (a usage
// error) before resolving (a runtime error).
Parsed<std::pair<std::string, std::string>> split_link(const std::string& option,
                                                       const std::string& text) {
  const auto equals = text.find('=');
  const std::string example = " (e.g. --" + option + " 127.0.0.1:0=127.0.0.1:1113)";
  if (equals == std::string::npos)
    return ltp::failure("--" + option + " needs LISTEN=FORWARD" + example);
  std::pair<std::string, std::string> parts{text.substr(0, equals), text.substr(equals + 1)};
  for (const auto& part : {parts.first, parts.second}) {
    auto split = ltp::udp::split_host_port(part);
    if (!split) return ltp::failure("--" + option + ": " + split.error().message);
  }
  return parts;
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

}  // namespace

int main(int argc, char** argv) {
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
  options.add_options("Impairments (repeatable; [ab:|ba:] aims at one direction)")
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

  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    return usage_error(e.what());
  }
  if (args.count("help")) {
    std::cout << options.help() << '\n';
    return kExitOk;
  }
  if (!args.unmatched().empty())
    return usage_error("unexpected argument '" + args.unmatched()[0] + "'");
  if (!args.count("ab") && !args.count("ba"))
    return usage_error(
        "give at least one direction: --ab LISTEN=FORWARD and/or --ba LISTEN=FORWARD");

  ltpnetem::DirectionConfigs configs;
  for (const auto& kv : args.arguments()) {  // in command-line order, repeats kept
    const auto& known = ltpnetem::kImpairmentOptions;
    if (std::find(known.begin(), known.end(), kv.key()) == known.end()) continue;
    auto applied = ltpnetem::apply_impairment(configs, kv.key(), kv.value());
    if (!applied) return usage_error(applied.error());
  }
  std::optional<Nanos> duration;
  if (args.count("duration")) {
    auto d = ltpnetem::parse_duration(args["duration"].as<std::string>());
    if (!d) return usage_error("--duration: " + d.error());
    duration = d.value();
  }
  const std::uint64_t seed =
      args.count("seed") ? args["seed"].as<std::uint64_t>()
                         : (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();

  // Resolve and bind both directions before reporting ready.
  std::vector<ltpnetem::RelayDirection> directions;
  std::vector<ltpnetem::DirectionConfig> direction_configs;
  for (const auto& [index, name] : {std::pair{0, "ab"}, std::pair{1, "ba"}}) {
    if (!args.count(name)) continue;
    auto parts = split_link(name, args[name].as<std::string>());
    if (!parts) return usage_error(parts.error());
    auto listen = ltp::udp::resolve_endpoint(parts.value().first, ltp::udp::AtSign::any_address);
    auto forward = ltp::udp::resolve_endpoint(parts.value().second, ltp::udp::AtSign::local_host);
    if (!listen) return runtime_error(listen.error().message);
    if (!forward) return runtime_error(forward.error().message);
    auto opened = ltpnetem::open_direction(name, listen.value(), forward.value());
    if (!opened) {
      return runtime_error(opened.error().message +
                           " (pick another port, 0 for any free one, or stop what holds it)");
    }
    directions.push_back(std::move(opened).value());
    direction_configs.push_back(configs[static_cast<std::size_t>(index)]);
  }

  // Signals are taken synchronously (signalfd) by this thread only.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const int signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC);
  auto threads_done = ltp::udp::Waker::create();
  if (signal_fd < 0 || !threads_done) return runtime_error("cannot set up signal handling");

  ltpnetem::RunControl control(args.count("count") ? args["count"].as<std::uint64_t>() : 0);
  std::vector<ltp::udp::Waker> wakers;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    auto waker = ltp::udp::Waker::create();
    if (!waker) return runtime_error(waker.error().message);
    wakers.push_back(std::move(waker).value());
  }
  for (const auto& waker : wakers) control.add_waker(&waker);

  const bool verbose = args.count("verbose") > 0;
  const Stopwatch stopwatch;
  const Nanos start = ltp::udp::monotonic_now();
  std::vector<ltpnetem::DirectionCore> cores;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    ltpnetem::DirectionCore::Log log;
    if (verbose) {
      log = [name = directions[i].name, &stopwatch](const std::string& line) {
        std::fprintf(stderr, "%s %.6f %s\n", name.c_str(), stopwatch.seconds(), line.c_str());
      };
    }
    cores.emplace_back(direction_configs[i], seed, directions[i].name == "ab" ? 0 : 1, start, log);
  }

  if (args.count("ready-file") &&
      !write_ready_file(args["ready-file"].as<std::string>(), directions)) {
    return runtime_error("cannot write the ready file '" + args["ready-file"].as<std::string>() +
                         "'; check that its directory exists and is writable");
  }

  std::vector<std::optional<ltp::udp::Error>> failures(directions.size());
  std::vector<std::thread> threads;
  std::atomic<std::size_t> threads_finished{0};
  for (std::size_t i = 0; i < directions.size(); ++i) {
    threads.emplace_back([&, i] {
      auto result = ltpnetem::run_direction(directions[i], cores[i], control, wakers[i]);
      if (!result) {
        failures[i] = result.error();
        control.abandon();
      }
      ++threads_finished;
      threads_done.value().wake();
    });
  }

  std::string stopped_by = "count";
  while (threads_finished.load() < threads.size()) {
    std::array<pollfd, 2> fds{pollfd{signal_fd, POLLIN, 0},
                              pollfd{threads_done.value().fd(), POLLIN, 0}};
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
    threads_done.value().drain();
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  ::close(signal_fd);

  const double seconds = stopwatch.seconds();
  nlohmann::json json_directions = nlohmann::json::array();
  std::string text =
      fmt::format("ltpnetem: {:.3f} s, stopped by {}, seed {}\n", seconds, stopped_by, seed);
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
  if (args.count("json")) {
    std::cout << nlohmann::json{{"seconds", seconds},
                                {"stopped_by", stopped_by},
                                {"seed", seed},
                                {"directions", std::move(json_directions)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << text << std::flush;
  }
  for (const auto& failure : failures) {
    if (failure) return runtime_error(failure->message);
  }
  return kExitOk;
}
