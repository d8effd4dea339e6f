// Contact gaps on a long link, end to end (issue 21). ltpbench's longlink
// case runs two nodes through ltpnetem with a light time of 1 s and a
// 50 Mbit/s cap, the contact plans matching, and here a gap in both
// contacts from 2 s to 5 s after the plans were loaded: inside the first
// pass of 30 blocks of 1 MB (about 5 s without the gap). The relay drops
// everything inside that gap. RFC 5326 6.5/6.6: while the contact is down
// nothing is sent and the span's timers stand still. So the relay's
// blackout drops nothing, no checkpoint or data is resent (there is no
// other loss: any resend would be a timer the gap expired), and every
// block arrives. Only ltpbench's counts are checked, never its timings.
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

TEST(ContactGap, ATransferAcrossAGapResendsNothing) {
  ipc::testing::TempDir scratch;
  ToolProcess bench({OPENLTP_LTPBENCH, "longlink", "--owlt", "1", "--rate", "50000000", "--blocks",
                     "30", "--block-size", "1000000", "--gap", "2+3"},
                    scratch.path());
  ASSERT_EQ(bench.wait(300s), 0) << bench.err();
  const auto result = last_line_json(bench.out());
  ASSERT_TRUE(result.is_object()) << bench.out();
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
