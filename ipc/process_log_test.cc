// The node log under a kill and under several writers: every line logged
// before a SIGKILL is in the file, whole, and lines of concurrent
// processes never interleave mid-line; the file is private to its owner.
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "ipc/process_log.h"
#include "ipc/testing/temp_dir.h"

namespace ltp::ipc {
namespace {

constexpr int kLines = 400;

// In a child: logs kLines info lines of `tag` (long enough that stdio would
// have split them across buffer flushes), then dies by SIGKILL.
pid_t spawn_writer(const NodeDir& node, char tag) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  setup_process_log(node, std::string("writer-") + tag);
  const std::string filler(300, tag);
  for (int i = 0; i < kLines; ++i) spdlog::info("line {} {} end", i, filler);
  ::raise(SIGKILL);
  ::_exit(1);
}

TEST(ProcessLogTest, EveryLineOfKilledWritersArrivesWholeAndThePrivateModeHolds) {
  testing::TempDir dir;
  const NodeDir node = NodeDir::resolve(dir.path().string()).value();
  std::vector<pid_t> writers;
  for (char tag : {'a', 'b', 'c'}) writers.push_back(spawn_writer(node, tag));
  for (pid_t pid : writers) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }

  struct stat st {};
  ASSERT_EQ(::stat(node.log_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::regex whole(R"(.*\[writer-([abc]):\d+\] info: line (\d+) ([abc]{300}) end)");
  std::map<char, std::vector<bool>> seen;
  std::ifstream in(node.log_path());
  std::string line;
  int torn = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, whole) || m[3].str() != std::string(300, m[1].str()[0])) {
      ++torn;
      continue;
    }
    auto& lines = seen[m[1].str()[0]];
    lines.resize(kLines);
    lines[std::stoi(m[2].str())] = true;
  }
  EXPECT_EQ(torn, 0);
  for (char tag : {'a', 'b', 'c'}) {
    auto& lines = seen[tag];
    lines.resize(kLines);
    EXPECT_EQ(std::count(lines.begin(), lines.end(), true), kLines) << "writer " << tag;
  }
}

}  // namespace
}  // namespace ltp::ipc
