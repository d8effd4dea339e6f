// ltpnetem end to end: the built program relays crafted LTP segments
// between two loopback "nodes" (plain sockets), and its exit summary and
// what arrives agree with the impairments asked for. Synchronises on the
// ready file (a pipe) and on the program's exit (--count), never on time.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "libltp/udp/batch_socket.h"
#include "tools/ltpnetem/test_segments.h"

extern char** environ;

namespace ltpnetem {
namespace {

using ltp::codec::SegmentType;
using ltp::udp::BatchSocket;
using ltp::udp::Endpoint;

Endpoint parse(const std::string& text) {
  return ltp::udp::resolve_endpoint(text, ltp::udp::AtSign::any_address).value();
}

// One run of the program, its stdout going to a file.
class Relay {
 public:
  explicit Relay(std::vector<std::string> args) {
    int ready[2];
    EXPECT_EQ(::pipe(ready), 0);  // read end close-on-exec below
    ::fcntl(ready[0], F_SETFD, FD_CLOEXEC);
    args.insert(args.begin(), LTPNETEM_PATH);
    args.push_back("--ready-file");
    args.push_back(fmt::format("/dev/fd/{}", ready[1]));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::snprintf(output_path_, sizeof output_path_, "/tmp/ltpnetem_test_XXXXXX");
    const int out = ::mkstemp(output_path_);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    EXPECT_EQ(::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out);
    ::close(ready[1]);
    // Blocks until the relay listens: one line per direction (or until it
    // exits, closing its end of the pipe).
    const auto directions =
        std::count(args.begin(), args.end(), "--ab") + std::count(args.begin(), args.end(), "--ba");
    std::string text;
    char buffer[256];
    while (std::count(text.begin(), text.end(), '\n') < directions) {
      const ssize_t n = ::read(ready[0], buffer, sizeof buffer);
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(ready[0]);
    std::istringstream lines(text);
    for (std::string name, address; lines >> name >> address;) listening_[name] = parse(address);
  }
  ~Relay() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::unlink(output_path_);
  }

  const Endpoint& listening(const std::string& direction) { return listening_.at(direction); }
  void signal(int number) { ::kill(pid_, number); }

  // Waits for the program to end; its exit code.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string output() const {
    std::ifstream in(output_path_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  nlohmann::json summary() const { return nlohmann::json::parse(output()); }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  char output_path_[64];
  std::map<std::string, Endpoint> listening_;
};

// A loopback stand-in for an LTP node's LSI (receives) and LSO (sends).
struct Node {
  BatchSocket socket = BatchSocket::bind(parse("127.0.0.1:0")).value();
  std::string address() const { return ltp::udp::to_string(socket.local_endpoint().value()); }

  void send(const std::vector<std::vector<std::uint8_t>>& datagrams, const Endpoint& to) {
    std::vector<iovec> pieces;
    for (const auto& d : datagrams)
      pieces.push_back({const_cast<std::uint8_t*>(d.data()), d.size()});
    std::vector<ltp::udp::OutgoingDatagram> out;
    for (const auto& p : pieces) out.push_back({{&p, 1}, &to});
    ASSERT_EQ(socket.send_batch(out).value().sent, datagrams.size());
  }
  // Everything already queued (the relay has exited, so nothing more comes).
  std::vector<std::vector<std::uint8_t>> received() {
    std::vector<std::vector<std::uint8_t>> all;
    ltp::udp::ReceiveRing ring(64);
    while (std::size_t n = socket.recv_batch(ring, ltp::udp::Nanos(0)).value()) {
      for (std::size_t i = 0; i < n; ++i)
        all.emplace_back(ring.datagram(i).begin(), ring.datagram(i).end());
    }
    return all;
  }
};

std::vector<std::uint8_t> numbered(int i) {  // not LTP: version nibble 0xF
  return {0xF0, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8)};
}

const nlohmann::json& direction(const nlohmann::json& summary, const std::string& name) {
  for (const auto& d : summary["directions"]) {
    if (d["direction"] == name) return d;
  }
  throw std::runtime_error("no direction " + name);
}

TEST(Ltpnetem, HelpAndUsageErrors) {
  const auto run = [](const std::string& args) {
    const int status =
        std::system((std::string(LTPNETEM_PATH) + " " + args + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run("--help"), 0);
  EXPECT_EQ(run(""), 2);
  EXPECT_EQ(run("--ab 127.0.0.1:0"), 2);
  EXPECT_EQ(run("--ab 127.0.0.1:0=127.0.0.1:9 --loss 5"), 2);
  EXPECT_EQ(run("--ab 127.0.0.1:0=127.0.0.1:9 --drop checkpoint"), 2);
  EXPECT_EQ(run("--ab 127.0.0.1:0=127.0.0.1:9 --duration 5"), 2);
  EXPECT_EQ(run("--ab 127.0.0.1:0=127.0.0.1:9 extra"), 2);
  EXPECT_EQ(run("--ab 127.0.0.1:0=no-such-host.invalid:9"), 1);
}

TEST(Ltpnetem, BindConflictIsARuntimeError) {
  Node busy;
  Relay relay({"--ab", busy.address() + "=127.0.0.1:9"});
  EXPECT_EQ(relay.wait(), 1);
}

TEST(Ltpnetem, RelaysBothWaysAndCountsByType) {
  Node one, two;
  Relay relay({"--ab", "127.0.0.1:0=" + two.address(), "--ba", "127.0.0.1:0=" + one.address(),
               "--count", "9", "--json", "--drop", "ab:cp#1..2"});
  const std::vector<std::vector<std::uint8_t>> from_one{
      testing::encoded_segment(SegmentType::red_data, 1),
      testing::encoded_segment(SegmentType::red_checkpoint, 2),
      testing::encoded_segment(SegmentType::red_checkpoint, 3),
      testing::encoded_segment(SegmentType::red_checkpoint_eorp_eob, 4),
      {0x55, 0x01, 0x02}};
  const std::vector<std::vector<std::uint8_t>> from_two{
      testing::encoded_segment(SegmentType::report, 5),
      testing::encoded_segment(SegmentType::report_ack, 6),
      testing::encoded_segment(SegmentType::cancel_ack_to_sender, 7),
      {0, 0, 0, 0}};
  one.send(from_one, relay.listening("ab"));
  two.send(from_two, relay.listening("ba"));
  ASSERT_EQ(relay.wait(), 0) << relay.output();

  EXPECT_EQ(two.received(), (std::vector{from_one[0], from_one[3], from_one[4]}));
  EXPECT_EQ(one.received(), from_two);
  const auto summary = relay.summary();
  EXPECT_EQ(summary["stopped_by"], "count");
  const auto& ab = direction(summary, "ab");
  EXPECT_EQ(ab["total"]["received"], 5);
  EXPECT_EQ(ab["total"]["forwarded"], 3);
  EXPECT_EQ(ab["total"]["dropped"]["rule"], 2);
  EXPECT_EQ(ab["by_type"]["CP"]["received"], 2);
  EXPECT_EQ(ab["by_type"]["CP"]["dropped"]["rule"], 2);
  EXPECT_EQ(ab["by_type"]["CP+EORP+EOB"]["forwarded"], 1);
  EXPECT_EQ(ab["by_type"]["malformed"]["forwarded"], 1);
  EXPECT_EQ(ab["drop_rules"][0]["rule"], "cp#1..2");
  EXPECT_EQ(ab["drop_rules"][0]["dropped"], 2);
  const auto& ba = direction(summary, "ba");
  EXPECT_EQ(ba["total"]["forwarded"], 4);
  EXPECT_EQ(ba["by_type"]["keep-alive"]["received"], 1);
  EXPECT_EQ(ba["by_type"]["RS"]["forwarded"], 1);
  EXPECT_TRUE(ba["drop_rules"].empty());
}

TEST(Ltpnetem, ListensOnIpv6AndForwardsToIpv4) {
  auto v6 = BatchSocket::bind(parse("[::1]:0"));
  if (!v6) GTEST_SKIP() << "no IPv6 loopback";
  Node two;
  Relay relay({"--ab", "[::1]:0=" + two.address(), "--count", "1"});
  const auto d = numbered(1);
  iovec piece{const_cast<std::uint8_t*>(d.data()), d.size()};
  const ltp::udp::OutgoingDatagram out{{&piece, 1}, &relay.listening("ab")};
  ASSERT_EQ(v6.value().send_batch({&out, 1}).value().sent, 1u);
  ASSERT_EQ(relay.wait(), 0);
  EXPECT_EQ(two.received(), std::vector<std::vector<std::uint8_t>>{d});
  EXPECT_NE(relay.output().find("stopped by count"), std::string::npos);
}

std::vector<std::vector<std::uint8_t>> numbered_run(int count) {
  std::vector<std::vector<std::uint8_t>> all;
  for (int i = 0; i < count; ++i) all.push_back(numbered(i));
  return all;
}

// What node two receives when node one sends 200 numbered datagrams.
std::vector<std::vector<std::uint8_t>> lossy_run(const std::string& seed, nlohmann::json& summary) {
  Node one, two;
  Relay relay({"--ab", "127.0.0.1:0=" + two.address(), "--loss", "30%", "--seed", seed, "--count",
               "200", "--json"});
  one.send(numbered_run(200), relay.listening("ab"));
  EXPECT_EQ(relay.wait(), 0);
  summary = relay.summary();
  return two.received();
}

TEST(Ltpnetem, SeededLossRepeats) {
  nlohmann::json first, second, other;
  const auto a = lossy_run("7", first), b = lossy_run("7", second), c = lossy_run("8", other);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(first["seed"], 7);
  const auto& ab = direction(first, "ab");
  EXPECT_EQ(ab["total"]["dropped"]["loss"], 200 - a.size());
  EXPECT_NEAR(static_cast<double>(a.size()), 140.0, 45.0);  // sd ~6.5
}

TEST(Ltpnetem, BlackoutDropsEverythingInTheWindow) {
  Node one, two;
  Relay relay(
      {"--ab", "127.0.0.1:0=" + two.address(), "--blackout", "0s+60m", "--count", "5", "--json"});
  one.send(numbered_run(5), relay.listening("ab"));
  ASSERT_EQ(relay.wait(), 0);
  EXPECT_TRUE(two.received().empty());
  EXPECT_EQ(direction(relay.summary(), "ab")["total"]["dropped"]["blackout"], 5);
}

TEST(Ltpnetem, DuplicatesReordersAndDelays) {
  Node one, two;
  Relay relay({"--ab", "127.0.0.1:0=" + two.address(), "--reorder", "100%", "--duplicate", "100%",
               "--delay", "5ms", "--count", "4", "--json"});
  one.send(numbered_run(4), relay.listening("ab"));
  ASSERT_EQ(relay.wait(), 0);
  const auto n = numbered;
  EXPECT_EQ(two.received(), (std::vector{n(1), n(1), n(0), n(0), n(3), n(3), n(2), n(2)}));
  const auto summary = relay.summary();
  const auto& total = direction(summary, "ab")["total"];
  EXPECT_EQ(total["duplicated"], 4);
  EXPECT_EQ(total["reordered"], 2);
  EXPECT_EQ(total["delayed"], 8);
  EXPECT_EQ(total["forwarded"], 8);
}

TEST(Ltpnetem, RateCapDeliversEverythingInOrder) {
  Node one, two;
  Relay relay({"--ab", "127.0.0.1:0=" + two.address(), "--rate", "8M", "--burst", "2000", "--count",
               "50", "--json"});
  std::vector<std::vector<std::uint8_t>> big;
  for (int i = 0; i < 50; ++i) {
    big.push_back(numbered(i));
    big.back().resize(1000);
  }
  one.send(big, relay.listening("ab"));
  ASSERT_EQ(relay.wait(), 0);
  EXPECT_EQ(two.received(), big);
  EXPECT_EQ(direction(relay.summary(), "ab")["total"]["forwarded"], 50);
}

TEST(Ltpnetem, StopsOnSigtermWithASummary) {
  Node one, two;
  Relay relay({"--ab", "127.0.0.1:0=" + two.address(), "--json"});
  one.send(numbered_run(3), relay.listening("ab"));
  std::size_t got = 0;
  ltp::udp::ReceiveRing ring(8);
  while (got < 3) got += two.socket.recv_batch(ring).value();  // the relay has forwarded them
  relay.signal(SIGTERM);
  ASSERT_EQ(relay.wait(), 0);
  const auto summary = relay.summary();
  EXPECT_EQ(summary["stopped_by"], "signal");
  EXPECT_EQ(direction(summary, "ab")["total"]["forwarded"], 3);
}

}  // namespace
}  // namespace ltpnetem
