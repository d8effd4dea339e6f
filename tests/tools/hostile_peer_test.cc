// Attacks on two live nodes from a third party on the network, as issue 17
// measured them: forged reports claiming a whole block, forged data over
// it, a forged cancel, and a flood of one-segment sessions, sent straight
// to the nodes' udplsi ports while a real 10 MB block crosses.
//
// With keys and rules loaded by ionsecadmin/ltpsecadmin (as a user would,
// on running nodes), nothing forged has any effect: the block arrives
// byte-identical, the sender learns the true outcome, and every forgery
// is counted as refused in ltpstat. Without keys, the flood of sessions
// still cannot stop real blocks (import slots yield), and udplsi
// --peers-only refuses whatever comes from a host that is not the span's.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "libltp/codec/encode.h"
#include "tests/tools/relayed_nodes.h"

namespace ltp::tools_test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kClient = 1;
constexpr std::size_t kBlockBytes = 10 << 20;
constexpr auto kLimit = std::chrono::milliseconds(120s);

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Sends forged segments from a UDP socket of its own, from 127.0.0.1 or
// the loopback host given.
class Forger {
 public:
  explicit Forger(const char* host = nullptr) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    if (host == nullptr) return;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, host, &from.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from), 0) << host;
  }
  ~Forger() { ::close(fd_); }
  void send(int port, const codec::Segment& segment) {
    std::vector<std::uint8_t> bytes(codec::encoded_size(segment));
    ASSERT_TRUE(codec::encode(segment, bytes));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(
        ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(bytes.size()));
    ++sent_;
  }
  int sent() const { return sent_; }

 private:
  int fd_;
  int sent_ = 0;
};

// ltpstat --json's object for the span to `peer` (counters, auth, ...).
nlohmann::json span_of(const nlohmann::json& stat, int peer) {
  if (stat.is_object() && stat.contains("spans")) {
    for (const auto& span : stat["spans"]) {
      if (span["engine"] == peer) return span;
    }
  }
  return nlohmann::json::object();
}

std::uint64_t auth_count(const nlohmann::json& span, const char* field) {
  const auto receive =
      span.value("auth", nlohmann::json::object()).value("receive", nlohmann::json::object());
  return receive.value(field, std::uint64_t{0});
}

class HostilePeer : public RelayedNodes {
 protected:
  void SetUp() override { start_relayed(0, span_settings()); }
  virtual runtime_test::SpanSettings span_settings() const {
    runtime_test::SpanSettings settings;
    settings.lso_bits_per_second = 200'000'000;  // as tools_transfer_test: no receive-buffer loss
    return settings;
  }

  // Loads a shared key and both rules on each node with the tools.
  void authenticate(const std::string& suite) {
    const auto key = scratch() / "shared.key";
    std::ofstream(key, std::ios::binary) << "a secret both stations hold\n";
    ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
    for (int engine : {1, 2}) {
      const int peer = 3 - engine;
      const auto ionsecrc = scratch() / fmt::format("node{}.ionsecrc", engine);
      const auto ltpsecrc = scratch() / fmt::format("node{}.ltpsecrc", engine);
      std::ofstream(ionsecrc) << fmt::format("1\na key shared {}\n", key.string());
      std::ofstream(ltpsecrc) << fmt::format(
          "a ltprecvauthrule {0} {1} shared\na ltpxmitauthrule {0} {1} shared\n", peer, suite);
      for (const auto& [tool, file] :
           {std::pair{"ionsecadmin", ionsecrc}, std::pair{"ltpsecadmin", ltpsecrc}}) {
        auto run = launch(tool, engine, {file.string()});
        ASSERT_EQ(run->wait(30s), 0) << run->command() << "\n" << run->err();
      }
    }
  }

  // The session ltpsend printed ("session 1:N"), waiting for the line.
  std::uint64_t session_of(ToolProcess& ltpsend) {
    for (int i = 0; i < 3000; ++i) {
      const std::string out = ltpsend.out();
      if (const auto at = out.find("session 1:");
          at != std::string::npos && out.find('\n', at) != std::string::npos) {
        return std::stoull(out.substr(at + 10));
      }
      if (ltpsend.wait(10ms)) break;
    }
    ADD_FAILURE() << "ltpsend printed no session: " << ltpsend.err();
    return 0;
  }

  // Everything issue 17 forged, aimed at session `number` (1 -> 2).
  void forge_all(Forger& forger, std::uint64_t number) {
    std::mt19937_64 rng(number);
    const std::vector<codec::Claim> whole = {{0, kBlockBytes}};
    for (std::uint64_t serial = 1; serial <= 3; ++serial) {
      codec::Segment report;
      report.header.type = codec::SegmentType::report;
      report.header.session = {1, number};
      report.body =
          codec::ReportSegment{1000 + serial, 0, kBlockBytes, 0, codec::ClaimsView(whole)};
      forger.send(port_[1], report);
    }
    codec::Segment cancel;
    cancel.header.type = codec::SegmentType::cancel_from_receiver;
    cancel.header.session = {1, number};
    cancel.body = codec::Cancel{codec::CancelReason::user_cancelled};
    forger.send(port_[1], cancel);
    const std::vector<std::uint8_t> junk(1300, 0xee);
    for (int i = 0; i < 38; ++i) {
      codec::Segment data;
      data.header.type = codec::SegmentType::red_data;
      data.header.session = {1, number};
      data.body =
          codec::DataSegment{kClient, (rng() % (kBlockBytes / 1300)) * 1300, std::nullopt, junk};
      forger.send(port_[2], data);
    }
    flood(forger, 150);
  }

  // One-octet red segments of `sessions` new sessions of engine 1.
  void flood(Forger& forger, int sessions) {
    static const std::uint8_t octet = 0x5a;
    std::mt19937_64 rng(sessions);
    for (int i = 0; i < sessions; ++i) {
      codec::Segment opener;
      opener.header.type = codec::SegmentType::red_data;
      opener.header.session = {1, 1 + rng() % UINT32_MAX};
      opener.body = codec::DataSegment{kClient, 0, std::nullopt, {&octet, 1}};
      forger.send(port_[2], opener);
    }
  }

  // ltprecv on node 2, ltpsend of a 10 MB file from node 1, `attack`
  // with the session number as soon as ltpsend prints it; the file must
  // arrive whole and the sender be told it was delivered.
  void transfer_under(const std::function<void(std::uint64_t)>& attack) {
    const auto sent = scratch() / "sent";
    const auto received = scratch() / "received";
    std::string content(kBlockBytes, '\0');
    std::mt19937_64 rng(42);
    for (auto& ch : content) ch = static_cast<char>(rng());
    std::ofstream(sent, std::ios::binary) << content;
    auto ltprecv = launch("ltprecv", 2, {"--count", "1", "-o", received.string(), "1"});
    ASSERT_TRUE(await_client(2, kClient, *ltprecv)) << ltprecv->err();
    const auto start = std::chrono::steady_clock::now();
    auto ltpsend = launch("ltpsend", 1, {"2", "1", sent.string()});
    const std::uint64_t number = session_of(*ltpsend);
    ASSERT_NE(number, 0u);
    attack(number);
    ASSERT_EQ(ltpsend->wait(kLimit), 0) << ltpsend->out() << ltpsend->err();
    ASSERT_EQ(ltprecv->wait(30s), 0) << ltprecv->err();
    fmt::print("[   TIME   ] 10 MB under attack in {:.2f} s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    EXPECT_TRUE(slurp(received) == content) << "the received file differs";
  }
};

TEST_F(HostilePeer, WithAuthenticationForgeriesChangeNothing) {
  authenticate("0");
  Forger forger;
  transfer_under([&](std::uint64_t number) { forge_all(forger, number); });
  const auto one = span_of(stat(1), 2);
  const auto two = span_of(stat(2), 1);
  EXPECT_EQ(one["counters"].value("export_sessions_completed", 0), 1);
  EXPECT_EQ(one["counters"].value("export_sessions_cancelled", 0), 0);
  // Every forgery was refused; nothing of the real traffic was.
  EXPECT_EQ(auth_count(one, "refused") + auth_count(two, "refused"),
            static_cast<std::uint64_t>(forger.sent()));
  EXPECT_GT(auth_count(two, "passed"), kBlockBytes / 1400);
}

TEST_F(HostilePeer, HmacSha256AuthenticatesToo) {
  authenticate("192");
  Forger forger;
  transfer_under([&](std::uint64_t number) { forge_all(forger, number); });
  EXPECT_EQ(auth_count(span_of(stat(2), 1), "refused"),
            static_cast<std::uint64_t>(forger.sent() - 4));
}

// Cookie rules, no keys: the forger knows the session number (ltpsend
// prints it) but has never seen a segment, so it lacks the session's
// cookie; the forgeries are refused and counted, ltpstat shows it.
TEST_F(HostilePeer, WithCookiesForgeriesChangeNothing) {
  for (int engine : {1, 2}) {
    const auto rc = scratch() / fmt::format("cookies{}.ltpsecrc", engine);
    std::ofstream(rc) << fmt::format("a ltpcookierule {}\n", 3 - engine);
    auto run = launch("ltpsecadmin", engine, {rc.string()});
    ASSERT_EQ(run->wait(30s), 0) << run->command() << "\n" << run->err();
  }
  Forger forger;
  transfer_under([&](std::uint64_t number) { forge_all(forger, number); });
  const auto one = span_of(stat(1), 2);
  const auto two = span_of(stat(2), 1);
  EXPECT_EQ(one["counters"].value("export_sessions_completed", 0), 1);
  EXPECT_EQ(one["counters"].value("export_sessions_cancelled", 0), 0);
  EXPECT_EQ(two["counters"].value("import_sessions_cancelled", 0), 0);
  const auto refused = [](const nlohmann::json& span) {
    return span.value("cookies", nlohmann::json::object()).value("refused", std::uint64_t{0});
  };
  EXPECT_EQ(refused(one) + refused(two), static_cast<std::uint64_t>(forger.sent()));
  EXPECT_GT(two["cookies"].value("passed", std::uint64_t{0}), kBlockBytes / 1400);
}

// No keys: forged reports could still fake a delivery (that is what keys
// are for), but a flood of one-segment sessions no longer stops the span.
TEST_F(HostilePeer, WithoutKeysAFloodOfSessionsDoesNotStopRealBlocks) {
  Forger forger;
  transfer_under([&](std::uint64_t) { flood(forger, 150); });
  const auto one = span_counters(stat(1), 2);
  EXPECT_EQ(one.value("export_sessions_completed", 0), 1);
  EXPECT_EQ(one.value("export_sessions_cancelled", 0), 0);
}

// udplsi --peers-only and no keys: each node takes a span's segments only
// from the host its LSO sends to (127.0.0.1, where the relay forwards
// from), so a forger on another host (127.0.0.2) changes nothing, and
// ltpstat counts what it sent in the span it claimed to be.
class HostilePeerPinned : public HostilePeer {
 protected:
  runtime_test::SpanSettings span_settings() const override {
    auto settings = HostilePeer::span_settings();
    settings.lsi_options = "--peers-only";
    return settings;
  }
};

TEST_F(HostilePeerPinned, ForgeriesFromAnotherHostChangeNothing) {
  Forger forger("127.0.0.2");
  transfer_under([&](std::uint64_t number) { forge_all(forger, number); });
  const auto one = span_of(stat(1), 2);
  const auto two = span_of(stat(2), 1);
  EXPECT_EQ(one["counters"].value("export_sessions_completed", 0), 1);
  EXPECT_EQ(one["counters"].value("export_sessions_cancelled", 0), 0);
  EXPECT_EQ(two["counters"].value("import_sessions_cancelled", 0), 0);
  // The 3 reports and the cancel claimed node 2 (at node 1); the data and
  // the flood claimed node 1 (at node 2).
  EXPECT_EQ(one["link"].value("from_other_addresses", 0), 4);
  EXPECT_EQ(two["link"].value("from_other_addresses", 0), forger.sent() - 4);
}

}  // namespace
}  // namespace ltp::tools_test
