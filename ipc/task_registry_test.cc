// TaskRegistry tests: register/lookup/unregister, refusing a second live
// holder, taking over a dead holder's role, and pid-reuse detection.
#include "ipc/task_registry.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "ipc/testing/node_fixture.h"

namespace ltp::ipc {
namespace {

class TaskRegistryTest : public testing::NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    segment_ = VolatileSegment::create(node(), 1, {.size = 1 << 20}).value();
  }
  std::unique_ptr<VolatileSegment> segment_;
};

TEST_F(TaskRegistryTest, RegisterLookupUnregister) {
  auto reg = TaskRegistry::in(*segment_).value();
  EXPECT_FALSE(reg.lookup("ltpclock"));
  ASSERT_TRUE(reg.add("ltpclock"));
  const auto info = reg.lookup("ltpclock");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pid, ::getpid());
  EXPECT_EQ(info->start_time, process_start_time(::getpid()).value());
  // Seen from another attachment of the same segment.
  auto reopened = VolatileSegment::open(node(), 1).value();
  EXPECT_TRUE(TaskRegistry::in(*reopened).value().is_alive("ltpclock"));
  EXPECT_EQ(reg.list().size(), 1u);
  EXPECT_EQ(reg.add("ltpclock").error(), RegistryError::role_taken);
  EXPECT_EQ(reg.remove("ltpclock", ::getpid() + 1).error(), RegistryError::not_registered);
  ASSERT_TRUE(reg.remove("ltpclock"));
  EXPECT_FALSE(reg.is_alive("ltpclock"));
  EXPECT_EQ(reg.add("").error(), RegistryError::bad_role);
  EXPECT_EQ(reg.add(std::string(40, 'x')).error(), RegistryError::bad_role);
}

TEST_F(TaskRegistryTest, DeadHolderIsNotAliveAndItsRoleCanBeTaken) {
  auto reg = TaskRegistry::in(*segment_).value();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto seg = VolatileSegment::open(node(), 1);
    if (!seg || !TaskRegistry::in(*seg.value()).value().add("udplso:1")) ::_exit(3);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);  // reaped: gone for good
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(reg.is_alive("udplso:1"));
  EXPECT_TRUE(reg.list().empty());
  EXPECT_TRUE(reg.add("udplso:1"));
  EXPECT_EQ(reg.lookup("udplso:1")->pid, ::getpid());
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_F(TaskRegistryTest, ReusedPidIsDetectedByStartTime) {
  const auto mine = process_start_time(::getpid());
  ASSERT_TRUE(mine);
  EXPECT_TRUE(process_alive(::getpid(), *mine));
  EXPECT_FALSE(process_alive(::getpid(), *mine + 1));  // same pid, other process
  EXPECT_FALSE(process_start_time(0x3fffffff));
}

TEST_F(TaskRegistryTest, AddingADeadPidIsRefused) {
  auto reg = TaskRegistry::in(*segment_).value();
  EXPECT_EQ(reg.add("ltpmeter", 0x3fffffff).error(), RegistryError::no_such_process);
}

}  // namespace
}  // namespace ltp::ipc
