// OpenLTP against a live ION 4.1.3 node on loopback (ctest label `ion`):
// red blocks of 1 KB and 1 MB each way — OpenLTP's ltpsend to ION's
// ltpcounter, ION's ltpdriver to OpenLTP's ltprecv — counted at the
// receiver (and compared byte for byte where the receiver keeps them),
// with no OpenLTP session left open afterwards; and an ION node built with
// RFC 5327 authentication (build-ion --ltpauth) and a transmit rule,
// sending to OpenLTP, which has no rule.
//
// ION comes from build-ion (tests/ion/ion_build.h); without it each test
// is skipped with build-ion's message. The waits are for events: a
// process's exit, ION's log lines, a client holding its service id, the
// tap's datagrams. Each transfer prints how long it took.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"
#include "libltp/codec/sdnv.h"
#include "libltp/node/testing/test_node.h"
#include "tests/ion/ion_build.h"
#include "tests/ion/ion_node.h"
#include "tests/ion/openltp_peer.h"
#include "tests/ion/udp_tap.h"
#include "tests/runtime/two_nodes.h"
#include "tests/tools/relayed_nodes.h"

namespace ltp::ion_test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kOpenLtpEngine = 1;
constexpr std::uint64_t kIonEngine = 2;
constexpr unsigned kClient = 1;
// A 1 MB block takes well under a second each way; this is for a loaded
// 2-core machine with ION's retransmission timers in whole seconds.
constexpr auto kTransferLimit = std::chrono::milliseconds(120s);
// ION's key for HMAC-SHA1-80: 20 octets, as RFC 5327 suggests.
constexpr char kKey[] = "openltp-ion-hmac-key";

std::string slurp(const std::filesystem::path& path, std::size_t limit = std::string::npos) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (limit == std::string::npos) {
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
  }
  text.resize(limit);
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// "Label: 123" in a tool's output -> 123 (-1 if absent).
long long value_after(const std::string& output, const std::string& label) {
  const auto at = output.find(label + ": ");
  return at == std::string::npos ? -1 : std::stoll(output.substr(at + label.size() + 2));
}

std::uint64_t counter(const nlohmann::json& counters, const char* name) {
  return counters.is_object() ? counters.value(name, std::uint64_t{0}) : 0;
}

double seconds_since(std::chrono::steady_clock::time_point began) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

std::string size_name(std::size_t size) {
  return size >= (1u << 20) ? fmt::format("{}MB", size >> 20) : fmt::format("{}KB", size >> 10);
}

class IonInterop : public ::testing::Test {
 protected:
  // Starts ION (from the plain or the --ltpauth build) as engine 2 and
  // OpenLTP as engine 1, each sending to the other's udplsi — ION through
  // a UdpTap when `tap`. Skips when there is no ION.
  // With `impairments` (ltpnetem's options), both directions go through
  // an ltpnetem relay instead.
  void start(bool ltpauth = false, std::optional<IonAuth> auth = {}, bool tap = false,
             const std::vector<std::string>& impairments = {}) {
    const auto build = ion_build(ltpauth);
    if (build.prefix.empty()) {
      GTEST_SKIP() << "no ION 4.1.3" << (ltpauth ? " (--ltpauth)" : "") << ": " << build.message;
    }
    const int openltp_port = node::testing::free_udp_port();
    int ion_port = node::testing::free_udp_port();
    while (ion_port == openltp_port) ion_port = node::testing::free_udp_port();
    // The ports above are free, not held: the tap's must differ.
    while (tap && (!tap_ || tap_->port() == openltp_port || tap_->port() == ion_port)) {
      tap_ = std::make_unique<UdpTap>(openltp_port);
    }

    // ab: OpenLTP -> ION; ba: ION -> OpenLTP.
    if (!impairments.empty()) {
      auto relay =
          tools_test::start_netem_relay(ion_port, openltp_port, impairments, openltp_.scratch());
      relay_ = std::move(relay.process);
      ASSERT_EQ(relay.error, "");
      relay_ports_ = {relay.ab_port, relay.ba_port};
    }

    IonNodeConfig ion;
    ion.engine = kIonEngine;
    ion.lsi_port = ion_port;
    ion.peer_engine = kOpenLtpEngine;
    ion.peer_port = tap ? tap_->port() : relay_ ? relay_ports_.second : openltp_port;
    ion.auth = std::move(auth);
    ion_ = std::make_unique<IonNode>(build.prefix);
    ASSERT_EQ(ion_->start(ion), "");
    for (const auto& words : openltp_.cleanup_commands()) ion_->if_test_dies(words);

    OpenLtpConfig openltp = openltp_config_;
    openltp.engine = kOpenLtpEngine;
    openltp.lsi_port = openltp_port;
    openltp.peer_engine = kIonEngine;
    openltp.peer_port = relay_ ? relay_ports_.first : ion_port;
    ASSERT_EQ(openltp_.start(openltp), "");
  }

  void TearDown() override {
    if (HasFailure() && ion_) std::fprintf(stderr, "ION's log:\n%s\n", ion_->log().c_str());
    if (HasFailure()) std::fprintf(stderr, "OpenLTP's log:\n%s\n", openltp_.log().c_str());
    EXPECT_EQ(openltp_.stop(), "");
    if (ion_) {
      EXPECT_EQ(ion_->stop(), "");
    }
    tap_.reset();
    if (relay_) relay_->stop();
  }

  // ltprecv for kClient, writing each block to a file of its own.
  std::unique_ptr<tools_test::ToolProcess> receive_one_block(const std::filesystem::path& into) {
    std::filesystem::create_directories(into);
    auto ltprecv = openltp_.launch("ltprecv", {"1", "-o", into.string(), "--count", "1"});
    EXPECT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
    return ltprecv;
  }

  // The one block in `dir` equals the first `size` octets ltpdriver sent.
  void expect_driver_block(const std::filesystem::path& dir, std::size_t size) {
    std::vector<std::filesystem::path> blocks;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) blocks.push_back(entry);
    ASSERT_EQ(blocks.size(), 1u);
    const std::string block = slurp(blocks[0]);
    EXPECT_EQ(block.size(), size);
    const std::string sent = slurp(ion_->driver_sdu_file(), size);
    EXPECT_TRUE(block == sent)
        << "the block differs from ltpdriver's file from octet "
        << std::mismatch(block.begin(), block.end(), sent.begin(), sent.end()).first -
               block.begin();
  }

  std::unique_ptr<IonNode> ion_;
  OpenLtpPeer openltp_;
  std::unique_ptr<UdpTap> tap_;
  std::unique_ptr<tools_test::ToolProcess> relay_;
  std::pair<int, int> relay_ports_;  // where OpenLTP sends, where ION sends
  OpenLtpConfig openltp_config_;     // start() fills in engines and ports
};

// start() in a test body; returns from it if start() skipped or failed.
#define START_OR_RETURN(...)                      \
  do {                                            \
    start(__VA_ARGS__);                           \
    if (IsSkipped() || HasFatalFailure()) return; \
  } while (0)

class RedBlock : public IonInterop, public ::testing::WithParamInterface<std::size_t> {};

// OpenLTP's ltpsend returns once ION has acknowledged the whole block;
// ION's ltpcounter exits once it has counted that many octets.
TEST_P(RedBlock, FromOpenLtpSendToIonCounter) {
  const std::size_t size = GetParam();
  START_OR_RETURN();
  const auto file = openltp_.scratch() / "block";
  const auto bytes = runtime_test::pattern(size, 1);
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(size));
  auto ltpcounter = ion_->start_counter(kClient, size);
  ASSERT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();

  const auto began = std::chrono::steady_clock::now();
  auto ltpsend = openltp_.launch("ltpsend", {std::to_string(kIonEngine), "1", file.string()});
  ASSERT_EQ(ltpsend->wait(kTransferLimit), 0) << ltpsend->err();
  const double acknowledged = seconds_since(began);
  ASSERT_EQ(ltpcounter->wait(kTransferLimit), 0) << ltpcounter->out();
  // ION delivers to ltpcounter after it acknowledged the block, so the
  // count comes a little after ltpsend's return.
  fmt::print(
      "[   TIME   ] {} from OpenLTP's ltpsend to ION's ltpcounter: acknowledged in {:.3f} s, "
      "counted when ltpcounter exited after {:.3f} s\n",
      size_name(size), acknowledged, seconds_since(began));

  const auto counted = parse_counter_output(ltpcounter->out());
  EXPECT_EQ(counted.blocks, 1) << ltpcounter->out();
  EXPECT_EQ(counted.bytes, static_cast<long long>(size));
  EXPECT_EQ(counted.cancelled, 0);
  EXPECT_TRUE(counted.stopped);
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
  const auto stat = openltp_.stat();
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "export_sessions_completed"), 1u);
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "export_sessions_cancelled"), 0u);
}

// ION's ltpdriver returns once ION holds the block; OpenLTP's ltprecv
// exits with it, written to a file, which must be what ltpdriver sent.
TEST_P(RedBlock, FromIonDriverToOpenLtpRecv) {
  const std::size_t size = GetParam();
  START_OR_RETURN();
  const auto received = openltp_.scratch() / "received";
  auto ltprecv = receive_one_block(received);
  ASSERT_FALSE(HasFailure());

  const auto began = std::chrono::steady_clock::now();
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, 1, size);
  ASSERT_EQ(ltpdriver->wait(60s), 0) << ltpdriver->out() << ltpdriver->err();
  EXPECT_EQ(value_after(ltpdriver->out(), "Bytes"), static_cast<long long>(size))
      << ltpdriver->out();
  ASSERT_EQ(ltprecv->wait(kTransferLimit), 0) << ltprecv->err();
  fmt::print("[   TIME   ] {} from ION's ltpdriver to OpenLTP's ltprecv in {:.3f} s\n",
             size_name(size), seconds_since(began));

  expect_driver_block(received, size);
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
  const auto stat = openltp_.stat();
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "import_sessions_completed"), 1u);
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "import_sessions_cancelled"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Sizes, RedBlock,
                         ::testing::Values(std::size_t{1} << 10, std::size_t{1} << 20),
                         [](const auto& info) { return size_name(info.param); });

// Through ltpnetem losing the given percentage of datagrams each way, and
// duplicating and reordering 1 % of them: eight blocks of 100 KB each
// way, counted at the receiver, and no OpenLTP session left open.
class LossyLink : public IonInterop, public ::testing::WithParamInterface<int> {
 protected:
  static constexpr int kBlocks = 8;
  static constexpr std::size_t kBlockBytes = 100'000;
  std::vector<std::string> impairments() const {
    return {"--loss", fmt::format("{}%", GetParam()), "--duplicate", "1%", "--reorder", "1%"};
  }
};

// ltpcounter runs until OpenLTP has closed every session: ION cancels an
// import session UNREACH when a late segment finds its client gone, even
// for a block it delivered (docs/interop.md), which is ION's, not the
// link's.
TEST_P(LossyLink, FromOpenLtpDriverToIonCounter) {
  START_OR_RETURN(false, {}, false, impairments());
  auto ltpcounter = ion_->start_counter(kClient);
  ASSERT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();
  const auto began = std::chrono::steady_clock::now();
  auto ltpdriver = openltp_.launch(
      "ltpdriver",
      {std::to_string(kIonEngine), "1", std::to_string(kBlocks), "0", std::to_string(kBlockBytes)});
  ASSERT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->err();
  EXPECT_TRUE(openltp_.await_no_sessions(kTransferLimit)) << openltp_.stat().dump(1);
  fmt::print("[   TIME   ] {} x 100 KB at {} % loss, OpenLTP -> ION: {:.3f} s\n", kBlocks,
             GetParam(), seconds_since(began));
  ltpcounter->signal(SIGINT);
  ASSERT_TRUE(ltpcounter->wait(30s)) << ltpcounter->out();
  const auto counted = parse_counter_output(ltpcounter->out());
  EXPECT_EQ(counted.blocks, kBlocks) << ltpcounter->out();
  EXPECT_EQ(counted.bytes, static_cast<long long>(kBlocks * kBlockBytes));
  EXPECT_EQ(counted.cancelled, 0);
  const auto stat = openltp_.stat();
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "export_sessions_completed"),
            static_cast<std::uint64_t>(kBlocks));
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "export_sessions_cancelled"), 0u);
}

TEST_P(LossyLink, FromIonDriverToOpenLtpRecv) {
  START_OR_RETURN(false, {}, false, impairments());
  const auto received = openltp_.scratch() / "received";
  std::filesystem::create_directories(received);
  auto ltprecv = openltp_.launch(
      "ltprecv", {"1", "-o", received.string(), "--count", std::to_string(kBlocks)});
  ASSERT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
  const auto began = std::chrono::steady_clock::now();
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, kBlocks, kBlockBytes);
  ASSERT_EQ(ltpdriver->wait(60s), 0) << ltpdriver->out() << ltpdriver->err();
  ASSERT_EQ(ltprecv->wait(kTransferLimit), 0) << ltprecv->err();
  fmt::print("[   TIME   ] {} x 100 KB at {} % loss, ION -> OpenLTP: {:.3f} s\n", kBlocks,
             GetParam(), seconds_since(began));
  const std::string sent = slurp(ion_->driver_sdu_file(), kBlockBytes);
  int blocks = 0;
  for (const auto& entry : std::filesystem::directory_iterator(received)) {
    ++blocks;
    EXPECT_TRUE(slurp(entry.path()) == sent) << entry.path() << " differs from what ION sent";
  }
  EXPECT_EQ(blocks, kBlocks);
  EXPECT_TRUE(openltp_.await_no_sessions(60s)) << openltp_.stat().dump(1);
  const auto stat = openltp_.stat();
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "import_sessions_completed"),
            static_cast<std::uint64_t>(kBlocks));
  EXPECT_EQ(counter(span_counters(stat, kIonEngine), "import_sessions_cancelled"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Loss, LossyLink, ::testing::Values(5, 20),
                         [](const auto& info) { return fmt::format("Percent{}", info.param); });

// ION gone while OpenLTP sends: its checkpoint goes unanswered, so
// OpenLTP cancels RLEXC at its retransmission limit (maxber 1e-6: 4
// resends, as ION's default; each waits twice as long, from 0.1 s here)
// and says so; its cancel goes unanswered too, and the session ends at
// that limit.
TEST_F(IonInterop, ABlockToAnIonNodeThatStoppedIsCancelledAtTheRetransmissionLimit) {
  openltp_config_.maxber = "0.000001";
  openltp_config_.queuing_seconds = "0.05";
  START_OR_RETURN();
  ASSERT_EQ(ion_->stop(), "");
  const auto file = openltp_.scratch() / "block";
  std::ofstream(file, std::ios::binary) << std::string(20'000, 'd');
  const auto began = std::chrono::steady_clock::now();
  auto ltpsend = openltp_.launch("ltpsend", {std::to_string(kIonEngine), "1", file.string()});
  ASSERT_EQ(ltpsend->wait(kTransferLimit), 1) << ltpsend->out() << ltpsend->err();
  fmt::print("[   TIME   ] cancelled after {:.3f} s\n", seconds_since(began));
  EXPECT_NE(ltpsend->err().find("RLEXC"), std::string::npos) << ltpsend->err();
  EXPECT_TRUE(openltp_.await_no_sessions(60s)) << openltp_.stat().dump(1);
  const auto counters = span_counters(openltp_.stat(), kIonEngine);
  EXPECT_EQ(counter(counters, "export_sessions_cancelled"), 1u);
  EXPECT_GE(counters["cancels_sent"].value("RLEXC", 0), 1);  // each resend counts
}

// A client service nobody opened: the receiving engine cancels the
// session UNREACH, and the sender learns it.
TEST_F(IonInterop, ABlockForAnIonClientNobodyOpenedIsCancelledUnreachable) {
  START_OR_RETURN();
  const auto file = openltp_.scratch() / "block";
  std::ofstream(file, std::ios::binary) << std::string(20'000, 'u');
  auto ltpsend = openltp_.launch("ltpsend", {std::to_string(kIonEngine), "1", file.string()});
  ASSERT_EQ(ltpsend->wait(kTransferLimit), 1) << ltpsend->out() << ltpsend->err();
  EXPECT_NE(ltpsend->err().find("UNREACH"), std::string::npos) << ltpsend->err();
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
  const auto counters = span_counters(openltp_.stat(), kIonEngine);
  EXPECT_EQ(counter(counters, "export_sessions_cancelled"), 1u);
  // ION answers every data segment of the session with a cancel of its own.
  EXPECT_GE(counters["cancels_received"].value("UNREACH", 0), 1);
}

TEST_F(IonInterop, ABlockFromIonForAClientNobodyOpenedIsCancelledUnreachable) {
  START_OR_RETURN();
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, 1, 20'000);
  ASSERT_EQ(ltpdriver->wait(60s), 0) << ltpdriver->out() << ltpdriver->err();
  // ltpdriver returns once ION holds the block: the cancel follows.
  for (int i = 0; i < 300 && counter(span_counters(openltp_.stat(), kIonEngine),
                                     "import_sessions_cancelled") == 0;
       ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
  const auto counters = span_counters(openltp_.stat(), kIonEngine);
  EXPECT_EQ(counter(counters, "import_sessions_cancelled"), 1u);
  EXPECT_EQ(counters["cancels_sent"].value("UNREACH", 0), 1);
  EXPECT_EQ(counter(counters, "import_sessions_completed"), 0u);
}

// Red and green in one block, each way: ION's ltpcounter counts red parts
// and logs each green segment it discards (summed here from ion.log; no
// more than was sent, and some);
// OpenLTP's ltprecv writes each block's red part.
TEST_F(IonInterop, MixedBlocksCrossBothWays) {
  START_OR_RETURN();
  constexpr int kBlocks = 4;
  constexpr std::size_t kSize = 60'000, kGreen = 20'000;
  auto ltpcounter = ion_->start_counter(kClient);
  ASSERT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();
  auto ltpdriver =
      openltp_.launch("ltpdriver", {std::to_string(kIonEngine), "1", std::to_string(kBlocks),
                                    std::to_string(kGreen), std::to_string(kSize)});
  ASSERT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->err();
  const auto green_logged = [&] {
    std::istringstream log(ion_->log());
    std::size_t green = 0;
    for (std::string line; std::getline(log, line);) {
      const auto at = line.find("Green segment received");
      if (at != std::string::npos) green += std::stoul(line.substr(line.find("length ", at) + 7));
    }
    return green;
  };
  // Green is never acknowledged nor resent: ION's log is the only sign it
  // arrived, and what ION's socket overflowed is gone (a busy machine
  // loses some even on loopback).
  for (int i = 0; i < 30 && green_logged() < kBlocks * kGreen; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GT(green_logged(), 0u) << ion_->log();
  EXPECT_LE(green_logged(), kBlocks * kGreen) << ion_->log();
  ltpcounter->signal(SIGINT);
  ASSERT_TRUE(ltpcounter->wait(30s)) << ltpcounter->out();
  const auto counted = parse_counter_output(ltpcounter->out());
  EXPECT_EQ(counted.blocks, kBlocks) << ltpcounter->out();
  EXPECT_EQ(counted.bytes, static_cast<long long>(kBlocks * (kSize - kGreen)));
  EXPECT_EQ(counted.cancelled, 0);

  const auto received = openltp_.scratch() / "received";
  std::filesystem::create_directories(received);
  auto ltprecv = openltp_.launch(
      "ltprecv", {"1", "-o", received.string(), "--count", std::to_string(kBlocks)});
  ASSERT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
  auto ion_driver = ion_->start_driver(kOpenLtpEngine, kClient, kBlocks, kSize, kGreen);
  ASSERT_EQ(ion_driver->wait(60s), 0) << ion_driver->out() << ion_driver->err();
  ASSERT_EQ(ltprecv->wait(kTransferLimit), 0) << ltprecv->err();
  // ltprecv writes a block's red part: what precedes the green.
  const std::string red = slurp(ion_->driver_sdu_file(), kSize - kGreen);
  int blocks = 0;
  for (const auto& entry : std::filesystem::directory_iterator(received)) {
    ++blocks;
    EXPECT_TRUE(slurp(entry.path()) == red) << entry.path() << " differs from ION's red part";
  }
  EXPECT_EQ(blocks, kBlocks);
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
}

// Many blocks in flight at once, each way: 200 blocks of 10 KB.
TEST_F(IonInterop, ManySmallBlocksInFlightBothWays) {
  START_OR_RETURN();
  constexpr int kBlocks = 200;
  constexpr std::size_t kSize = 10'000;
  auto ltpcounter = ion_->start_counter(kClient);
  ASSERT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();
  const auto began = std::chrono::steady_clock::now();
  auto ltpdriver = openltp_.launch(
      "ltpdriver",
      {std::to_string(kIonEngine), "1", std::to_string(kBlocks), "0", std::to_string(kSize)});
  ASSERT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->err();
  EXPECT_TRUE(openltp_.await_no_sessions(kTransferLimit)) << openltp_.stat().dump(1);
  ltpcounter->signal(SIGINT);
  ASSERT_TRUE(ltpcounter->wait(30s)) << ltpcounter->out();
  const auto counted = parse_counter_output(ltpcounter->out());
  EXPECT_EQ(counted.blocks, kBlocks) << ltpcounter->out();
  EXPECT_EQ(counted.bytes, static_cast<long long>(kBlocks * kSize));
  EXPECT_EQ(counted.cancelled, 0);
  fmt::print("[   TIME   ] {} x 10 KB OpenLTP -> ION: {:.3f} s\n", kBlocks, seconds_since(began));

  const auto received = openltp_.scratch() / "received";
  std::filesystem::create_directories(received);
  auto ltprecv = openltp_.launch(
      "ltprecv", {"1", "-o", received.string(), "--count", std::to_string(kBlocks)});
  ASSERT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
  const auto ion_began = std::chrono::steady_clock::now();
  auto ion_driver = ion_->start_driver(kOpenLtpEngine, kClient, kBlocks, kSize);
  ASSERT_EQ(ion_driver->wait(kTransferLimit), 0) << ion_driver->out() << ion_driver->err();
  ASSERT_EQ(ltprecv->wait(kTransferLimit), 0) << ltprecv->err();
  fmt::print("[   TIME   ] {} x 10 KB ION -> OpenLTP: {:.3f} s\n", kBlocks,
             seconds_since(ion_began));
  const std::string sent = slurp(ion_->driver_sdu_file(), kSize);
  int blocks = 0;
  for (const auto& entry : std::filesystem::directory_iterator(received)) {
    ++blocks;
    EXPECT_TRUE(slurp(entry.path()) == sent) << entry.path();
  }
  EXPECT_EQ(blocks, kBlocks);
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
  const auto counters = span_counters(openltp_.stat(), kIonEngine);
  EXPECT_EQ(counter(counters, "export_sessions_completed"), static_cast<std::uint64_t>(kBlocks));
  EXPECT_EQ(counter(counters, "import_sessions_completed"), static_cast<std::uint64_t>(kBlocks));
}

// OpenLTP restarted (on its heap) while ION sends 20 blocks: every block
// arrives once, intact, through a second ltprecv (the first one is told
// the node stopped and exits).
TEST_F(IonInterop, AnOpenLtpRestartMidStreamLosesNoBlockFromIon) {
  START_OR_RETURN();
  constexpr int kBlocks = 20;
  constexpr std::size_t kSize = 50'000;
  const auto received = openltp_.scratch() / "received";
  std::filesystem::create_directories(received);
  const auto files = [&] {
    return std::distance(std::filesystem::directory_iterator(received),
                         std::filesystem::directory_iterator());
  };
  auto ltprecv = openltp_.launch("ltprecv", {"1", "-o", received.string()});
  ASSERT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, kBlocks, kSize);
  for (int i = 0; i < 600 && files() < 3; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_GE(files(), 3) << ltprecv->err();
  const auto before_restart = files();
  ASSERT_EQ(openltp_.restart(), "");
  EXPECT_TRUE(ltprecv->wait(30s)) << "ltprecv did not notice the node stopped";
  auto again = openltp_.launch("ltprecv", {"1", "-o", received.string()});
  ASSERT_TRUE(openltp_.await_client(kClient, *again)) << again->err();
  ASSERT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->out() << ltpdriver->err();
  for (int i = 0; i < 1200 && files() < kBlocks; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(openltp_.await_no_sessions(60s)) << openltp_.stat().dump(1);
  again->signal(SIGTERM);
  again->wait(30s);
  const std::string sent = slurp(ion_->driver_sdu_file(), kSize);
  int blocks = 0;
  for (const auto& entry : std::filesystem::directory_iterator(received)) {
    ++blocks;
    EXPECT_TRUE(slurp(entry.path()) == sent) << entry.path();
  }
  EXPECT_EQ(blocks, kBlocks);
  EXPECT_LT(before_restart, kBlocks) << "every block was in before the restart: it proves nothing";
  EXPECT_EQ(counter(span_counters(openltp_.stat(), kIonEngine), "import_sessions_cancelled"), 0u);
}

// The labels of a tool's "Label: value" lines, in order ("Throughput
// (bytes per second)", ...), and its other lines as they are, numbers
// left out: what a script that greps the output depends on.
std::vector<std::string> output_shape(const std::string& out) {
  std::vector<std::string> shape;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) {
      shape.push_back(line.substr(0, colon) + ":");
    } else if (!line.empty() && !std::isdigit(static_cast<unsigned char>(line[0]))) {
      shape.push_back(line);
    }
  }
  return shape;
}

// OpenLTP's ltpdriver and ltpcounter against ION's, side by side: the same
// run each way (5 blocks of 10000 octets), the same lines, the same counts.
TEST_F(IonInterop, LtpdriverAndLtpcounterPrintWhatIonsPrint) {
  START_OR_RETURN();
  constexpr int kCycles = 5;
  constexpr std::size_t kSize = 10'000;
  const std::string max_bytes = std::to_string(kCycles * kSize);

  auto ion_counter = ion_->start_counter(kClient, kCycles * kSize);
  ASSERT_TRUE(ion_->await_counter_open(*ion_counter)) << ion_counter->out();
  auto our_driver = openltp_.launch(
      "ltpdriver",
      {std::to_string(kIonEngine), "1", std::to_string(kCycles), "0", std::to_string(kSize)});
  ASSERT_EQ(our_driver->wait(kTransferLimit), 0) << our_driver->err();
  ASSERT_EQ(ion_counter->wait(kTransferLimit), 0) << ion_counter->out();

  auto our_counter = openltp_.launch("ltpcounter", {"1", max_bytes});
  ASSERT_TRUE(openltp_.await_client(kClient, *our_counter)) << our_counter->err();
  auto ion_driver = ion_->start_driver(kOpenLtpEngine, kClient, kCycles, kSize);
  ASSERT_EQ(ion_driver->wait(60s), 0) << ion_driver->out() << ion_driver->err();
  ASSERT_EQ(our_counter->wait(kTransferLimit), 0) << our_counter->err();

  EXPECT_EQ(output_shape(our_driver->out()), output_shape(ion_driver->out()))
      << "OpenLTP's ltpdriver:\n"
      << our_driver->out() << "ION's:\n"
      << ion_driver->out();
  EXPECT_EQ(output_shape(our_counter->out()), output_shape(ion_counter->out()))
      << "OpenLTP's ltpcounter:\n"
      << our_counter->out() << "ION's:\n"
      << ion_counter->out();
  for (const char* label : {"Cycles", "Bytes", "Data size (bytes)"}) {
    EXPECT_EQ(value_after(our_driver->out(), label), value_after(ion_driver->out(), label))
        << label;
  }
  const auto ours = parse_counter_output(our_counter->out());
  const auto ions = parse_counter_output(ion_counter->out());
  EXPECT_EQ(ours.blocks, ions.blocks);
  EXPECT_EQ(ours.bytes, ions.bytes);
  EXPECT_EQ(ours.cancelled, ions.cancelled);
  EXPECT_EQ(ours.stopped, ions.stopped);
}

// What an authenticated segment from ION looks like on the wire.
struct IonAuthSegment {
  bool red_data = false;
  unsigned header_extensions = 0, trailer_extensions = 0;
  // The datagram ends with an authentication trailer extension: tag 0,
  // length 10, then the 10-octet HMAC-SHA1-80.
  bool mac_trailer = false;
  bool mac_all_zero = false;
  // An RFC 5326 decoder accepts the segment (it is well formed).
  bool decodes = false;
};

IonAuthSegment inspect(const std::vector<std::uint8_t>& datagram) {
  IonAuthSegment seen;
  if (datagram.size() < 16) return seen;
  seen.red_data = (datagram[0] & 0x0f) <= 3;
  // The extension counts follow the control octet and two SDNVs (the
  // session originator and number).
  std::span<const std::uint8_t> rest(datagram);
  rest = rest.subspan(1);
  for (int sdnv = 0; sdnv < 2; ++sdnv) {
    const auto read = codec::decode_sdnv(rest);
    if (!read) return seen;
    rest = rest.subspan(read.value().size);
  }
  if (rest.empty()) return seen;
  seen.header_extensions = rest[0] >> 4;
  seen.trailer_extensions = rest[0] & 0x0f;
  const auto trailer = std::span(datagram).last(12);
  seen.mac_trailer = trailer[0] == 0x00 && trailer[1] == codec::kHmacSha1_80Size;
  seen.mac_all_zero =
      std::all_of(trailer.begin() + 2, trailer.end(), [](auto b) { return b == 0; });
  seen.decodes = codec::decode_prefix(datagram).has_value();
  return seen;
}

class IonLtpAuth : public IonInterop {
 protected:
  // ION signs what it sends to OpenLTP with HMAC-SHA1-80 under a named
  // key; OpenLTP has no rule (it does not check what it receives).
  void start_signing_ion() {
    IonAuth auth;
    auth.key = kKey;
    auth.ciphersuite = 0;
    auth.transmit_to = {kOpenLtpEngine};
    start(/*ltpauth=*/true, auth, /*tap=*/true);
  }
};

// The --ltpauth build takes the key and the rule (ionsecadmin,
// ltpsecadmin), starts, and sends segments carrying one header and one
// trailer extension, the trailer a 10-octet MAC.
//
// ltpdriver is not waited for: ION 4.1.3's udplso keeps the node's SDR
// transaction open after signing its first segment (a begin without an
// end in its authentication code), and every other ION process that needs
// the SDR — ltpdriver finishing, ltpadmin — then waits for ever.
TEST_F(IonLtpAuth, NodeWithTransmitRuleStartsAndSignsWhatItSends) {
  start_signing_ion();
  if (IsSkipped() || HasFatalFailure()) return;
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, 1, 1024);
  ASSERT_TRUE(tap_->await(1, 30s)) << "ION sent nothing: " << ltpdriver->out();

  const auto first = tap_->datagrams().front();
  const auto seen = inspect(first);
  EXPECT_TRUE(seen.red_data);  // a 1 KB block: one red data segment, CP, EORP, EOB
  EXPECT_EQ(seen.header_extensions, 1u);
  EXPECT_EQ(seen.trailer_extensions, 1u);
  EXPECT_TRUE(seen.mac_trailer);
  // ION 4.1.3's defects, found here (see the report in tests/ion/README.md):
  // noted, not asserted, so that a fixed ION passes too.
  if (!seen.decodes) {
    fmt::print("[   NOTE   ] ION does not serialize its authentication header extension\n");
  }
  if (seen.mac_all_zero) {
    fmt::print("[   NOTE   ] ION's MAC is all zeros (it did not find its key)\n");
  }
}

// ION (--ltpauth, a transmit rule for HMAC-SHA1-80) to OpenLTP, which has
// no rule: a receiver without rules ignores the extensions of a
// well-formed segment, so the block should arrive. ION 4.1.3 sends its
// first segment malformed and then stalls (see the test above): then
// OpenLTP must drop it as malformed, open no session and deliver nothing —
// checked — and the transfer is skipped with the reason.
TEST_F(IonLtpAuth, BlockFromNodeWithTransmitRuleReachesOpenLtp) {
  start_signing_ion();
  if (IsSkipped() || HasFatalFailure()) return;
  const auto received = openltp_.scratch() / "received";
  auto ltprecv = receive_one_block(received);
  ASSERT_FALSE(HasFailure());
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, 1, 1024);
  ASSERT_TRUE(tap_->await(1, 30s)) << "ION sent nothing: " << ltpdriver->out();
  const auto first = tap_->datagrams().front();

  if (!inspect(first).decodes) {
    // The tap passed the datagram on before OpenLTP read it: bounded
    // polling of the node's counter.
    std::uint64_t malformed = 0;
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline && malformed == 0;
         std::this_thread::sleep_for(20ms)) {
      malformed = openltp_.stat()["node_counters"].value("malformed_dropped", std::uint64_t{0});
    }
    EXPECT_GE(malformed, 1u);
    EXPECT_EQ(openltp_.open_sessions(), 0u);
    EXPECT_FALSE(ltprecv->wait(0ms)) << "ltprecv ended: " << ltprecv->err();
    GTEST_SKIP() << "ION 4.1.3 built with --ltpauth sends its authenticated segments malformed "
                    "(the header extension counted but not written: three zero octets), so no "
                    "receiver can take them, and stalls after the first; OpenLTP dropped it as "
                    "malformed";
  }
  ASSERT_EQ(ltprecv->wait(kTransferLimit), 0) << ltprecv->err();
  expect_driver_block(received, 1024);
  EXPECT_TRUE(openltp_.await_no_sessions()) << openltp_.stat().dump(1);
  // A well-formed segment from ION: its MAC must be HMAC-SHA1-80 of ours.
  const auto decoded = codec::decode_prefix(first);
  ASSERT_TRUE(decoded);
  const auto segment_bytes = std::span(first).first(decoded.value().size);
  const std::span<const std::uint8_t> key(reinterpret_cast<const std::uint8_t*>(kKey),
                                          sizeof kKey - 1);
  const auto verified = codec::verify_authentication(segment_bytes, decoded.value().segment, key,
                                                     codec::Ciphersuite::hmac_sha1_80);
  EXPECT_TRUE(verified.has_value()) << codec::describe(verified.error());
}

}  // namespace
}  // namespace ltp::ion_test
