// NodeDir and process-log tests: resolution order, names that differ per
// node and agree across spellings of one directory, and the log file.
#include "ipc/node_dir.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <fstream>

#include "ipc/process_log.h"
#include "ipc/testing/temp_dir.h"

namespace ltp::ipc {
namespace {

using testing::TempDir;

TEST(NodeDirTest, OptionBeatsEnvironmentBeatsCurrentDirectory) {
  TempDir a, b, c;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(c.path());
  ::setenv("LTP_NODE_DIR", b.path().c_str(), 1);
  EXPECT_EQ(NodeDir::resolve(a.path().string()).value().dir(),
            std::filesystem::canonical(a.path()));
  EXPECT_EQ(NodeDir::resolve(std::nullopt).value().dir(), std::filesystem::canonical(b.path()));
  ::unsetenv("LTP_NODE_DIR");
  EXPECT_EQ(NodeDir::resolve(std::nullopt).value().dir(), std::filesystem::canonical(c.path()));
  std::filesystem::current_path(cwd);
}

TEST(NodeDirTest, MissingOrNonDirectoryIsRefused) {
  TempDir a;
  EXPECT_EQ(NodeDir::at(a.path() / "nope").error(), NodeDirError::not_found);
  std::ofstream(a.path() / "file") << "x";
  EXPECT_EQ(NodeDir::at(a.path() / "file").error(), NodeDirError::not_a_directory);
}

TEST(NodeDirTest, NamesDifferPerNodeAndAgreeAcrossSpellings) {
  TempDir a, b;
  const auto na = NodeDir::at(a.path()).value();
  const auto nb = NodeDir::at(b.path()).value();
  EXPECT_NE(na.ipc_prefix(), nb.ipc_prefix());
  std::filesystem::create_directory_symlink(a.path(), b.path() / "link");
  const auto via_link = NodeDir::at(b.path() / "link" / ".").value();
  EXPECT_EQ(via_link.ipc_prefix(), na.ipc_prefix());
  EXPECT_EQ(na.heap_path(), na.dir() / "sdr.heap");
  EXPECT_EQ(na.log_path(), na.dir() / "ltp.log");
  EXPECT_EQ(na.ipc_prefix().rfind("oltp-", 0), 0u);
}

TEST(ProcessLogTest, WritesToTheNodeLog) {
  TempDir a;
  const auto node = NodeDir::at(a.path()).value();
  setup_process_log(node, "logtest");
  spdlog::warn("hello from the test");
  spdlog::default_logger()->flush();
  std::ifstream in(node.log_path());
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("hello from the test"), std::string::npos);
  EXPECT_NE(all.find("logtest"), std::string::npos);
  spdlog::set_default_logger(spdlog::stderr_color_mt("restored"));
}

}  // namespace
}  // namespace ltp::ipc
