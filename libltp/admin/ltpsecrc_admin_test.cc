// ltpsecadmin's language: rules per engine and direction with their
// ciphersuites and keys, listings with counts, and every bad line refused
// with nothing changed.
#include "libltp/admin/ltpsecrc_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "ipc/testing/heap_fixture.h"
#include "libltp/admin/admin_test_dump.h"
#include "libltp/admin/ionsecrc_admin.h"
#include "libltp/db/security_db.h"

namespace ltp::admin {
namespace {

using testing::dump;
using ::testing::HasSubstr;

class LtpsecrcAdminTest : public ipc::testing::HeapFixture {
 protected:
  void SetUp() override {
    HeapFixture::SetUp();
    const auto path = dir_.path() / "k.key";
    std::ofstream(path, std::ios::trunc) << "0123456789abcdef";
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
    IonsecrcAdmin keys(*heap_);
    std::istringstream in("1\na key k1 " + path.string() + "\na key k2 " + path.string() + "\n");
    ASSERT_TRUE(keys.run_stream("keys.ionsecrc", in));
  }

  Result<std::vector<LineOutcome>, Diagnostic> run(std::string_view text) {
    LtpsecrcAdmin admin(*heap_);
    std::istringstream in{std::string(text)};
    return admin.run_stream("node.ltpsecrc", in);
  }

  std::string text_of(std::string_view lines) {
    auto out = run(lines);
    EXPECT_TRUE(out) << out.error().to_string();
    std::string text;
    if (out) {
      for (const auto& o : out.value()) text += o.text;
    }
    return text;
  }

  // What the engine would have counted.
  void count(db::AuthDirection direction, std::uint64_t engine, std::uint64_t passed,
             std::uint64_t refused) {
    auto txn = begin();
    auto secdb = db::SecurityDb::find(txn).value();
    auto record = txn.modify<db::AuthRuleRecord>(secdb.find_rule(txn, direction, engine).value());
    ASSERT_TRUE(record);
    record.value()->segments_passed = passed;
    record.value()->segments_refused = refused;
    ASSERT_TRUE(txn.commit());
  }
};

TEST_F(LtpsecrcAdminTest, RulesOfEveryCiphersuiteLoadAndList) {
  ASSERT_EQ(text_of("# engine 2 signs with k1, we sign for it with k2\n"
                    "a ltprecvauthrule 2 0 k1\n"
                    "a ltpxmitauthrule 2 0 k2\n"
                    "a ltprecvauthrule 3 192 k2\n"
                    "a ltpxmitauthrule 3 255\n"),
            "");
  EXPECT_EQ(
      text_of("l ltprecvauthrule\nl ltpxmitauthrule\n"),
      "ltprecvauthrule engine 2: ciphersuite 0 (HMAC-SHA1-80), key 'k1'; 0 passed, 0 refused\n"
      "ltprecvauthrule engine 3: ciphersuite 192 (HMAC-SHA256-128), key 'k2'; 0 passed, 0 "
      "refused\n"
      "ltpxmitauthrule engine 2: ciphersuite 0 (HMAC-SHA1-80), key 'k2'; 0 signed\n"
      "ltpxmitauthrule engine 3: ciphersuite 255 (NULL), no key; 0 signed\n");
}

TEST_F(LtpsecrcAdminTest, InfoShowsTheCountsAndAChangeKeepsThem) {
  ASSERT_TRUE(run("a ltprecvauthrule 2 0 k1\na ltpxmitauthrule 2 0 k1\n"));
  count(db::AuthDirection::receive, 2, 1234, 5);
  count(db::AuthDirection::transmit, 2, 99, 0);
  EXPECT_EQ(text_of("i ltprecvauthrule 2\ni ltpxmitauthrule 2\n"),
            "ltprecvauthrule engine 2: ciphersuite 0 (HMAC-SHA1-80), key 'k1'; 1234 passed, 5 "
            "refused\n"
            "ltpxmitauthrule engine 2: ciphersuite 0 (HMAC-SHA1-80), key 'k1'; 99 signed\n");
  EXPECT_EQ(text_of("c ltprecvauthrule 2 192 k2\ni ltprecvauthrule 2\n"),
            "ltprecvauthrule engine 2: ciphersuite 192 (HMAC-SHA256-128), key 'k2'; 1234 passed, "
            "5 refused\n");
  ASSERT_TRUE(run("d ltprecvauthrule 2\n"));
  EXPECT_EQ(text_of("l ltprecvauthrule\n"), "no ltprecvauthrules\n");
  EXPECT_THAT(text_of("l ltpxmitauthrule\n"), HasSubstr("engine 2"));
}

TEST_F(LtpsecrcAdminTest, CookieRulesLoadListAndRefuseWhatMakesNoSense) {
  ASSERT_TRUE(run("a ltpcookierule 2\na ltpcookierule 3\n"));
  EXPECT_EQ(text_of("i ltpcookierule 2\n"),
            "ltpcookierule engine 2: 0 passed, 0 refused; 0 sessions' cookies held\n");
  EXPECT_EQ(text_of("l ltpcookierule\n"),
            "ltpcookierule engine 2: 0 passed, 0 refused; 0 sessions' cookies held\n"
            "ltpcookierule engine 3: 0 passed, 0 refused; 0 sessions' cookies held\n");
  for (const char* bad : {"a ltpcookierule 2\n", "a ltpcookierule 0\n", "a ltpcookierule\n",
                          "a ltpcookierule 2 3\n", "c ltpcookierule 2\n", "d ltpcookierule 9\n",
                          "i ltpcookierule 9\n", "l ltpcookierule 2\n"}) {
    EXPECT_FALSE(run(bad)) << bad;
  }
  ASSERT_TRUE(run("d ltpcookierule 2\nd ltpcookierule 3\n"));
  EXPECT_EQ(text_of("l ltpcookierule\n"), "no ltpcookierules\n");
}

TEST_F(LtpsecrcAdminTest, AKeyNamedWithTheNullCiphersuiteIsIgnoredAloud) {
  auto out = run("a ltprecvauthrule 4 255 k1\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 1u);
  EXPECT_EQ(out.value()[0].text,
            "note: ciphersuite 255 (NULL) uses its published key; key name `k1` ignored\n");
  EXPECT_EQ(text_of("i ltprecvauthrule 4\n"),
            "ltprecvauthrule engine 4: ciphersuite 255 (NULL), no key; 0 passed, 0 refused\n");
  // Not even a key that does not exist is looked up.
  ASSERT_TRUE(run("a ltpxmitauthrule 4 255 nosuchkey\n"));
}

TEST_F(LtpsecrcAdminTest, ToolActionsComeBackAndQEndsTheRun) {
  auto out = run("e 0\nv\n?\nq\na ltprecvauthrule 2 255\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 4u);
  EXPECT_FALSE(std::get<SetEcho>(*out.value()[0].action).on);
  EXPECT_TRUE(std::holds_alternative<ShowVersion>(*out.value()[1].action));
  EXPECT_THAT(out.value()[2].text, HasSubstr("ltpxmitauthrule"));
  EXPECT_TRUE(std::holds_alternative<Quit>(*out.value()[3].action));
  EXPECT_EQ(text_of("l ltprecvauthrule\n"), "no ltprecvauthrules\n");
}

TEST_F(LtpsecrcAdminTest, EveryKindOfBadLineIsRefusedAndChangesNothing) {
  ASSERT_TRUE(run("a ltprecvauthrule 2 0 k1\n"));
  const std::string before = dump(*heap_);
  const char* supported =
      "use 0 (HMAC-SHA1-80), 192 (HMAC-SHA256-128, OpenLTP peers only) or "
      "255 (NULL)";
  struct Case {
    std::string line;
    std::string reason;
  } cases[] = {
      {"a ltprecvauthrule 3 1 k1",
       std::string("ciphersuite 1 (RSA-SHA256) is not supported by OpenLTP: ") + supported},
      {"a ltprecvauthrule 3 7 k1",
       std::string("ciphersuite 7 is not one OpenLTP knows: ") + supported},
      {"a ltprecvauthrule 3 256 k1", "ciphersuite"},
      {"a ltprecvauthrule 3 x k1", "ciphersuite"},
      {"a ltprecvauthrule 3 0", "ciphersuite 0 (HMAC-SHA1-80) needs a key name"},
      {"a ltpxmitauthrule 3 192", "ciphersuite 192 (HMAC-SHA256-128) needs a key name"},
      {"a ltprecvauthrule 3 0 nokey", "no key named `nokey`: add it first with ionsecadmin"},
      {"a ltprecvauthrule 2 0 k2",
       "there is already an ltprecvauthrule for engine 2; use `c "
       "ltprecvauthrule`"},
      {"c ltprecvauthrule 9 0 k1", "no ltprecvauthrule for engine 9"},
      {"c ltpxmitauthrule 2 0 k1", "no ltpxmitauthrule for engine 2"},
      {"c ltprecvauthrule 2 0 nokey", "no key named `nokey`"},
      {"d ltprecvauthrule 9", "no ltprecvauthrule for engine 9 (`l ltprecvauthrule` lists them)"},
      {"i ltpxmitauthrule 2", "no ltpxmitauthrule for engine 2"},
      {"a ltprecvauthrule 0 255", "engine number"},
      {"a ltprecvauthrule 3x 255", "engine number"},
      {"a ltprecvauthrule 3", "too few arguments"},
      {"a ltprecvauthrule 3 0 k1 extra", "too many arguments"},
      {"d ltprecvauthrule", "too few arguments"},
      {"l ltprecvauthrule 2", "too many arguments"},
      {"a ltprecvauthrule 3 0 'two words'", "key name `two words`"},
      {"e", "too few arguments"},
      {"1", "unknown ltpsecrc command"},
      {"a ltpauthrule 2 0 k1", "unknown ltpsecrc command `a ltpauthrule`"},
  };
  for (const auto& c : cases) {
    auto out = run("# a bad line follows\n" + c.line + "\nd ltprecvauthrule 2\n");
    ASSERT_FALSE(out) << c.line;
    EXPECT_EQ(out.error().line, 2u) << c.line;
    EXPECT_THAT(out.error().message, HasSubstr(c.reason)) << c.line;
    EXPECT_EQ(dump(*heap_), before) << c.line;
  }
}

TEST_F(LtpsecrcAdminTest, ANodeWithoutASecurityDatabaseHasNoRules) {
  create_and_attach(ipc::HeapCreateOptions{.size = 16 << 20, .log_size = 1 << 20});
  EXPECT_EQ(text_of("l ltprecvauthrule\nl ltpxmitauthrule\n"),
            "no ltprecvauthrules\nno ltpxmitauthrules\n");
  auto info = run("i ltprecvauthrule 2\n");
  ASSERT_FALSE(info);
  EXPECT_THAT(info.error().message, HasSubstr("no ltprecvauthrule for engine 2"));
  // A NULL-suite rule needs no key, so no ionsecadmin either.
  ASSERT_TRUE(run("a ltprecvauthrule 2 255\n"));
  EXPECT_THAT(dump(*heap_), HasSubstr("rule rx 2 255 '' 0 0\n"));
}

}  // namespace
}  // namespace ltp::admin
