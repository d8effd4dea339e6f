// Node start and stop with the real daemons (no spans, so no link
// services): what runs, what exists with which mode, what is left after.
#include "libltp/node/node_control.h"
#include "ipc/transaction.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>

#include "ipc/node_semaphore.h"
#include "ipc/task_registry.h"
#include "ipc/volatile_segment.h"
#include "libltp/db/ltp_db.h"
#include "libltp/node/node.h"
#include "libltp/node/testing/test_node.h"

namespace ltp::node {
namespace {

using testing::TestNode;

mode_t shm_mode(const std::string& name) {
  struct stat st {};
  if (::stat(("/dev/shm/" + name).c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::vector<ipc::TaskInfo> tasks_of(TestNode& node) {
  auto attached = node.attach();
  if (!attached) return {};
  return attached->registry()->list();
}

TEST(NodeControl, StartsTheDaemonsPrivatelyAndStopLeavesNothing) {
  TestNode node;
  ASSERT_EQ(node.configure("1 10\n", "1 100\n"), "");
  ASSERT_EQ(node.start(), "");
  const auto tasks = tasks_of(node);
  std::vector<std::string> roles;
  for (const auto& t : tasks) roles.push_back(t.role);
  EXPECT_NE(std::find(roles.begin(), roles.end(), kClockRole), roles.end());
  EXPECT_NE(std::find(roles.begin(), roles.end(), kDeliveryRole), roles.end());
  EXPECT_EQ(shm_mode(ipc::VolatileSegment::name(node.dir())), 0600u);
  const auto semaphores = ipc::NodeSemaphore::list(node.dir());
  ASSERT_FALSE(semaphores.empty());
  for (const auto& name : semaphores) {
    EXPECT_EQ(shm_mode(ipc::NodeSemaphore::object_name(node.dir(), name)), 0600u) << name;
  }
  EXPECT_TRUE(node.attach()->engine_started());

  // A second start is refused while it runs.
  auto again = start_node(node.dir());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, NodeErrc::already_running);

  auto stopped = stop_node(node.dir());
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped.value().killed, 0);
  for (const auto& t : tasks) EXPECT_FALSE(ipc::process_alive(t.pid, t.start_time)) << t.role;
  EXPECT_TRUE(ipc::NodeSemaphore::list(node.dir()).empty());
  EXPECT_EQ(shm_mode(ipc::VolatileSegment::name(node.dir())), 0u);
  EXPECT_FALSE(Node::attach(node.dir()));  // not running
}

TEST(NodeControl, RestartsAfterADaemonWasKilled) {
  TestNode node;
  ASSERT_EQ(node.configure("1 10\n", "1 100\n"), "");
  ASSERT_EQ(node.start(), "");
  for (const auto& t : tasks_of(node)) ::kill(t.pid, SIGKILL);
  // The registry says nobody runs once the pids are gone; start rebuilds
  // the volatile state.
  for (const auto& t : tasks_of(node)) {
    while (ipc::process_alive(t.pid, t.start_time)) std::this_thread::yield();
  }
  ASSERT_EQ(node.start(), "");
  EXPECT_TRUE(node.attach()->engine_started());
  ASSERT_EQ(node.stop(), "");
}

TEST(NodeControl, StartWithoutDatabaseSaysWhatToDo) {
  TestNode node;
  auto started = start_node(node.dir());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, NodeErrc::no_heap);
  EXPECT_NE(started.error().message.find("ltpadmin"), std::string::npos);
}

// A heap whose LTP database another version made is refused by name,
// with the way out (ionstart --fresh), and stop still cleans up.
TEST(NodeControl, AHeapOfAnotherVersionSaysWhatToDo) {
  TestNode node;
  ASSERT_EQ(node.configure("1 1\n", "1 10\n"), "");
  {
    auto attached = Node::attach(node.dir(), {.require_running = false});
    ASSERT_TRUE(attached);
    auto txn = attached.value()->heap().begin().value();
    const auto root = db::LtpDb::open(txn).value().root_addr();
    ASSERT_TRUE(txn.put(root + offsetof(db::DbRoot, format_version), db::kDbFormatVersion + 1));
    ASSERT_TRUE(txn.commit());
  }
  auto started = start_node(node.dir());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, NodeErrc::wrong_format);
  EXPECT_NE(started.error().message.find("--fresh"), std::string::npos) << started.error().message;
  EXPECT_TRUE(stop_node(node.dir()));
}

TEST(NodeControl, AMissingLinkServiceFailsTheStartAndLeavesNothing) {
  TestNode node;
  ASSERT_EQ(
      node.configure("1 10\n", "1 100\na span 20 10 10 1400 10000 1 'no-such-lso 127.0.0.1:1'\n"),
      "");
  auto started = start_node(node.dir());
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("no-such-lso"), std::string::npos);
  EXPECT_TRUE(ipc::NodeSemaphore::list(node.dir()).empty());
}

}  // namespace
}  // namespace ltp::node
