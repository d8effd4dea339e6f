// Attach-time validation and permissions: missing, truncated, garbage,
// wrong-version and resized heap files are refused with a clear error and
// never mapped as valid; files are created 0600 (0660 on request) whatever
// the umask; the file's blocks are reserved at create, and a prefaulting
// attach maps every page.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "ipc/heap.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"

namespace ltp::ipc {
namespace {

class HeapAttachTest : public ::testing::Test {
 protected:
  std::filesystem::path path() const { return dir_.path() / "sdr.heap"; }
  void create() { ASSERT_TRUE(Heap::create(path(), {.size = 1 << 20, .log_size = 64 << 10})); }
  void patch(std::size_t offset, const void* bytes, std::size_t len) {
    std::fstream f(path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(len));
  }
  HeapError attach_error() {
    auto r = Heap::attach(path());
    EXPECT_FALSE(r);
    return r ? HeapError::io_error : r.error();
  }
  testing::TempDir dir_;
};

// Resident KiB of this process's mapping that starts at `base` (smaps).
std::uint64_t resident_kib(const void* base) {
  std::ifstream smaps("/proc/self/smaps");
  const auto start = reinterpret_cast<std::uintptr_t>(base);
  bool ours = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t from = 0;
    if (std::istringstream(line) >> std::hex >> from && line.find('-') != std::string::npos &&
        line.find(':') > line.find('-')) {
      ours = from == start;
    } else if (ours && line.starts_with("Rss:")) {
      return std::stoull(line.substr(4));
    }
  }
  return 0;
}

TEST_F(HeapAttachTest, CreateReservesTheFileAndPrefaultMapsEveryPage) {
  constexpr std::uint64_t kSize = 8 << 20;
  ASSERT_TRUE(Heap::create(path(), {.size = kSize, .log_size = 64 << 10}));
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_GE(static_cast<std::uint64_t>(st.st_blocks) * 512, kSize);  // not sparse

  auto plain = Heap::attach(path()).value();
  auto prefaulted = Heap::attach(path(), {.prefault = true}).value();
  const auto base_of = [](Heap& heap) {
    auto txn = heap.begin().value();
    const void* base = txn.bytes(0, 1).data();
    EXPECT_TRUE(txn.commit());
    return base;
  };
  prefaulted->finish_prefault();
  EXPECT_LT(resident_kib(base_of(*plain)), kSize / 1024 / 2);
  EXPECT_GE(resident_kib(base_of(*prefaulted)), kSize / 1024);
}

TEST_F(HeapAttachTest, MissingHeapSaysHowToCreateOne) {
  EXPECT_EQ(attach_error(), HeapError::heap_missing);
  EXPECT_NE(to_string(HeapError::heap_missing).find("create"), std::string_view::npos);
}

TEST_F(HeapAttachTest, CreateRefusesToOverwrite) {
  create();
  EXPECT_EQ(Heap::create(path()).error(), HeapError::heap_exists);
}

TEST_F(HeapAttachTest, UnusableOptionsAreRefused) {
  EXPECT_EQ(Heap::create(path(), {.size = 1 << 20, .log_size = 1 << 20}).error(),
            HeapError::bad_options);
  EXPECT_EQ(Heap::create(path(), {.size = 1 << 20, .log_size = 1024}).error(),
            HeapError::bad_options);
}

TEST_F(HeapAttachTest, TruncatedFileIsRefused) {
  create();
  std::filesystem::resize_file(path(), 512 << 10);
  EXPECT_EQ(attach_error(), HeapError::truncated);
  std::filesystem::resize_file(path(), 100);
  EXPECT_EQ(attach_error(), HeapError::truncated);
  std::filesystem::resize_file(path(), 0);
  EXPECT_EQ(attach_error(), HeapError::bad_magic);
}

TEST_F(HeapAttachTest, GrownFileIsRefused) {
  create();
  std::filesystem::resize_file(path(), 2 << 20);
  EXPECT_EQ(attach_error(), HeapError::bad_geometry);
}

TEST_F(HeapAttachTest, GarbageIsRefused) {
  std::vector<char> junk(1 << 20);
  std::mt19937 rng(5);
  for (auto& c : junk) c = static_cast<char>(rng());
  std::ofstream(path(), std::ios::binary)
      .write(junk.data(), static_cast<std::streamsize>(junk.size()));
  EXPECT_EQ(attach_error(), HeapError::bad_magic);
}

TEST_F(HeapAttachTest, WrongVersionIsRefused) {
  create();
  const std::uint32_t version = format::kVersion + 1;
  patch(offsetof(format::HeapHeader, version), &version, sizeof version);
  EXPECT_EQ(attach_error(), HeapError::bad_version);
}

TEST_F(HeapAttachTest, TamperedGeometryIsRefused) {
  create();
  const std::uint64_t log_size = 128 << 10;
  patch(offsetof(format::HeapHeader, log_size), &log_size, sizeof log_size);
  EXPECT_EQ(attach_error(), HeapError::bad_geometry);
}

TEST_F(HeapAttachTest, CorruptUndoLogIsRefusedNotApplied) {
  create();
  // A non-empty log whose entry points into the header geometry.
  const std::uint64_t used = 24;
  const std::uint64_t entry[3] = {0, 8, 0};
  patch(format::kHeaderBytes, &used, sizeof used);
  patch(format::kHeaderBytes + sizeof(format::LogHeader), entry, sizeof entry);
  EXPECT_EQ(attach_error(), HeapError::bad_geometry);
}

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST_F(HeapAttachTest, HeapFileIsPrivateWhateverTheUmask) {
  const mode_t old = ::umask(0);
  ASSERT_TRUE(Heap::create(path(), {.size = 1 << 20, .log_size = 64 << 10}));
  EXPECT_EQ(mode_of(path()), 0600u);
  std::filesystem::remove(path());
  ::umask(077);
  ASSERT_TRUE(Heap::create(path(), {.size = 1 << 20, .log_size = 64 << 10, .group_access = true}));
  EXPECT_EQ(mode_of(path()), 0660u);
  ::umask(old);
}

}  // namespace
}  // namespace ltp::ipc
