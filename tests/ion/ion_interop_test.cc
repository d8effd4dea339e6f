// OpenLTP against a live ION 4.1.3 node on loopback (ctest label `ion`):
// red blocks of 1 B (2 B from ION), 1 KB, 1 MB and 10 MB each way — OpenLTP's ltpsend to ION's
// ltpcounter, ION's ltpdriver to OpenLTP's ltprecv — counted at the
// receiver (and compared byte for byte where the receiver keeps them),
// with no OpenLTP session left open afterwards; and an ION node built with
// RFC 5327 authentication (build-ion --ltpauth) and a transmit rule,
// sending to OpenLTP, which has no rule. The fixture is in
// ion_interop_fixture.h; issue 19's scenarios in ion_scenarios_test.cc.
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
#include <functional>
#include <sstream>
#include <thread>

#include "ipc/transaction.h"
#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"
#include "libltp/codec/sdnv.h"
#include "libltp/node/testing/test_node.h"
#include "tests/ion/ion_build.h"
#include "tests/ion/ion_interop_fixture.h"
#include "tests/ion/ion_node.h"
#include "tests/ion/openltp_peer.h"
#include "tests/ion/udp_tap.h"
#include "tests/runtime/two_nodes.h"
#include "tests/tools/relayed_nodes.h"

namespace ltp::ion_test {
namespace {

using namespace std::chrono_literals;
using tools_test::span_counters;

// ION's key for HMAC-SHA1-80: 20 octets, as RFC 5327 suggests.
constexpr char kKey[] = "openltp-ion-hmac-key";

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
  // ION's ltpdriver takes a size of 1 to mean random sizes: its smallest
  // block of one size is 2 octets.
  const std::size_t size = std::max<std::size_t>(GetParam(), 2);
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
                         ::testing::Values(std::size_t{1}, std::size_t{1} << 10,
                                           std::size_t{1} << 20, std::size_t{10} << 20),
                         [](const auto& info) { return size_name(info.param); });

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

// ION checking what OpenLTP signs: ION (--ltpauth) has a receive rule for
// engine 1 under the NULL ciphersuite — HMAC-SHA1-80 with the key RFC 5327
// publishes, the one suite for which ION 4.1.3 needs no key lookup (for
// ciphersuite 0 it never finds its named key: tests/ion/README.md).
class IonChecksOpenLtp : public IonLtpAuth {
 protected:
  // OpenLTP signs what it sends to ION under `openltp_suite` (255, or 0
  // with a key of its own).
  void start_checking_ion(int openltp_suite) {
    if (openltp_suite == 255) {
      openltp_config_.ltpsecrc = fmt::format("a ltpxmitauthrule {} 255\n", kIonEngine);
    } else {
      const auto key_file = openltp_.scratch() / "hmac.key";
      std::ofstream(key_file) << kKey;
      std::filesystem::permissions(
          key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      openltp_config_.ionsecrc = fmt::format("1\na key k1 {}\n", key_file.string());
      openltp_config_.ltpsecrc =
          fmt::format("a ltpxmitauthrule {} {} k1\n", kIonEngine, openltp_suite);
    }
    IonAuth auth;
    auth.key = kKey;
    auth.ciphersuite = 255;
    auth.receive_from = {kOpenLtpEngine};
    start(/*ltpauth=*/true, auth);
  }

  // OpenLTP's counters for its span to ION, and what its rule signed.
  struct Seen {
    std::uint64_t sent = 0, signed_ = 0, checkpoints_resent = 0, reports = 0;
  };
  Seen seen() {
    Seen out;
    const auto stat = openltp_.stat();
    const auto& counters = span_counters(stat, kIonEngine);
    out.sent = counter(counters, "segments_sent");
    out.checkpoints_resent = counter(counters, "checkpoints_retransmitted");
    out.reports = counter(counters, "reports_received");
    for (const auto& span : stat.value("spans", nlohmann::json::array())) {
      if (span["engine"] == kIonEngine && span.contains("auth")) {
        out.signed_ = span["auth"]["transmit"].value("signed", std::uint64_t{0});
      }
    }
    return out;
  }

  // Waits until two checkpoint timers have expired unanswered (each about
  // 2 s: both queuing times and the round trip) — or `done` — and says
  // whether they did.
  bool ion_stays_silent(const std::function<bool()>& done) {
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         std::chrono::steady_clock::now() < deadline && !done();
         std::this_thread::sleep_for(50ms)) {
      const auto now = seen();
      if (now.checkpoints_resent >= 2 && now.reports == 0) return true;
    }
    return false;
  }
};

// Every segment OpenLTP sends to ION carries the authentication
// extensions, and ION should verify them and take the blocks (its reports
// come back unsigned: ION has no transmit rule, OpenLTP no receive rule).
// ION 4.1.3 refuses every one, for two reasons found in its source: its
// open-source build has no HMAC at all (ici/crypto/NULL_SUITES, the only
// crypto it builds, has a sha1_hmac that writes nothing, so ION compares
// the MAC with an uninitialised buffer), and it compares the header's
// ciphersuite octet, read as a signed char (-1), with its rule's unsigned
// 255. Checked that OpenLTP signed all it sent and ION never answered;
// then skipped with the reason, so that a fixed ION runs the transfer.
TEST_F(IonChecksOpenLtp, BlocksSignedUnderTheNullSuiteAreTaken) {
  start_checking_ion(255);
  if (IsSkipped() || HasFatalFailure()) return;
  constexpr int kBlocks = 3;
  constexpr std::size_t kSize = 100'000;
  auto ltpcounter = ion_->start_counter(kClient, kBlocks * kSize);
  ASSERT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();
  auto ltpdriver =
      openltp_.launch("ltpdriver", {std::to_string(kIonEngine), std::to_string(kClient),
                                    std::to_string(kBlocks), "0", std::to_string(kSize)});
  const bool silent = ion_stays_silent([&] { return ltpcounter->wait(0ms).has_value(); });
  const auto now = seen();
  EXPECT_GE(now.sent, kBlocks * (kSize / 1400));
  EXPECT_EQ(now.signed_, now.sent);
  if (silent) {
    ltpdriver->stop();
    GTEST_SKIP() << "ION 4.1.3 (--ltpauth) refuses every segment under its receive rule for "
                    "the NULL ciphersuite (its open-source crypto computes no HMAC, and it "
                    "compares the ciphersuite octet as a signed char); OpenLTP signed all "
                 << now.sent << " segments it sent and resent its checkpoints "
                 << now.checkpoints_resent << " times unanswered";
  }
  ASSERT_EQ(ltpcounter->wait(kTransferLimit), 0) << ltpcounter->out();
  const auto counted = parse_counter_output(ltpcounter->out());
  EXPECT_EQ(counted.blocks, kBlocks);
  EXPECT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->err();
}

// The control: segments signed under ciphersuite 0 do not meet ION's rule
// for 255, so ION drops every one — it never reports, whatever OpenLTP
// resends — and its client gets nothing.
TEST_F(IonChecksOpenLtp, BlocksSignedUnderAnotherSuiteAreRefused) {
  start_checking_ion(0);
  if (IsSkipped() || HasFatalFailure()) return;
  auto ltpcounter = ion_->start_counter(kClient);
  ASSERT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();
  auto ltpdriver = openltp_.launch(
      "ltpdriver", {std::to_string(kIonEngine), std::to_string(kClient), "1", "0", "10000"});
  ASSERT_TRUE(ion_stays_silent([] { return false; })) << openltp_.stat().dump(1);
  const auto now = seen();
  EXPECT_GE(now.signed_, 3u);  // the block and two resent checkpoints
  EXPECT_EQ(now.signed_, now.sent);
  ltpcounter->signal(SIGINT);
  ASSERT_TRUE(ltpcounter->wait(30s)) << ltpcounter->out();
  EXPECT_EQ(parse_counter_output(ltpcounter->out()).blocks, 0) << ltpcounter->out();
  ltpdriver->stop();
}

}  // namespace
}  // namespace ltp::ion_test
