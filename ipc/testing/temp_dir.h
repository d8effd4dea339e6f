// TempDir: a private scratch directory for one test, removed with all its
// contents when the test ends. Tests create heaps, node dirs and logs only
// in here so parallel test runs and other engineers never collide.
//
// With OPENLTP_KEEP_TEST_DIRS=DIR in the environment, every TempDir is made
// under DIR and kept, so the heaps the tests leave can be inspected
// afterwards (e.g. `sdrwatch --check --node DIR/openltp-test-XXXXXX`).
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace ltp::ipc::testing {

class TempDir {
 public:
  // `base` is where to make the directory; empty means the system's
  // temporary directory.
  explicit TempDir(const std::filesystem::path& base = {}) {
    std::filesystem::path where = base;
    if (const char* keep = std::getenv("OPENLTP_KEEP_TEST_DIRS"); keep != nullptr && *keep) {
      where = keep;
      keep_ = true;
    }
    std::error_code ec;
    if (where.empty()) where = std::filesystem::temp_directory_path(ec);
    std::string pattern = (where / "openltp-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "TempDir: cannot create a directory in %s\n", where.c_str());
      std::abort();
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (keep_) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace ltp::ipc::testing
