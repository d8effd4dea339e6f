#include "libltp/admin/ltprc_admin.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ipc/testing/heap_fixture.h"
#include "libltp/admin/admin_test_dump.h"
#include "libltp/db/ltp_db.h"

namespace ltp::admin {
namespace {

using testing::dump;

class LtprcAdminTest : public ipc::testing::HeapFixture {
 protected:
  Result<std::vector<LineOutcome>, Diagnostic> run(std::string_view text,
                                                   std::uint64_t own_engine = 2) {
    LtprcAdmin admin(*heap_, own_engine);
    std::istringstream in{std::string(text)};
    return admin.run_stream("node.ltprc", in);
  }

  db::SpanConfig span(std::uint64_t engine) {
    auto txn = begin();
    return db::LtpDb::open(txn).value().span_info(txn, engine).value();
  }
  db::NodeConfig node() {
    auto txn = begin();
    return db::LtpDb::open(txn).value().root(txn).config;
  }
};

TEST_F(LtprcAdminTest, IonLoopbackLegacyFileLoads) {
  auto out =
      run("# loopback, legacy span form\n"
          "1 128\n"
          "a span 1 128 1024 128 1024 1024 1024 1 'udplso localhost:1113'\n"
          "s 'udplsi 0.0.0.0:1113'\n",
          1);
  ASSERT_TRUE(out) << out.error().to_string();
  ASSERT_EQ(out.value().size(), 1u);
  const auto& start = std::get<StartNode>(*out.value()[0].action);
  EXPECT_EQ(start.lsi_command, "udplsi 0.0.0.0:1113");
  EXPECT_EQ(node().est_max_export_sessions, 128u);
  const auto s = span(1);
  EXPECT_EQ(s.max_export_sessions, 128u);
  EXPECT_EQ(s.max_import_sessions, 128u);  // the block sizes (1024) are dropped
  EXPECT_EQ(s.max_segment_size, 1024u);
  EXPECT_EQ(s.aggregation_size_threshold, 1024u);
  EXPECT_EQ(s.aggregation_time_limit_ms, 1000u);
  EXPECT_EQ(s.queuing_latency_ms, 1000u);
  EXPECT_EQ(s.purge, 0u);
  EXPECT_STREQ(s.lso_command.data(), "udplso localhost:1113");
  EXPECT_NE(dump(*heap_).find("seat 'udplsi 0.0.0.0:1113'"), std::string::npos);
}

// ION 4.1.3's own files write these (tests/ams-sana, contrib/...): `1`
// with a second number ION ignores, `s` and `a seat` with the LSI command
// unquoted as two words (ltpadmin.c's patchLsiCmd / composeLsiCmd).
TEST_F(LtprcAdminTest, IonShorthandsLoad) {
  auto out =
      run("1 300 1000000\n"
          "a seat udplsi localhost:9118\n"
          "a span 9999 10 10 1500 100000 1 'udplso localhost:9118'\n"
          "s udplsi localhost:9118\n");
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(node().est_max_export_sessions, 300u);
  EXPECT_NE(dump(*heap_).find("seat 'udplsi localhost:9118'"), std::string::npos);
  ASSERT_EQ(out.value().size(), 1u);
  EXPECT_EQ(std::get<StartNode>(*out.value()[0].action).lsi_command, "udplsi localhost:9118");
}

TEST_F(LtprcAdminTest, IonTwoNodeFileLoads) {
  auto out =
      run("# two nodes, node 2's side\n"
          "1 50\n"
          "a span 3 50 50 64000 128000 1 'udplso 10.0.0.3:1113'\n"
          "m maxber 0.000000001\n"
          "a seat 'udplsi 10.0.0.2:1113'\n"
          "s\n");
  ASSERT_TRUE(out) << out.error().to_string();
  EXPECT_EQ(dump(*heap_).substr(0, dump(*heap_).find("arena")),
            "engine 2 est 50 heapmax 0 screening 0 ownq 1000 maxber 1e-09 backlog 0\n"
            "span 3 50 50 64000 128000 1000 1000 0 'udplso 10.0.0.3:1113'\n"
            "seat 'udplsi 10.0.0.2:1113'\n");
  ASSERT_EQ(out.value().size(), 1u);
  EXPECT_FALSE(std::get<StartNode>(*out.value()[0].action).lsi_command);
}

TEST_F(LtprcAdminTest, FractionalSecondsNegativeLatencyAndNodeSettings) {
  auto out =
      run("1 10\n"
          "a span 3 5 6 1400 20000 0.25 'udplso h:1113' -2.5\n"
          "m ownqtime 0.05\n"
          "m screening on\n"
          "m heapmax 1000000\n"
          "m maxbacklog 7\n");
  ASSERT_TRUE(out) << out.error().to_string();
  const auto s = span(3);
  EXPECT_EQ(s.aggregation_time_limit_ms, 250u);
  EXPECT_EQ(s.queuing_latency_ms, 2500u);
  EXPECT_EQ(s.purge, 1u);
  const auto n = node();
  EXPECT_EQ(n.own_queuing_ms, 50u);
  EXPECT_EQ(n.screening, 1u);
  EXPECT_EQ(n.heapmax, 1000000u);
  EXPECT_EQ(n.maxbacklog, 7u);
}

TEST_F(LtprcAdminTest, LegacyFormTakesAQueuingLatencyToo) {
  ASSERT_TRUE(run("1 10\na span 4 7 100000 9 200000 1400 5000 2 'udplso h:1113' -0.5\n"));
  const auto s = span(4);
  EXPECT_EQ(s.max_export_sessions, 7u);
  EXPECT_EQ(s.max_import_sessions, 9u);
  EXPECT_EQ(s.max_segment_size, 1400u);
  EXPECT_EQ(s.aggregation_size_threshold, 5000u);
  EXPECT_EQ(s.aggregation_time_limit_ms, 2000u);
  EXPECT_EQ(s.queuing_latency_ms, 500u);
  EXPECT_EQ(s.purge, 1u);
  auto bad = run("a span 5 7 1x 9 200000 1400 5000 2 'udplso h:1113'\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("max export block size (legacy form): `1x`"),
            std::string::npos);
}

TEST_F(LtprcAdminTest, ChangeDeleteInfoAndListing) {
  ASSERT_TRUE(run("1 10\na span 3 5 6 1400 20000 1 'udplso h:1113'\n"));
  ASSERT_TRUE(run("c span 3 9 9 1400 20000 2 'udplso k:1113' 3\n"));
  EXPECT_EQ(span(3).max_export_sessions, 9u);
  EXPECT_EQ(span(3).queuing_latency_ms, 3000u);
  auto info = run("i span 3\nl span\nl seat\n");
  ASSERT_TRUE(info);
  ASSERT_EQ(info.value().size(), 3u);
  EXPECT_NE(info.value()[0].text.find("span to engine 3  LSO: 'udplso k:1113'"), std::string::npos);
  EXPECT_NE(info.value()[0].text.find("aggregation time limit: 2 s"), std::string::npos);
  EXPECT_EQ(info.value()[1].text, info.value()[0].text);
  EXPECT_EQ(info.value()[2].text, "no seats\n");
  ASSERT_TRUE(run("d span 3\n"));
  EXPECT_EQ(run("l span\n").value()[0].text, "no spans\n");
}

// OpenLTP's switch for redundant copies to an OpenLTP peer: off by
// default, set per span, kept when the span is changed, shown by `i span`.
TEST_F(LtprcAdminTest, RedundancyIsSetPerSpanAndSurvivesAChange) {
  ASSERT_TRUE(
      run("1 10\na span 3 5 6 1400 20000 1 'udplso h:1113'\n"
          "a span 4 5 6 1400 20000 1 'udplso h:1114'\n"));
  EXPECT_EQ(span(3).redundancy, 0u);
  EXPECT_NE(run("i span 3\n").value()[0].text.find("redundancy: off"), std::string::npos);
  ASSERT_TRUE(run("m redundancy 3 on\n"));
  EXPECT_EQ(span(3).redundancy, 1u);
  EXPECT_EQ(span(4).redundancy, 0u);
  ASSERT_TRUE(run("c span 3 9 9 1400 20000 2 'udplso k:1113'\n"));
  EXPECT_EQ(span(3).redundancy, 1u);
  EXPECT_NE(run("i span 3\n").value()[0].text.find("redundancy: on"), std::string::npos);
  ASSERT_TRUE(run("m redundancy 3 n\n"));
  EXPECT_EQ(span(3).redundancy, 0u);
}

TEST_F(LtprcAdminTest, ToolCommandsComeBackAsActions) {
  ASSERT_TRUE(run("1 10\n"));
  auto out = run("x\nw 1\nw dei\ne 1\nv\nt\nh\n?\nq\nv\n");
  ASSERT_TRUE(out);
  const auto& o = out.value();
  ASSERT_EQ(o.size(), 9u);  // stops at q
  EXPECT_TRUE(std::holds_alternative<StopNode>(*o[0].action));
  EXPECT_EQ(std::get<SetWatch>(*o[1].action).characters, "1");
  EXPECT_EQ(std::get<SetWatch>(*o[2].action).characters, "dei");
  EXPECT_TRUE(std::get<SetEcho>(*o[3].action).on);
  EXPECT_TRUE(std::holds_alternative<ShowVersion>(*o[4].action));
  EXPECT_TRUE(std::holds_alternative<ShowTime>(*o[5].action));
  EXPECT_NE(o[6].text.find("a span"), std::string::npos);
  EXPECT_EQ(o[7].text, o[6].text);
  EXPECT_TRUE(std::holds_alternative<Quit>(*o[8].action));
}

struct BadLine {
  std::string line;
  std::string expected;  // part of the message
};

TEST_F(LtprcAdminTest, EveryKindOfBadLineIsRejectedAndChangesNothing) {
  ASSERT_TRUE(
      run("1 10\n"
          "a span 3 5 6 1400 20000 1 'udplso h:1113'\n"
          "a seat 'udplsi 0.0.0.0:1113'\n"));
  const std::string before = dump(*heap_);
  EXPECT_NE(before.find(" objects, "), std::string::npos);
  EXPECT_NE(before.find(" bytes in use, 0 problems"), std::string::npos);
  const std::vector<BadLine> bad = {
      {"z", "unknown ltprc command `z`"},
      {"a spam 3", "unknown ltprc command `a spam`"},
      {"m colour 3", "unknown ltprc command `m colour`"},
      {"a span 4 5 6 1400 20000", "too few arguments"},
      {"d span 3 4", "too many arguments"},
      {"1 10 11 12", "too many arguments"},
      {"a span 4 5 6 1400 2x000 1 'udplso h:1113'", "aggregation size threshold: `2x000`"},
      {"a span 0 5 6 1400 20000 1 'udplso h:1113'", "engine number: 0 is out of range"},
      {"a span 4 5 6 10 20000 1 'udplso h:1113'", "max segment size: 10 is out of range"},
      {"a span 4 5 6 1400 20000 0 'udplso h:1113'", "aggregation time limit: 0 s is out"},
      {"a span 4 5 6 1400 20000 1 'udplso h:1113' 1.0001", "queuing latency"},
      {"a span 4 5 6 1400 20000 1 ''", "LSO command is empty"},
      {"m maxber 1", "maxber: 1 is out of range"},
      {"m maxber 0", "maxber: 0 is out of range"},
      {"m ownqtime -1", "may not be negative"},
      {"m screening maybe", "not one of y, n"},
      {"m redundancy 4 on", "no span to engine 4"},
      {"m redundancy 3 maybe", "redundancy: `maybe` is not one of y, n"},
      {"m redundancy 3", "m redundancy <engine> {on|off}"},
      {"m redundancy 0 on", "engine number: 0 is out of range"},
      {"m redundancy 3 on off", "too many arguments"},
      {"e 2", "not 0 or 1"},
      {"a seat 'udplsi 0.0.0.0:1113", "unbalanced quote"},
      {"a span 4 5 6 1400 20000 1 'udplso h:1113' 1 2 3 4", "at most 12"},
      {"a span 3 5 6 1400 20000 1 'udplso h:1113'", "span to engine 3 already exists"},
      {"c span 4 5 6 1400 20000 1 'udplso h:1113'", "no span to engine 4"},
      {"d span 4", "no span to engine 4"},
      {"i span 4", "no span to engine 4"},
      {"a seat 'udplsi 0.0.0.0:1113'", "already exists"},
      {"d seat 'udplsi 9.9.9.9:1113'", "no seat 'udplsi 9.9.9.9:1113'"},
      {"1 10", "already exists"},
  };
  for (const auto& b : bad) {
    LtprcAdmin admin(*heap_, 2);
    auto r = admin.run_line("node.ltprc", 7, b.line);
    ASSERT_FALSE(r) << b.line;
    EXPECT_EQ(r.error().line, 7u);
    const std::string message = r.error().to_string();
    EXPECT_EQ(message.rfind("node.ltprc:7: ", 0), 0u) << message;
    EXPECT_NE(message.find(b.expected), std::string::npos) << b.line << " -> " << message;
    EXPECT_EQ(dump(*heap_), before) << b.line;
  }
}

TEST_F(LtprcAdminTest, AFileStopsAtItsFirstBadLine) {
  auto out =
      run("1 10\n"
          "\n"
          "a span 3 5 6 1400 20000 1 'udplso h:1113'\n"
          "a span 3 5 6 1400 20000 1 'udplso h:1113'\n"
          "a span 4 5 6 1400 20000 1 'udplso h:1113'\n");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().line, 4u);
  auto txn = begin();
  EXPECT_EQ(db::LtpDb::open(txn).value().list_spans(txn), (std::vector<std::uint64_t>{3}));
}

TEST_F(LtprcAdminTest, CommandsBeforeInitializationSayWhatToDo) {
  const std::string empty = dump(*heap_);
  LtprcAdmin admin(*heap_, 2);
  auto r = admin.run_line("x.ltprc", 1, "a seat 'udplsi a'");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("`1 <est_max_export_sessions>`"), std::string::npos);
  LtprcAdmin without_engine(*heap_);
  auto init = without_engine.run_line("x.ltprc", 1, "1 10");
  ASSERT_FALSE(init);
  EXPECT_NE(init.error().message.find("ionadmin's `1 <node_nbr>`"), std::string::npos);
  EXPECT_EQ(dump(*heap_), empty);
}

TEST_F(LtprcAdminTest, RunsAFileAndNamesItInErrors) {
  const auto path = dir_.path() / "node.ltprc";
  std::ofstream(path) << "1 10\na span 3 5 6 1400 20000 1 'udplso h:1113'\nd span 9\n";
  LtprcAdmin admin(*heap_, 2);
  auto out = admin.run_file(path);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().to_string(),
            path.string() + ":3: no span to engine 9 (`l span` lists the spans)");
  EXPECT_EQ(span(3).max_import_sessions, 6u);
  auto missing = admin.run_file(dir_.path() / "none.ltprc");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().to_string().find("none.ltprc:0: cannot open the file"),
            std::string::npos);
}

}  // namespace
}  // namespace ltp::admin
