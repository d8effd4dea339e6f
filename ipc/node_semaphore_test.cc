// NodeSemaphore tests: counting, try/timed waits, "ended" waking waiters in
// other processes, names per node, listing/unlinking, and modes.
#include "ipc/node_semaphore.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "ipc/testing/node_fixture.h"

namespace ltp::ipc {
namespace {

using namespace std::chrono_literals;

class NodeSemaphoreTest : public testing::NodeFixture {};

mode_t shm_mode(const std::string& object) {
  struct stat st {};
  EXPECT_EQ(::stat(("/dev/shm/" + object).c_str(), &st), 0) << object;
  return st.st_mode & 0777;
}

TEST_F(NodeSemaphoreTest, CountsPostsAndWaits) {
  auto sem = NodeSemaphore::create(node(), "work", {.initial = 2}).value();
  EXPECT_EQ(sem.value(), 2);
  EXPECT_EQ(sem.try_wait(), WaitResult::acquired);
  EXPECT_EQ(sem.wait(), WaitResult::acquired);
  EXPECT_EQ(sem.try_wait(), WaitResult::timed_out);
  EXPECT_EQ(sem.timed_wait(5ms), WaitResult::timed_out);
  sem.post();
  sem.post();
  sem.post();
  auto other = NodeSemaphore::open(node(), "work").value();
  EXPECT_EQ(other.value(), 3);
  EXPECT_EQ(other.timed_wait(1000ms), WaitResult::acquired);
  EXPECT_EQ(sem.value(), 2);
}

TEST_F(NodeSemaphoreTest, CreateOpenUnlinkErrors) {
  EXPECT_EQ(NodeSemaphore::open(node(), "absent").error(), SemError::missing);
  EXPECT_EQ(NodeSemaphore::create(node(), "").error(), SemError::bad_name);
  EXPECT_EQ(NodeSemaphore::create(node(), "no/slash").error(), SemError::bad_name);
  ASSERT_TRUE(NodeSemaphore::create(node(), "udplso:2"));
  EXPECT_EQ(NodeSemaphore::create(node(), "udplso:2").error(), SemError::exists);
  EXPECT_TRUE(NodeSemaphore::unlink(node(), "udplso:2"));
  EXPECT_EQ(NodeSemaphore::unlink(node(), "udplso:2").error(), SemError::missing);
}

TEST_F(NodeSemaphoreTest, EndWakesEveryWaiterInEveryProcess) {
  auto sem = NodeSemaphore::create(node(), "span").value();
  constexpr int kChildren = 3;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  std::vector<pid_t> pids;
  for (int i = 0; i < kChildren; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto mine = NodeSemaphore::open(node(), "span");
      if (!mine) ::_exit(3);
      const char c = 'w';
      if (::write(ready[1], &c, 1) != 1) ::_exit(4);
      ::_exit(mine.value().wait() == WaitResult::ended ? 0 : 5);
    }
    pids.push_back(pid);
  }
  for (int i = 0; i < kChildren; ++i) {
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
  }
  // A thread waiter in this process too, with a timed wait.
  WaitResult threaded = WaitResult::acquired;
  std::thread t([&] { threaded = sem.timed_wait(60s); });
  sem.end();
  t.join();
  EXPECT_EQ(threaded, WaitResult::ended);
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_TRUE(sem.is_ended());
  EXPECT_EQ(sem.try_wait(), WaitResult::ended);
  EXPECT_EQ(NodeSemaphore::open(node(), "span").value().wait(), WaitResult::ended);
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_F(NodeSemaphoreTest, ListAndUnlinkAllCoverOnlyThisNode) {
  testing::TempDir other_dir;
  const auto other = NodeDir::at(other_dir.path()).value();
  ASSERT_TRUE(NodeSemaphore::create(node(), "a"));
  ASSERT_TRUE(NodeSemaphore::create(node(), "b"));
  ASSERT_TRUE(NodeSemaphore::create(other, "a"));
  auto names = NodeSemaphore::list(node());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(NodeSemaphore::unlink_all(node()), 2);
  EXPECT_TRUE(NodeSemaphore::list(node()).empty());
  EXPECT_EQ(NodeSemaphore::list(other).size(), 1u);
  EXPECT_EQ(NodeSemaphore::unlink_all(other), 1);
}

TEST_F(NodeSemaphoreTest, ModeIs0600Or0660WhateverTheUmask) {
  const mode_t old = ::umask(0);
  ASSERT_TRUE(NodeSemaphore::create(node(), "private"));
  EXPECT_EQ(shm_mode(NodeSemaphore::object_name(node(), "private")), 0600u);
  ::umask(077);
  ASSERT_TRUE(NodeSemaphore::create(node(), "group", {.group_access = true}));
  EXPECT_EQ(shm_mode(NodeSemaphore::object_name(node(), "group")), 0660u);
  ::umask(old);
}

}  // namespace
}  // namespace ltp::ipc
