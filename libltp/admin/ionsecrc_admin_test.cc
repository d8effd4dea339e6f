// ionsecadmin's language: keys load from files, listings never show a
// value, bad lines change nothing, ION's public-key commands are skipped.
#include "libltp/admin/ionsecrc_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "ipc/testing/heap_fixture.h"
#include "libltp/admin/admin_test_dump.h"
#include "libltp/admin/ltpsecrc_admin.h"
#include "libltp/db/security_db.h"

namespace ltp::admin {
namespace {

using testing::dump;
using ::testing::HasSubstr;
using ::testing::Not;

class IonsecrcAdminTest : public ipc::testing::HeapFixture {
 protected:
  Result<std::vector<LineOutcome>, Diagnostic> run(std::string_view text) {
    IonsecrcAdmin admin(*heap_);
    std::istringstream in{std::string(text)};
    return admin.run_stream("node.ionsecrc", in);
  }
  Result<std::vector<LineOutcome>, Diagnostic> run_ltpsecrc(std::string_view text) {
    LtpsecrcAdmin admin(*heap_);
    std::istringstream in{std::string(text)};
    return admin.run_stream("node.ltpsecrc", in);
  }

  std::string key_file(const std::string& name, const std::string& bytes, ::mode_t mode = 0600) {
    const auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path.string();
  }

  static std::string all_text(const std::vector<LineOutcome>& outcomes) {
    std::string text;
    for (const auto& o : outcomes) text += o.text;
    return text;
  }
};

TEST_F(IonsecrcAdminTest, KeysLoadFromFilesAndListingsShowOnlyNamesAndLengths) {
  const auto k1 = key_file("k1.key", "secret-one\n");
  const auto k2 = key_file("k2.key", std::string(32, 'z'));
  auto out =
      run("# keys for LTP authentication\n"
          "1\n"
          "a key k1 " +
          k1 +
          "\n"
          "a key k2 " +
          k2 +
          "\n"
          "l key\n"
          "i key k1\n");
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(all_text(out.value()),
            "key 'k1': 11 bytes\n"
            "key 'k2': 32 bytes\n"
            "key 'k1': 11 bytes\n");
  // The value, newline included, is in the heap (the dump shows it in hex).
  EXPECT_THAT(dump(*heap_), HasSubstr("key 'k1' 7365637265742d6f6e650a\n"));
}

TEST_F(IonsecrcAdminTest, ChangeAndDeleteAKey) {
  const auto a = key_file("a.key", "aaaa");
  const auto b = key_file("b.key", "bb");
  ASSERT_TRUE(run("1\na key k " + a + "\nc key k " + b + "\n"));
  EXPECT_THAT(dump(*heap_), HasSubstr("key 'k' 6262\n"));
  auto out = run("d key k\nl key\n");
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(all_text(out.value()), "no keys\n");
}

TEST_F(IonsecrcAdminTest, TheFirstWriteCreatesTheDatabaseAndOneMayBeRepeated) {
  auto empty = run("l key\n");
  ASSERT_TRUE(empty) << empty.error().to_string();
  EXPECT_EQ(all_text(empty.value()), "no keys\n");
  EXPECT_THAT(dump(*heap_), Not(HasSubstr("security database")));
  ASSERT_TRUE(run("1\n1\n"));
  EXPECT_THAT(dump(*heap_), HasSubstr("security database"));
  ASSERT_TRUE(run("a key k " + key_file("k", "x") + "\n"));
}

TEST_F(IonsecrcAdminTest, PublicKeyCommandsAreAcceptedAndIgnored) {
  const std::string before = dump(*heap_);
  auto out = run("a pubkey 2 0 0 4 01020304\nd pubkey 2 0\ni pubkey 2 0\nl pubkey\nc pubkey x\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 5u);
  EXPECT_EQ(out.value()[0].text, "`a pubkey` ignored: RSA public keys are not used by OpenLTP\n");
  EXPECT_EQ(dump(*heap_), before);
}

TEST_F(IonsecrcAdminTest, ToolActionsComeBackInOrderAndQEndsTheRun) {
  auto out = run("e 1\nv\nh\nq\n1\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 4u);
  EXPECT_TRUE(std::get<SetEcho>(*out.value()[0].action).on);
  EXPECT_TRUE(std::holds_alternative<ShowVersion>(*out.value()[1].action));
  EXPECT_THAT(out.value()[2].text, HasSubstr("a key <key name> <file>"));
  EXPECT_TRUE(std::holds_alternative<Quit>(*out.value()[3].action));
  EXPECT_THAT(dump(*heap_), Not(HasSubstr("security database"))) << "the `1` after `q` ran";
}

TEST_F(IonsecrcAdminTest, EveryKindOfBadLineIsRefusedAndChangesNothing) {
  const auto good = key_file("good.key", "good");
  ASSERT_TRUE(run("1\na key k1 " + good + "\na key k2 " + good + "\n"));
  ASSERT_TRUE(run_ltpsecrc("a ltprecvauthrule 7 0 k2\n"));
  const std::string before = dump(*heap_);
  const auto shared = key_file("shared.key", "secret", 0644);
  const auto empty = key_file("empty.key", "");
  const auto big = key_file("big.key", std::string(257, 'b'));
  struct Case {
    std::string line;
    std::string reason;
  } cases[] = {
      {"a key k1 " + good, "a key named `k1` already exists; use `c key`"},
      {"a key k3 " + shared, "chmod 600 " + shared},
      {"c key k1 " + shared, "chmod 600 " + shared},
      {"a key k3 " + empty, "is empty"},
      {"a key k3 " + big, "at most 256 bytes"},
      {"a key k3 " + (dir_.path() / "missing").string(), "cannot open the key file"},
      {"a key k3 " + dir_.path().string(), "not a regular file"},
      {"c key nosuch " + good, "no key named `nosuch`"},
      {"d key nosuch", "no key named `nosuch`"},
      {"i key nosuch", "no key named `nosuch`"},
      {"d key k2", "used by the ltprecvauthrule for engine 7"},
      {"a key k3", "too few arguments"},
      {"a key k3 " + good + " extra", "too many arguments"},
      {"a key 'two words' " + good, "key name `two words`"},
      {"a key " + std::string(32, 'n') + " " + good, "1 to 31 printable characters"},
      {"l key extra", "too many arguments"},
      {"1 2", "too many arguments"},
      {"e 2", "not 0 or 1"},
      {"x", "unknown ionsecrc command"},
      {"a bogus", "unknown ionsecrc command `a bogus`"},
  };
  for (const auto& c : cases) {
    auto out = run("# a bad line follows\n" + c.line + "\nd key k1\n");
    ASSERT_FALSE(out) << c.line;
    EXPECT_EQ(out.error().line, 2u) << c.line;
    EXPECT_THAT(out.error().message, HasSubstr(c.reason)) << c.line;
    EXPECT_EQ(dump(*heap_), before) << c.line;
  }
}

TEST_F(IonsecrcAdminTest, AFailedFirstKeyDoesNotLeaveAnEmptyDatabaseBehind) {
  const std::string before = dump(*heap_);
  auto out = run("a key k " + key_file("shared", "s", 0640) + "\n");
  ASSERT_FALSE(out);
  EXPECT_EQ(dump(*heap_), before);
}

}  // namespace
}  // namespace ltp::admin
