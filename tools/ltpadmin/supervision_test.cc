// The node supervises its own daemons: each one killed with SIGKILL is
// restarted by the node (ltpclock restarts the others, ltpdeliv restarts
// ltpclock), ltpstat counts the restart and the log has a warning;
// ionstart on a node with daemons down starts only those; two ionstarts
// at once leave one node running; a stop is never undone by a restart.
// Each test waits on ltpstat's answer (bounded), never a fixed sleep.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "ipc/node_dir.h"
#include "ipc/task_registry.h"
#include "ipc/testing/temp_dir.h"
#include "libltp/node/node_control.h"
#include "tools/ltpadmin/testing/run_tool.h"

namespace ltp::admin_tool {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::run_tool;
using testing::ToolRun;
using testing::write_text;

const std::filesystem::path kBin = OPENLTP_TOOLS_BIN_DIR;
const std::filesystem::path kTestData = OPENLTP_ADMIN_TESTDATA;

// SIGKILLs `pids` back to back and waits (on pidfds: they are not our
// children) until each has exited.
void kill_and_await_exit(const std::vector<int>& pids) {
  std::vector<int> fds;
  for (const int pid : pids) {
    fds.push_back(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    ASSERT_GE(fds.back(), 0) << "pidfd_open " << pid;
  }
  for (const int pid : pids) ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    pollfd exited{fds[i], POLLIN, 0};
    EXPECT_EQ(::poll(&exited, 1, 10000), 1) << "pid " << pids[i] << " did not exit";
    ::close(fds[i]);
  }
}

class Supervision : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* daemon : {"ltpclock", "ltpdeliv", "ltpmeter", "udplso", "udplsi"}) {
      if (!std::filesystem::exists(kBin / daemon)) GTEST_SKIP() << daemon << " is not built";
    }
    node_ = temp_.path() / "node";
    std::filesystem::create_directories(node_);
    for (const char* name : {"node2.ionrc", "node2.ltprc"}) {
      std::string text = testing::slurp(kTestData / name);
      text =
          std::regex_replace(text, std::regex("@PORT1@"), std::to_string(testing::free_udp_port()));
      text =
          std::regex_replace(text, std::regex("@PORT2@"), std::to_string(testing::free_udp_port()));
      write_text(temp_.path() / name, text);
    }
  }
  void TearDown() override {
    if (auto dir = ipc::NodeDir::at(node_)) (void)node::stop_node(dir.value());
  }

  ToolRun tool(const std::string& program, std::vector<std::string> args,
               const std::string& scratch_name = "scratch") {
    const auto scratch = temp_.path() / scratch_name;
    std::filesystem::create_directories(scratch);
    args.insert(args.begin(), {(kBin / program).string(), "--node", node_.string()});
    return run_tool(args, scratch);
  }
  ToolRun ionstart(const std::string& scratch_name = "scratch") {
    return tool("ionstart",
                {"-i", (temp_.path() / "node2.ionrc").string(), "-l",
                 (temp_.path() / "node2.ltprc").string()},
                scratch_name);
  }
  nlohmann::json daemons() {
    const auto run = tool("ltpstat", {"--json"});
    const auto report = nlohmann::json::parse(run.out, nullptr, false);
    return report.is_object() ? report["daemons"] : nlohmann::json::array();
  }
  // The running daemon whose role starts with `role` (LSIs are "lsi:PID").
  nlohmann::json running(const std::string& role) {
    for (const auto& d : daemons()) {
      if (d.value("running", false) && d["role"].get<std::string>().starts_with(role)) return d;
    }
    return nullptr;
  }
  // Waits until `role` runs as a process other than `old_pid`.
  // The daemon that replaced `old_pid`, once its restart is counted: the
  // new process registers itself a moment before the supervisor records
  // its pid with the count, and ltpstat may read in between. After
  // `limit`, what was seen last (null if no replacement).
  nlohmann::json await_replaced(const std::string& role, int old_pid,
                                std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    nlohmann::json seen;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto d = running(role);
      if (!d.is_null() && d["pid"].get<int>() != old_pid) {
        seen = d;
        if (d.value("restarts", 0) != 0) return d;
      }
      std::this_thread::sleep_for(20ms);
    }
    return seen;
  }

  ipc::testing::TempDir temp_;
  std::filesystem::path node_;
};

TEST_F(Supervision, EveryKilledDaemonIsRestartedAndCounted) {
  const auto start = ionstart();
  ASSERT_EQ(start.status, 0) << start.out << start.err;
  for (const std::string role : {"lso:1", "ltpmeter:1", "lsi:", "ltpdeliv", "ltpclock"}) {
    SCOPED_TRACE(role);
    const auto before = running(role);
    ASSERT_FALSE(before.is_null()) << daemons().dump();
    const int pid = before["pid"].get<int>();
    const auto killed_at = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const auto after = await_replaced(role, pid);
    ASSERT_FALSE(after.is_null()) << "not restarted: " << daemons().dump();
    std::printf(
        "[   TIME   ] %s restarted after %.0f ms\n", role.c_str(),
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - killed_at)
            .count());
    EXPECT_EQ(after.value("restarts", 0), 1) << after.dump();
  }
  const std::string log = testing::slurp(node_ / "ltp.log");
  EXPECT_THAT(log, HasSubstr("died; restarted `udplso"));
  EXPECT_THAT(log, HasSubstr("died; restarted `ltpclock"));
  EXPECT_EQ(testing::slurp(node_ / "ltpclock.pid"),
            std::to_string(running("ltpclock")["pid"].get<int>()) + "\n");
  // The table shows the counts too.
  EXPECT_THAT(tool("ltpstat", {}).out, HasSubstr("restarted 1x"));
  // A stop is final: nothing comes back after it.
  ASSERT_EQ(tool("ionstop", {}).status, 0);
  EXPECT_TRUE(daemons().empty()) << daemons().dump();
}

// A supervisor killed again and again is still restarted at once: were it
// left to wait out a backoff, a kill of the other supervisor meanwhile
// would leave the node with nothing to restart anything (the long soak
// found both nodes dead this way).
TEST_F(Supervision, ASupervisorThatKeepsDyingIsNeverLeftDownSoTheOtherIsNotAlone) {
  const auto start = ionstart();
  ASSERT_EQ(start.status, 0) << start.out << start.err;
  for (int round = 0; round < 4; ++round) {
    const int pid = running("ltpdeliv")["pid"].get<int>();
    kill_and_await_exit({pid});
    if (round < 3) {
      // Restarted within a check or two (the old backoff: 1 s, then 2 s).
      ASSERT_FALSE(await_replaced("ltpdeliv", pid).is_null()) << daemons().dump();
    } else {
      (void)await_replaced("ltpdeliv", pid, 600ms);  // now it must be up again
    }
  }
  kill_and_await_exit({running("ltpclock")["pid"].get<int>()});
  EXPECT_FALSE(await_replaced("ltpclock", 0).is_null()) << daemons().dump();
  EXPECT_FALSE(running("ltpdeliv").is_null()) << daemons().dump();
}

// With both supervisors killed at once nothing restarts the rest; ionstart
// then starts exactly what is down and leaves the others running.
TEST_F(Supervision, IonstartStartsOnlyTheDaemonsThatAreDown) {
  ASSERT_EQ(ionstart().status, 0);
  const int lso = running("lso:1")["pid"].get<int>();
  const int meter = running("ltpmeter:1")["pid"].get<int>();
  const int clock = running("ltpclock")["pid"].get<int>();
  const int deliv = running("ltpdeliv")["pid"].get<int>();
  // Back to back, well within a supervision interval of each other.
  kill_and_await_exit({clock, deliv, lso});
  const auto again = ionstart();
  ASSERT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("started ltpclock"));
  EXPECT_THAT(again.out, HasSubstr("started lso:1"));
  EXPECT_THAT(again.out, ::testing::Not(HasSubstr("ltpmeter")));
  EXPECT_EQ(running("ltpmeter:1")["pid"].get<int>(), meter);
  EXPECT_NE(running("lso:1")["pid"].get<int>(), lso);
  // Everything runs again: a third ionstart has nothing to do.
  const auto third = ionstart();
  EXPECT_EQ(third.status, 1) << third.out;
  EXPECT_THAT(third.err, HasSubstr("already started"));
}

TEST_F(Supervision, TwoIonstartsAtOnceLeaveOneNodeRunning) {
  ToolRun first, second;
  std::thread a([&] { first = ionstart("scratch-a"); });
  std::thread b([&] { second = ionstart("scratch-b"); });
  a.join();
  b.join();
  EXPECT_EQ((first.status == 0) + (second.status == 0), 1) << first.out << first.err << "\n---\n"
                                                           << second.out << second.err;
  EXPECT_THAT(first.status == 0 ? second.err : first.err, HasSubstr("already started"));
  for (const std::string role : {"ltpclock", "ltpdeliv", "ltpmeter:1", "lso:1", "lsi:"}) {
    EXPECT_FALSE(running(role).is_null()) << role << ": " << daemons().dump();
  }
}

}  // namespace
}  // namespace ltp::admin_tool
