// sdrwatch end to end: runs the built program against real node
// directories and checks its output and exit codes (0 ok, 1 failure,
// 2 usage).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "ipc/heap.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

struct ProgramRun {
  int exit_code;
  std::string output;
};

ProgramRun sdrwatch(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " SDRWATCH_PATH " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ProgramRun run{-1, {}};
  std::array<char, 4096> buf;
  while (std::fgets(buf.data(), buf.size(), p)) run.output += buf.data();
  const int status = ::pclose(p);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class SdrwatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Heap::create(heap_path(), {.size = 8 << 20, .log_size = 256 << 10}));
    auto heap = Heap::attach(heap_path()).value();
    auto txn = heap->begin().value();
    auto list = PList::create(txn).value();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(list.push_back(txn, i));
    auto map = PHashMap::create(txn).value();
    ASSERT_TRUE(map.insert(txn, 1, 2));
    ASSERT_TRUE(txn.set_root("db", list.header()));
    list_ = list.header();
    ASSERT_TRUE(txn.commit());
  }
  std::filesystem::path heap_path() const { return dir_.path() / "sdr.heap"; }
  std::string node_arg() const { return "--node " + dir_.path().string(); }
  testing::TempDir dir_;
  Addr list_ = 0;
};

TEST_F(SdrwatchTest, HelpAndUsageErrors) {
  EXPECT_EQ(sdrwatch("--help").exit_code, 0);
  EXPECT_NE(sdrwatch("--help").output.find("--check"), std::string::npos);
  const ProgramRun bad = sdrwatch("--bogus");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--help"), std::string::npos);
  EXPECT_EQ(sdrwatch(node_arg() + " extra").exit_code, 2);
}

TEST_F(SdrwatchTest, ReportsSizesAndCounts) {
  const ProgramRun r = sdrwatch(node_arg());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* field : {"heap size:", "bytes in use:", "largest free block:", "objects:"}) {
    EXPECT_NE(r.output.find(field), std::string::npos) << field;
  }
  EXPECT_NE(r.output.find("lists 1, hash maps 1, ordered maps 0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("db = "), std::string::npos);
}

TEST_F(SdrwatchTest, NodeFromEnvironmentAndCurrentDirectory) {
  EXPECT_EQ(sdrwatch("", "LTP_NODE_DIR=" + dir_.path().string()).exit_code, 0);
  EXPECT_EQ(sdrwatch("", "cd " + dir_.path().string() + " && LTP_NODE_DIR=").exit_code, 0);
}

TEST_F(SdrwatchTest, CheckPassesOnAHealthyHeap) {
  const ProgramRun r = sdrwatch(node_arg() + " --check");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("check: OK"), std::string::npos);
}

TEST_F(SdrwatchTest, CheckFindsACorruptContainer) {
  // Point the list's tail somewhere wrong (offset 8 in the header after
  // the registry links: head, tail, count).
  {
    std::fstream f(heap_path(), std::ios::in | std::ios::out | std::ios::binary);
    const std::uint64_t count = 3;
    f.seekp(static_cast<std::streamoff>(list_ + 24 + 16));
    f.write(reinterpret_cast<const char*>(&count), sizeof count);
  }
  const ProgramRun r = sdrwatch(node_arg() + " --check");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("list"), std::string::npos) << r.output;
}

TEST_F(SdrwatchTest, CheckFindsADamagedBlockTag) {
  {
    std::fstream f(heap_path(), std::ios::in | std::ios::out | std::ios::binary);
    const std::uint64_t bogus = 48 | 1;
    f.seekp(static_cast<std::streamoff>(list_ - 8));
    f.write(reinterpret_cast<const char*>(&bogus), sizeof bogus);
  }
  const ProgramRun r = sdrwatch(node_arg() + " --check");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("block"), std::string::npos) << r.output;
}

TEST_F(SdrwatchTest, MissingHeapSaysHowToCreateOne) {
  testing::TempDir empty;
  const ProgramRun r = sdrwatch("--node " + empty.path().string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("create"), std::string::npos) << r.output;
  EXPECT_EQ(sdrwatch("--node " + (empty.path() / "nope").string()).exit_code, 1);
}

}  // namespace
}  // namespace ltp::ipc
