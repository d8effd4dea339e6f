// The shell tools end to end, as a user runs them: ltpsend/ltprecv move
// files from 1 byte to 50 MiB between two real nodes through ltpnetem at
// 0 %, 5 % and 20 % loss both ways, byte for byte; an empty file is refused;
// ltpcounter counts what ltpdriver sends; ltpstat --json parses and its
// counters move with a transfer on both nodes.
//
// Synchronises on events: a tool's exit (ltprecv --count, ltpsend waiting
// for its session's outcome), ltpnetem's ready pipe, a client id appearing
// in the node's database. Each case prints how long it took.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "ipc/task_registry.h"
#include "ipc/volatile_segment.h"
#include "tests/tools/relayed_nodes.h"

namespace ltp::tools_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::uint64_t kClient = 1;
const std::vector<std::size_t> kSizes{1, 1399, 1400, 1401, 65 << 10, 1 << 20};
constexpr std::size_t kFiftyMegabytes = std::size_t{50} << 20;
// Long enough for 50 MiB at 20 % loss on a loaded 2-core machine.
constexpr auto kLimit = std::chrono::milliseconds(180s);
// What the operator of a link losing up to 20 % of its datagrams each way
// tells the engines (ltprc `m maxber`): with ION's default the derived
// limit, 4 retransmissions, cancels a 50 MiB block, whose hundreds of
// reports are each lost or unacknowledged 36 % of the time. At 1e-4 a
// 1400-octet segment counts as lost 67 % of the time: 35 retransmissions.
constexpr char kLossyLinkMaxber[] = "0.0001";
// udplso's pace. Unpaced, a 50 MiB block overruns the relay's and udplsi's
// receive buffers where the kernel caps them (net.core.rmem_max 212992, no
// CAP_NET_ADMIN, as in CI): half the datagrams are lost there, the ION
// default retransmission limits are at risk and the run takes 30 s
// instead of 3. udplso's bursts at this rate (5 ms worth, ~90 segments)
// fit in such a buffer.
constexpr std::uint64_t kLsoBitsPerSecond = 200'000'000;

// The spans of every run here: paced, and over a lossy link with the
// maxber its operator would set.
runtime_test::SpanSettings link_settings(double loss_percent) {
  runtime_test::SpanSettings settings;
  settings.lso_bits_per_second = kLsoBitsPerSecond;
  if (loss_percent > 0) settings.maxber = kLossyLinkMaxber;
  return settings;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string file_of(std::size_t size, std::uint32_t tag) {
  const auto bytes = runtime_test::pattern(size, tag);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// "Label: 123" in a tool's output -> 123 (-1 if absent).
long long value_after(const std::string& output, const std::string& label) {
  const auto at = output.find(label + ": ");
  return at == std::string::npos ? -1 : std::stoll(output.substr(at + label.size() + 2));
}

std::uint64_t counter(const nlohmann::json& counters, const char* name) {
  return counters.is_object() ? counters.value(name, std::uint64_t{0}) : 0;
}

class ToolsTransfer : public RelayedNodes {
 protected:
  // ltprecv on node 2, then ltpsend of a file of `size` bytes from node 1
  // with `send_options`; the file ltprecv wrote must hold the red part
  // (the first `size - green` bytes) exactly.
  void send_file(std::size_t size, const std::string& what,
                 const std::vector<std::string>& send_options = {}, std::size_t green = 0) {
    SCOPED_TRACE(fmt::format("{} bytes", size));
    const std::string content = file_of(size, static_cast<std::uint32_t>(size));
    const auto sent = scratch() / fmt::format("sent-{}", size);
    const auto received = scratch() / fmt::format("received-{}", size);
    std::ofstream(sent, std::ios::binary) << content;

    auto ltprecv = launch("ltprecv", 2, {"--count", "1", "-o", received.string(), "1"});
    ASSERT_TRUE(await_client(2, kClient, *ltprecv)) << ltprecv->err();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> args = send_options;
    args.insert(args.end(), {"2", "1", sent.string()});
    auto ltpsend = launch("ltpsend", 1, args);
    const auto sent_status = ltpsend->wait(kLimit);
    EXPECT_THAT(ltpsend->out(), StartsWith("session 1:"));
    // A cancelled block never reaches ltprecv: stop it rather than wait.
    ASSERT_EQ(sent_status, 0) << ltpsend->command() << "\n" << ltpsend->err();
    // The red part is delivered before the sender hears it was: ltprecv
    // is done or about to be.
    EXPECT_EQ(ltprecv->wait(30s), 0) << ltprecv->err();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("[   TIME   ] {}: {} bytes in {:.2f} s\n", what, size, seconds);

    const std::string got = slurp(received);
    EXPECT_EQ(got.size(), size - green);
    EXPECT_TRUE(got == content.substr(0, size - green)) << "the received file differs";
    std::filesystem::remove(sent);
    std::filesystem::remove(received);
  }

  // Stops the relay: with loss asked for, it must have dropped datagrams
  // (or the test proved nothing); without, none.
  void expect_relay_dropped(double loss_percent) {
    const auto summary = stop_relay();
    ASSERT_TRUE(summary.is_object());
    if (loss_percent > 0) {
      EXPECT_GT(dropped_by_loss(summary), 0u) << summary.dump();
    } else {
      EXPECT_EQ(dropped_by_loss(summary), 0u) << summary.dump();
    }
  }

  void files_through(double loss_percent, const std::vector<std::size_t>& sizes) {
    start_relayed(loss_percent, link_settings(loss_percent));
    const std::string what = fmt::format("ltpsend/ltprecv at {} % loss", loss_percent);
    for (const std::size_t size : sizes) {
      send_file(size, what);
      if (HasFatalFailure()) return;
    }
    expect_relay_dropped(loss_percent);
  }
};

TEST_F(ToolsTransfer, FilesArriveIntactWithoutLoss) { files_through(0, kSizes); }
TEST_F(ToolsTransfer, FilesArriveIntactAt5PercentLoss) { files_through(5, kSizes); }
TEST_F(ToolsTransfer, FilesArriveIntactAt20PercentLoss) { files_through(20, kSizes); }

// The big file, one test per loss rate so each can be timed on its own.
TEST_F(ToolsTransfer, FiftyMegabytesWithoutLoss) { files_through(0, {kFiftyMegabytes}); }
TEST_F(ToolsTransfer, FiftyMegabytesAt5PercentLoss) { files_through(5, {kFiftyMegabytes}); }
TEST_F(ToolsTransfer, FiftyMegabytesAt20PercentLoss) { files_through(20, {kFiftyMegabytes}); }

TEST_F(ToolsTransfer, GreenTailIsSentButNotWritten) {
  start_relayed(0, link_settings(0));
  send_file(65 << 10, "ltpsend --green", {"--green", "1000"}, 1000);
}

// ltpsend --no-wait takes no notices, so it does not claim the client id
// on its own node: a receiver there may hold it (a node sending to its
// own engine's ltprecv, as ION's loopback example does).
TEST_F(ToolsTransfer, NoWaitSendsWhileTheClientIdIsHeldOnTheSendingNode) {
  start();
  const auto received_here = scratch() / "here";
  const auto received_there = scratch() / "there";
  auto holder = launch("ltprecv", 1, {"--count", "1", "-o", received_here.string(), "1"});
  ASSERT_TRUE(await_client(1, kClient, *holder)) << holder->err();
  auto ltprecv = launch("ltprecv", 2, {"--count", "1", "-o", received_there.string(), "1"});
  ASSERT_TRUE(await_client(2, kClient, *ltprecv)) << ltprecv->err();
  const auto sent = scratch() / "sent";
  std::ofstream(sent, std::ios::binary) << std::string(30000, 'n');
  auto ltpsend = launch("ltpsend", 1, {"--no-wait", "2", "1", sent.string()});
  ASSERT_EQ(ltpsend->wait(kLimit), 0) << ltpsend->err();
  EXPECT_THAT(ltpsend->out(), StartsWith("session 1:"));
  ASSERT_EQ(ltprecv->wait(30s), 0) << ltprecv->err();
  EXPECT_EQ(slurp(received_there), std::string(30000, 'n'));
  holder->signal(SIGTERM);
  EXPECT_TRUE(holder->wait(30s));
}

// An LTP block holds at least one byte: ltpsend refuses an empty input
// before any session opens, and says so.
TEST_F(ToolsTransfer, EmptyInputIsRefused) {
  start();
  const auto empty = scratch() / "empty";
  std::ofstream(empty).close();
  for (const std::string& input : {empty.string(), std::string("-")}) {
    SCOPED_TRACE(input);
    auto ltpsend = launch("ltpsend", 1, {"2", "1", input});  // stdin is /dev/null
    EXPECT_EQ(ltpsend->wait(30s), 1);
    EXPECT_THAT(ltpsend->err(), HasSubstr("is empty"));
    EXPECT_EQ(ltpsend->out(), "");
  }
  EXPECT_EQ(counter(span_counters(stat(1), 2), "segments_sent"), 0u);
  EXPECT_EQ(counter(span_counters(stat(2), 1), "segments_received"), 0u);
}

// A file larger than the node takes in one block (half its heap) is
// refused after reading no more than that: an endless device ends too.
TEST_F(ToolsTransfer, AnInputLargerThanABlockIsRefusedWithoutReadingItWhole) {
  start();
  auto ltpsend = launch("ltpsend", 1, {"2", "1", "/dev/zero"});
  EXPECT_EQ(ltpsend->wait(30s), 1);
  EXPECT_THAT(ltpsend->err(), HasSubstr("is larger than the"));
  EXPECT_THAT(ltpsend->err(), HasSubstr("half its heap"));
  EXPECT_EQ(counter(span_counters(stat(1), 2), "segments_sent"), 0u);
}

// A volatile segment a crash left half-made (empty, or a 48-byte stub) on
// a stopped node: ltpstat and ionstop answer at once instead of waiting for
// its creator for ever, and the next start replaces it.
TEST_F(ToolsTransfer, ToolsAnswerBesideAHalfMadeSegment) {
  start();
  ASSERT_EQ(node(1).stop(), "");
  const std::string object = "/" + ipc::VolatileSegment::name(node(1).dir());
  for (const off_t size : {off_t{0}, off_t{48}}) {
    SCOPED_TRACE(size);
    const int fd = ::shm_open(object.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, size), 0);
    ::close(fd);
    auto ltpstat = launch("ltpstat", 1, {"--json"});
    EXPECT_EQ(ltpstat->wait(20s), 0) << ltpstat->err();
    auto ionstop = launch("ionstop", 1, {});
    EXPECT_EQ(ionstop->wait(20s), 0) << ionstop->err();
    ::shm_unlink(object.c_str());
  }
  const int fd = ::shm_open(object.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(node(1).start(), "");
}

// A span's LSO that stays dead (killed with both of the node's
// supervisors, which would restart it otherwise): ltpstat shows it not
// running, and ltpsend says so and stops waiting instead of hanging with
// no timer ever started.
TEST_F(ToolsTransfer, ASendOverADeadLinkServiceSaysSoInsteadOfHanging) {
  start();
  std::vector<ipc::TaskInfo> victims;
  for (const auto& task : tasks(1)) {
    if (task.role == "lso:2" || task.role == "ltpclock" || task.role == "ltpdeliv") {
      victims.push_back(task);
    }
  }
  ASSERT_EQ(victims.size(), 3u);
  for (const auto& task : victims) ASSERT_EQ(::kill(task.pid, SIGKILL), 0);
  for (const auto& task : victims) {
    while (ipc::process_alive(task.pid, task.start_time)) std::this_thread::yield();
  }
  const auto span = stat(1)["spans"][0];
  EXPECT_FALSE(span["link"]["lso_running"].get<bool>());
  const auto file = scratch() / "block";
  std::ofstream(file) << "a block for a link that is down";
  auto ltpsend = launch("ltpsend", 1, {"2", "1", file.string()});
  EXPECT_EQ(ltpsend->wait(60s), 1);
  EXPECT_THAT(ltpsend->err(),
              HasSubstr("link service (LSO) of the span to engine 2 is not running"));
}

// ION's benchmark pair: ltpcounter stops once it has the bytes ltpdriver
// sent, and both report the same blocks and bytes.
TEST_F(ToolsTransfer, CounterCountsWhatDriverSends) {
  constexpr int kCycles = 300;
  constexpr int kUnit = 5000;
  start_relayed(5, link_settings(5));
  auto ltpcounter = launch("ltpcounter", 2, {"1", std::to_string(kCycles * kUnit)});
  ASSERT_TRUE(await_client(2, kClient, *ltpcounter)) << ltpcounter->err();
  const auto start = std::chrono::steady_clock::now();
  auto ltpdriver =
      launch("ltpdriver", 1, {"2", "1", std::to_string(kCycles), "0", std::to_string(kUnit)});
  EXPECT_EQ(ltpdriver->wait(kLimit), 0) << ltpdriver->err();
  EXPECT_EQ(ltpcounter->wait(kLimit), 0) << ltpcounter->err();
  fmt::print("[   TIME   ] ltpdriver/ltpcounter at 5 % loss: {} units of {} bytes in {:.2f} s\n",
             kCycles, kUnit,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  const std::string driven = ltpdriver->out();
  EXPECT_THAT(driven, HasSubstr("200\n100\n0\nTime (seconds): "));  // units left, every 100
  EXPECT_EQ(value_after(driven, "Data size (bytes)"), kUnit);
  EXPECT_EQ(value_after(driven, "Cycles"), kCycles);
  EXPECT_EQ(value_after(driven, "Bytes"), kCycles * kUnit);
  // As ION's: whole seconds, and no rate for a run under one.
  EXPECT_THAT(driven, testing::AnyOf(HasSubstr("Throughput (bytes per second): "),
                                     HasSubstr("Interval is too short to measure rate.\n")));
  const std::string counted = ltpcounter->out();
  EXPECT_EQ(value_after(counted, "Sessions canceled"), 0);
  EXPECT_EQ(value_after(counted, "Blocks received"),
            kCycles);  // aggregation size 1: a unit a block
  EXPECT_EQ(value_after(counted, "Bytes received"), kCycles * kUnit);
  EXPECT_THAT(counted, HasSubstr("Stopping ltpcounter.\n"));
  expect_relay_dropped(5);
}

// ltpstat --json before and after one transfer: on the sender, one more
// export session completed and at least the data segments sent; on the
// receiver, one more import session completed, the data received, a
// report sent; the sender has a measured round trip and a first rate
// estimate. (Segments that
// follow the outcome, the report's ack, may still be on their way: only
// lower bounds.)
TEST_F(ToolsTransfer, StatCountersMoveWithATransfer) {
  start(link_settings(0));
  const auto before1 = stat(1), before2 = stat(2);
  ASSERT_TRUE(before1.is_object() && before2.is_object());
  EXPECT_EQ(before1.value("engine", 0), 1);
  EXPECT_EQ(before2.value("engine", 0), 2);
  EXPECT_EQ(before1.value("state", ""), "running");
  constexpr std::size_t kSize = 1 << 20;
  send_file(kSize, "ltpstat around ltpsend/ltprecv");
  const auto after1 = stat(1), after2 = stat(2);
  const auto& sender_before = span_counters(before1, 2);
  const auto& sender = span_counters(after1, 2);
  const auto& receiver_before = span_counters(before2, 1);
  const auto& receiver = span_counters(after2, 1);
  ASSERT_TRUE(sender.is_object() && receiver.is_object()) << after1.dump() << after2.dump();
  const auto rose = [](const nlohmann::json& after, const nlohmann::json& before,
                       const char* name) { return counter(after, name) - counter(before, name); };
  const std::uint64_t data_segments = (kSize + 1399) / 1400;  // segments carry < 1400 bytes

  EXPECT_EQ(rose(sender, sender_before, "export_sessions_completed"), 1u);
  EXPECT_EQ(rose(sender, sender_before, "export_sessions_cancelled"), 0u);
  EXPECT_GE(rose(sender, sender_before, "segments_sent"), data_segments);
  EXPECT_GE(rose(sender, sender_before, "bytes_sent"), kSize);
  EXPECT_GE(rose(sender, sender_before, "checkpoints_sent"), 1u);
  EXPECT_GE(rose(sender, sender_before, "segments_received"), 1u);
  EXPECT_GE(rose(sender, sender_before, "reports_received"), 1u);

  EXPECT_EQ(rose(receiver, receiver_before, "import_sessions_completed"), 1u);
  EXPECT_EQ(rose(receiver, receiver_before, "import_sessions_cancelled"), 0u);
  EXPECT_GE(rose(receiver, receiver_before, "segments_received"), data_segments);
  EXPECT_GE(rose(receiver, receiver_before, "bytes_received"), kSize);
  EXPECT_GE(rose(receiver, receiver_before, "checkpoints_received"), 1u);
  EXPECT_GE(rose(receiver, receiver_before, "segments_sent"), 1u);
  EXPECT_GE(rose(receiver, receiver_before, "reports_sent"), 1u);

  // The sender measured the round trip from its checkpoint to the report.
  const auto link_to = [](const nlohmann::json& stat, std::uint64_t peer) {
    for (const auto& span : stat["spans"]) {
      if (span["engine"] == peer) return span["link"];
    }
    return nlohmann::json();
  };
  EXPECT_TRUE(link_to(before1, 2)["round_trip_ms"].is_null()) << before1.dump();
  EXPECT_TRUE(link_to(after1, 2)["round_trip_ms"].is_number_unsigned()) << after1.dump();
  // And from its report, a first estimate of the rate the peer takes.
  EXPECT_TRUE(link_to(before1, 2)["learned_rate"].is_null()) << before1.dump();
  const auto learned = link_to(after1, 2)["learned_rate"];
  ASSERT_TRUE(learned.is_object()) << after1.dump();
  EXPECT_GT(learned["bottleneck_bytes_per_second"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(learned["phase"].is_string());
}

}  // namespace
}  // namespace ltp::tools_test
