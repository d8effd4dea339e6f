// Key files for ionsecadmin's `a|c key`: raw bytes, and every kind of
// file that must be refused before a byte is read.
#include "libltp/admin/key_file.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "ipc/testing/temp_dir.h"
#include "libltp/db/security_records.h"

namespace ltp::admin {
namespace {

using ::testing::HasSubstr;

class KeyFileTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& bytes,
                              ::mode_t mode = 0600) {
    const auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  static std::string text(const KeyBytes& key) {
    return std::string(key.view().begin(), key.view().end());
  }

  ipc::testing::TempDir dir_;
};

TEST_F(KeyFileTest, ReadsTheRawBytesNewlineIncluded) {
  // As ION: `echo secret > f` makes a 7-byte key.
  auto key = read_key_file(write("k", "secret\n"));
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(text(key.value()), "secret\n");

  const std::string binary("\0\xff\x01 \t\r\n", 7);
  auto raw = read_key_file(write("raw", binary, 0400));
  ASSERT_TRUE(raw) << raw.error();
  EXPECT_EQ(text(raw.value()), binary);
}

TEST_F(KeyFileTest, TheLargestKeyFitsAndOneByteMoreIsRefused) {
  auto largest = read_key_file(write("max", std::string(db::kMaxKeyBytes, 'k')));
  ASSERT_TRUE(largest) << largest.error();
  EXPECT_EQ(largest.value().view().size(), db::kMaxKeyBytes);

  const auto path = write("big", std::string(db::kMaxKeyBytes + 1, 'k'));
  auto big = read_key_file(path);
  ASSERT_FALSE(big);
  EXPECT_THAT(big.error(), HasSubstr(path.string()));
  EXPECT_THAT(big.error(), HasSubstr("257 bytes; a key is at most 256 bytes"));
}

TEST_F(KeyFileTest, AFileOthersCanReachIsRefusedWithTheChmodToRun) {
  for (::mode_t mode : {0644, 0640, 0604, 0660, 0606, 0620, 0602, 0610, 0601, 0666, 0777}) {
    SCOPED_TRACE(mode);
    const auto path = write("shared", "secret", mode);
    auto key = read_key_file(path);
    ASSERT_FALSE(key);
    EXPECT_THAT(key.error(), HasSubstr(path.string()));
    EXPECT_THAT(key.error(), HasSubstr("chmod 600 " + path.string()));
    EXPECT_THAT(key.error(), HasSubstr(fmt::format("mode {:04o}", mode)));
  }
  // The owner's own bits do not matter.
  EXPECT_TRUE(read_key_file(write("owner", "secret", 0700)));
}

TEST_F(KeyFileTest, AnEmptyFileIsRefused) {
  const auto path = write("empty", "");
  auto key = read_key_file(path);
  ASSERT_FALSE(key);
  EXPECT_THAT(key.error(), HasSubstr(path.string() + " is empty"));
}

TEST_F(KeyFileTest, WhatIsNotARegularFileIsRefusedWithoutHanging) {
  const auto fifo = dir_.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto sub = dir_.path() / "sub";
  std::filesystem::create_directory(sub);
  ::chmod(sub.c_str(), 0700);
  for (const auto& path : {fifo, sub, std::filesystem::path("/dev/null")}) {
    SCOPED_TRACE(path);
    auto key = read_key_file(path);
    ASSERT_FALSE(key);
    EXPECT_THAT(key.error(), HasSubstr(path.string() + " is not a regular file"));
  }
}

TEST_F(KeyFileTest, AMissingFileIsNamed) {
  const auto path = dir_.path() / "missing";
  auto key = read_key_file(path);
  ASSERT_FALSE(key);
  EXPECT_THAT(key.error(), HasSubstr("cannot open the key file " + path.string()));
}

TEST_F(KeyFileTest, ARelativePathIsRelativeToTheCurrentDirectory) {
  write("rel", "relative");
  const auto before = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  auto key = read_key_file("rel");
  std::filesystem::current_path(before);
  ASSERT_TRUE(key) << key.error();
  EXPECT_EQ(text(key.value()), "relative");
}

}  // namespace
}  // namespace ltp::admin
