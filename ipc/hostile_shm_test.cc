// What another local user (or a crash during creation) can leave in
// /dev/shm under a node's names: each object is refused within a bounded
// time with its own error, never waited on; a leftover of our own is
// replaced by the next create.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "ipc/node_semaphore.h"
#include "ipc/testing/node_fixture.h"
#include "ipc/volatile_segment.h"

namespace ltp::ipc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uid_t kNobody = 65534;

class HostileShmTest : public testing::NodeFixture {
 protected:
  void TearDown() override {
    for (const auto& name : made_) ::shm_unlink(("/" + name).c_str());
    NodeFixture::TearDown();
  }
  // /dev/shm/NAME of `size` zero bytes, made by `uid` with `mode`.
  void plant(const std::string& name, off_t size, uid_t uid, mode_t mode) {
    made_.push_back(name);
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (uid != ::geteuid() && ::setuid(uid) != 0) ::_exit(3);
      const int fd = ::shm_open(("/" + name).c_str(), O_CREAT | O_EXCL | O_RDWR, mode);
      if (fd < 0 || ::fchmod(fd, mode) != 0 || ::ftruncate(fd, size) != 0) ::_exit(4);
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "could not plant " << name;
  }
  static bool root() { return ::geteuid() == 0; }
  std::vector<std::string> made_;
};

template <class F>
auto timed(F&& f, std::chrono::milliseconds& took) {
  const auto start = Clock::now();
  auto r = f();
  took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return r;
}

TEST_F(HostileShmTest, AnEmptyOrTruncatedSegmentLeftByACrashIsCorruptNotAHang) {
  for (const off_t size : {off_t{0}, off_t{48}, off_t{1} << 20}) {
    SCOPED_TRACE(size);
    plant(VolatileSegment::name(node()), size, ::geteuid(), 0600);
    std::chrono::milliseconds took{};
    auto opened = timed([&] { return VolatileSegment::open(node(), 1); }, took);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), ShmError::corrupt);
    EXPECT_LT(took.count(), 1500);
    // The next start replaces it.
    EXPECT_TRUE(VolatileSegment::create(node(), 1, {.size = 1 << 20}));
    EXPECT_TRUE(VolatileSegment::open(node(), 1));
    VolatileSegment::remove(node());
  }
}

TEST_F(HostileShmTest, ASegmentAnotherUserMadeIsRefused) {
  if (!root()) GTEST_SKIP() << "needs root to act as another user";
  for (const mode_t mode : {mode_t{0600}, mode_t{0666}}) {
    SCOPED_TRACE(mode);
    plant(VolatileSegment::name(node()), 1 << 20, kNobody, mode);
    // Root may open anything: the owner check is what refuses it.
    std::chrono::milliseconds took{};
    auto opened = timed([&] { return VolatileSegment::open(node(), 1); }, took);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), ShmError::foreign);
    EXPECT_LT(took.count(), 1000);
    ::shm_unlink(("/" + VolatileSegment::name(node())).c_str());
  }
}

TEST_F(HostileShmTest, OurSegmentOpenToEveryUserIsRefused) {
  ASSERT_TRUE(VolatileSegment::create(node(), 1, {.size = 1 << 20}));
  ASSERT_EQ(::chmod(("/dev/shm/" + VolatileSegment::name(node())).c_str(), 0666), 0);
  EXPECT_EQ(VolatileSegment::open(node(), 1).error(), ShmError::foreign);
}

TEST_F(HostileShmTest, ASemaphoreAnotherUserMadeIsRefused) {
  if (!root()) GTEST_SKIP() << "needs root to act as another user";
  const std::string object = NodeSemaphore::object_name(node(), "notice-9");
  plant(object, 4096, kNobody, 0666);
  EXPECT_EQ(NodeSemaphore::create(node(), "notice-9").error(), SemError::exists);
  EXPECT_EQ(NodeSemaphore::open(node(), "notice-9").error(), SemError::foreign);
}

}  // namespace
}  // namespace ltp::ipc
