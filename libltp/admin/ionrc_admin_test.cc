#include "libltp/admin/ionrc_admin.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "ipc/testing/heap_fixture.h"
#include "libltp/admin/admin_test_dump.h"
#include "libltp/admin/ltprc_admin.h"
#include "libltp/admin/values.h"
#include "libltp/db/contact_plan_store.h"
#include "libltp/db/ltp_db.h"

namespace ltp::admin {
namespace {

using testing::dump;

constexpr std::uint64_t kNow = 1'800'000'000'000;  // 2027/01/15-08:00:00

class IonrcAdminTest : public ipc::testing::HeapFixture {
 protected:
  IonrcAdmin admin() {
    return IonrcAdmin(*heap_, [] { return kNow; });
  }
  Result<std::vector<LineOutcome>, Diagnostic> run(std::string_view text) {
    auto ion = admin();
    std::istringstream in{std::string(text)};
    return ion.run_stream("node.ionrc", in);
  }
  db::ContactPlan plan() {
    auto txn = begin();
    return db::ContactPlanStore::open(txn).value().load(txn);
  }
};

TEST_F(IonrcAdminTest, IonStyleFileBuildsTheContactPlan) {
  auto out =
      run("1 2 node2.ionconfig\n"
          "s\n"
          "m horizon +0\n"
          "m clockerr 2\n"
          "a contact +0 +3600 2 3 125000\n"
          "a contact +0 +3600 3 2 125000 0.5\n"
          "a range +0 +3600 2 3 1.5\n"
          "a contact 2027/01/15-09:00:00 2027/01/15-10:00:00 2 3 250000\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StartNode>(*out.value()[0].action));
  const auto p = plan();
  ASSERT_EQ(p.contacts.size(), 3u);
  EXPECT_EQ(p.contacts[0].start_ms, kNow);
  EXPECT_EQ(p.contacts[0].end_ms, kNow + 3'600'000);
  EXPECT_DOUBLE_EQ(p.contacts[1].confidence, 0.5);
  EXPECT_EQ(p.contacts[2].start_ms, kNow + 3'600'000);
  ASSERT_EQ(p.ranges.size(), 1u);
  EXPECT_EQ(p.ranges[0].owlt_ms, 1500u);
  const db::LinkView v = db::link_at(p, 2, 3, kNow + 3'600'000);
  EXPECT_TRUE(v.transmit_up);
  EXPECT_EQ(v.transmit_rate, 250000u);
  EXPECT_FALSE(v.receive_up);
  EXPECT_NE(dump(*heap_).find("node 2 horizon 1800000000000 clockerr 2000"), std::string::npos);
}

// ION's `m` commands for what OpenLTP has not (its bundle agent's
// production and consumption rates, in every ION example) load with a
// note and change nothing.
TEST_F(IonrcAdminTest, IonsOtherManageCommandsAreNotedAndIgnored) {
  ASSERT_TRUE(run("1 2\n"));
  const std::string before = dump(*heap_);
  auto out =
      run("m production 1000000\nm consumption 1000000\nm prod 1\nm usage\n"
          "m clocksync 1\nm alarm 'echo hi'\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 6u);
  EXPECT_NE(out.value()[0].text.find("note: `m production` is ION's"), std::string::npos);
  EXPECT_NE(out.value()[0].text.find("ignored"), std::string::npos);
  EXPECT_EQ(dump(*heap_), before);
}

// ION's `@` moves the time that later relative times count from, for the
// rest of the file; `@ 0` brings it back to now.
TEST_F(IonrcAdminTest, AtSetsWhatRelativeTimesCountFrom) {
  auto out =
      run("1 2\n"
          "@ 2027/01/16-00:00:00\n"
          "a contact +0 +60 2 3 1000\n"
          "@ +3600\n"
          "a contact +0 +60 3 2 1000\n"
          "@ 0\n"
          "a range +0 +60 2 3 1\n");
  ASSERT_TRUE(out) << out.error().to_string();
  const auto p = plan();
  ASSERT_EQ(p.contacts.size(), 2u);
  constexpr std::uint64_t kMidnight = 1'800'057'600'000;  // 2027/01/16-00:00:00
  EXPECT_EQ(p.contacts[0].start_ms, kMidnight);
  EXPECT_EQ(p.contacts[0].end_ms, kMidnight + 60'000);
  EXPECT_EQ(p.contacts[1].start_ms, kMidnight + 3'600'000);
  ASSERT_EQ(p.ranges.size(), 1u);
  EXPECT_EQ(p.ranges[0].start_ms, kNow);
  EXPECT_FALSE(run("@\n"));
  EXPECT_FALSE(run("@ tomorrow\n"));
}

// The rest of ionadmin's commands (region, announcements, brief, echo,
// "is ION up", run a command) load with a note and change nothing; `r`
// runs nothing; `v` shows the version.
TEST_F(IonrcAdminTest, IonsOtherCommandsAreNotedAndIgnored) {
  ASSERT_TRUE(run("1 2\n"));
  const std::string before = dump(*heap_);
  const auto marker = std::filesystem::temp_directory_path() / "openltp-ionrc-r-ran";
  std::filesystem::remove(marker);
  auto out = run("^ 5\n! 1\nb\ne 1\nt p 5\nr 'touch " + marker.string() + "'\nv\n");
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 7u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_NE(out.value()[i].text.find("ignored"), std::string::npos) << out.value()[i].text;
  }
  EXPECT_NE(out.value()[5].text.find("runs no command"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<ShowVersion>(*out.value()[6].action));
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(dump(*heap_), before);
}

TEST_F(IonrcAdminTest, LtprcTakesTheOwnEngineFromTheNode) {
  ASSERT_TRUE(run("1 7\n"));
  LtprcAdmin ltp(*heap_);
  ASSERT_TRUE(ltp.run_line("node.ltprc", 1, "1 10"));
  auto txn = begin();
  EXPECT_EQ(db::LtpDb::open(txn).value().own_engine_id(txn), 7u);
}

TEST_F(IonrcAdminTest, ChangeDeleteInfoAndList) {
  ASSERT_TRUE(
      run("1 2\n"
          "a contact +0 +10 2 3 1000\n"
          "a contact +20 +30 2 3 1000\n"
          "a range +0 +10 2 3 1\n"));
  ASSERT_TRUE(run("c contact +0 2 3 5000 0.25\nc range +0 3 2 4\n"));
  auto p = plan();
  EXPECT_EQ(p.contacts[0].rate, 5000u);
  EXPECT_EQ(p.contacts[1].rate, 1000u);
  EXPECT_EQ(p.ranges[0].owlt_ms, 4000u);
  auto info = run("i contact +20 2 3\nl contact\ni range * 3 2\nl range\n");
  ASSERT_TRUE(info);
  const auto& o = info.value();
  EXPECT_EQ(o[0].text,
            "From 2027/01/15-08:00:20 until 2027/01/15-08:00:30, 2 to 3 is up at "
            "1000 bytes/s, confidence 1\n");
  EXPECT_NE(o[1].text.find("5000 bytes/s, confidence 0.25"), std::string::npos);
  EXPECT_EQ(o[2].text,
            "From 2027/01/15-08:00:00 until 2027/01/15-08:00:10, the OWLT between "
            "2 and 3 is 4 s\n");
  EXPECT_EQ(o[3].text, o[2].text);
  ASSERT_TRUE(run("d contact * 2 3\nd range +0 2 3\n"));
  EXPECT_TRUE(plan().contacts.empty());
  EXPECT_TRUE(plan().ranges.empty());
  EXPECT_EQ(run("l contact\nl range\nq\nl range\n").value().size(), 3u);
}

TEST_F(IonrcAdminTest, EveryKindOfBadLineIsRejectedAndChangesNothing) {
  ASSERT_TRUE(run("1 2\na contact +0 +10 2 3 1000\na range +0 +10 2 3 1\n"));
  const std::string before = dump(*heap_);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"z", "unknown ionrc command `z`"},
      {"a plan +0 +1 2 3 4", "unknown ionrc command `a plan`"},
      {"m weather 3", "unknown ionrc command `m weather`"},
      {"a contact +0 +10 2 3", "too few arguments"},
      {"a contact +0 +10 2 3 100 1 2", "too many arguments"},
      {"a contact +0 +10 2 3 10x0", "rate (bytes/s): `10x0`"},
      {"a contact +0 +10 2 3 0", "rate (bytes/s): 0 is out of range"},
      {"a contact +0 +10 0 3 100", "from node: 0 is out of range"},
      {"a contact +0 +10 2 3 100 1.5", "confidence: 1.5 is above 1"},
      {"a contact +10 +10 2 3 100", "is not after from time"},
      {"a contact yesterday +10 2 3 100", "from time: `yesterday` is not a time"},
      {"a contact 2027/13/01-00:00:00 +10 2 3 100", "not a valid UTC date"},
      {"a range +0 +10 2 3 -1", "OWLT: `-1` may not be negative"},
      {"a contact +0 +10 2 3 100", "there is already one from node 2 to node 3"},
      {"a range +0 +10 3 2 2", "there is already one"},
      {"c contact +5 2 3 100", "no contact from node 2 to node 3 starting"},
      {"d contact * 3 2", "no contact from node 3 to node 2"},
      {"i range +5 2 3", "no range"},
      {"d range * 2 4", "no range from node 2 to node 4"},
      {"m horizon soon", "horizon: `soon` is not a time"},
      {"m clockerr x", "clockerr: `x`"},
      {"1 3", "already initialized (node 2)"},
      {"a contact '+0 +10 2 3 100", "unbalanced quote"},
      {"a contact +0 +10 2 3 100 1 1 1 1 1 1 1", "at most 12"},
  };
  for (const auto& [line, expected] : bad) {
    auto ion = admin();
    auto r = ion.run_line("node.ionrc", 3, line);
    ASSERT_FALSE(r) << line;
    const std::string message = r.error().to_string();
    EXPECT_EQ(message.rfind("node.ionrc:3: ", 0), 0u) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << line << " -> " << message;
    EXPECT_EQ(dump(*heap_), before) << line;
  }
}

TEST_F(IonrcAdminTest, NothingBeforeTheNodeIsInitialized) {
  const std::string empty = dump(*heap_);
  auto out = run("a contact +0 +10 2 3 1000\n");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().to_string(),
            "node.ionrc:1: no node yet: the first ionrc command must be `1 <node number>`");
  EXPECT_EQ(dump(*heap_), empty);
}

TEST_F(IonrcAdminTest, AContactPlanOfAnotherFormatIsRefused) {
  ASSERT_TRUE(run("1 2\n"));
  {
    auto txn = begin();
    const auto addr = txn.root(db::kContactPlanRootName).value();
    auto root = *txn.get<db::ContactPlanRoot>(addr);
    root.format_version = db::kContactPlanFormatVersion + 1;
    ASSERT_TRUE(txn.put(addr, root));
    ASSERT_TRUE(txn.commit());
  }
  auto out = run("l contact\n");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("another OpenLTP version"), std::string::npos);
  LtprcAdmin ltp(*heap_);
  auto init = ltp.run_line("node.ltprc", 1, "1 10");
  ASSERT_FALSE(init);
  EXPECT_NE(init.error().message.find("another OpenLTP version"), std::string::npos);
}

}  // namespace
}  // namespace ltp::admin
