// ltpbench's longlink case, end to end, for its counts only, never its
// timings: two nodes through ltpnetem with a light time of 1 s and a
// 50 Mbit/s cap, the contact plans matching (issue 21).
//
// Contact gaps: a gap in both contacts from 2 s to 5 s after the plans
// were loaded, inside the first pass of 30 blocks of 1 MB (about 5 s
// without the gap). The relay drops everything inside that gap. RFC 5326
// 6.5/6.6: while the contact is down nothing is sent and the span's timers
// stand still. So the relay's blackout drops nothing, no checkpoint or
// data is resent (there is no other loss: any resend would be a timer the
// gap expired), and every block arrives.
//
// Redundant copies (ltprc `m redundancy ENGINE on`, set by ltpadmin from
// the nodes' files): with no loss, exactly one copy follows each
// checkpoint, nothing is resent, and each block completes once at each
// end; without the switch, no copy.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "ipc/testing/temp_dir.h"
#include "tests/tools/tool_process.h"

namespace ltp::tools_test {
namespace {

using namespace std::chrono_literals;

nlohmann::json last_line_json(const std::string& out) {
  const auto end = out.find_last_not_of('\n');
  if (end == std::string::npos) return nullptr;
  const auto start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1), nullptr,
                               false);
}

// ltpbench's line for `args` (after `longlink --owlt 1 --rate 50000000`).
nlohmann::json long_link(const std::vector<std::string>& args) {
  ipc::testing::TempDir scratch;
  std::vector<std::string> argv{OPENLTP_LTPBENCH, "longlink", "--owlt", "1", "--rate", "50000000"};
  argv.insert(argv.end(), args.begin(), args.end());
  ToolProcess bench(argv, scratch.path());
  EXPECT_EQ(bench.wait(300s), 0) << bench.err();
  const auto result = last_line_json(bench.out());
  EXPECT_TRUE(result.is_object()) << bench.out();
  return result.is_object() ? result : nlohmann::json::object();
}

void expect_redundancy(bool on) {
  // Blocks of one segment each: the first pass is five checkpoints.
  std::vector<std::string> args{"--blocks", "5", "--block-size", "1000"};
  if (on) args.push_back("--redundancy");
  const auto result = long_link(args);
  ASSERT_TRUE(result.contains("sender")) << result.dump();
  EXPECT_TRUE(result["delivered"].get<bool>());
  EXPECT_EQ(result["redundancy"], on);
  EXPECT_EQ(result["cancelled"], 0);
  const auto& sender = result["sender"];
  const auto& receiver = result["receiver"];
  EXPECT_EQ(sender["checkpoints_sent"], 5);
  EXPECT_EQ(sender["checkpoints_retransmitted"], 0);
  EXPECT_EQ(sender["data_segments_retransmitted"], 0);
  // Five checkpoints and, with the switch, each one's copy, which the
  // receiver answers with its report again. (Counted at the receiver: the
  // counts are read as the last report reaches the sender, while the
  // sender's acks are a light time from the receiver.)
  EXPECT_EQ(receiver["segments_received"], on ? 10 : 5);
  EXPECT_EQ(receiver["reports_sent"], on ? 10 : 5);
  EXPECT_EQ(sender["export_sessions_completed"], 5);
  EXPECT_EQ(receiver["import_sessions_completed"], 5);
}

TEST(LongLinkRedundancy, WithTheSwitchEachCheckpointGetsOneCopy) { expect_redundancy(true); }

TEST(LongLinkRedundancy, WithoutItNothingIsCopied) { expect_redundancy(false); }

TEST(ContactGap, ATransferAcrossAGapResendsNothing) {
  const auto result = long_link({"--blocks", "30", "--block-size", "1000000", "--gap", "2+3"});
  ASSERT_TRUE(result.contains("relay_dropped")) << result.dump();
  EXPECT_TRUE(result["delivered"].get<bool>());
  EXPECT_EQ(result["cancelled"], 0);
  const auto& dropped = result["relay_dropped"];
  ASSERT_TRUE(dropped.is_object()) << result.dump();
  EXPECT_EQ(dropped["blackout"], 0) << "sent while the contact was down";
  EXPECT_EQ(dropped["loss"], 0);
  EXPECT_EQ(dropped["queue_full"], 0);
  const auto& sender = result["sender"];
  EXPECT_EQ(sender["checkpoints_retransmitted"], 0) << "a timer ran during the gap";
  EXPECT_EQ(sender["data_segments_retransmitted"], 0);
}

}  // namespace
}  // namespace ltp::tools_test
