// ltpadmin, ionadmin, ionstart/ionstop and ltpstat as an operator runs
// them: ION-format files load, bad lines are refused with FILE:LINE and
// change nothing, interactive mode goes on after a bad line, and a node
// starts (`s`) and stops. The start/stop tests need the daemons built next
// to the tools; each test stops every node it started, also on failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "ipc/node_dir.h"
#include "ipc/testing/temp_dir.h"
#include "libltp/node/node_control.h"
#include "tools/ltpadmin/testing/run_tool.h"

namespace ltp::admin_tool {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::run_tool;
using ::testing::StartsWith;
using testing::ToolRun;
using testing::write_text;

const std::filesystem::path kBin = OPENLTP_TOOLS_BIN_DIR;
const std::filesystem::path kTestData = OPENLTP_ADMIN_TESTDATA;

std::string substitute(std::string text, int port1, int port2) {
  text = std::regex_replace(text, std::regex("@PORT1@"), std::to_string(port1));
  return std::regex_replace(text, std::regex("@PORT2@"), std::to_string(port2));
}

bool daemons_built() {
  for (const char* daemon : {"ltpclock", "ltpdeliv", "ltpmeter", "udplso", "udplsi"}) {
    if (!std::filesystem::exists(kBin / daemon)) return false;
  }
  return true;
}

class AdminToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = temp_.path() / "node";
    std::filesystem::create_directories(node_);
    scratch_ = temp_.path() / "scratch";
    std::filesystem::create_directories(scratch_);
    port1_ = testing::free_udp_port();
    port2_ = testing::free_udp_port();
  }
  // Whatever a test started, it stops here, passed or failed.
  void TearDown() override {
    auto dir = ipc::NodeDir::at(node_);
    if (dir) (void)node::stop_node(dir.value());
  }

  ToolRun tool(const std::string& program, std::vector<std::string> args,
               const std::string& input = "") {
    args.insert(args.begin(), {(kBin / program).string(), "--node", node_.string()});
    return run_tool(args, scratch_, input);
  }

  // A test data file with its ports filled in, written into the test's
  // directory; `drop_start` leaves out the `s` lines (no daemons needed).
  std::filesystem::path config(const std::string& name, bool drop_start = false) {
    std::string text = substitute(testing::slurp(kTestData / name), port1_, port2_);
    if (drop_start) text = std::regex_replace(text, std::regex("(^|\n)s( [^\n]*)?(?=\n|$)"), "$1#");
    const auto path = temp_.path() / name;
    write_text(path, text);
    return path;
  }

  nlohmann::json stat() {
    const auto run = tool("ltpstat", {"--json"});
    EXPECT_EQ(run.status, 0) << run.err;
    return nlohmann::json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  }

  // Everything configuration says about the node: ltpstat's config, seats
  // and spans, and ionadmin's contact and range listings.
  std::string configuration() {
    auto report = stat();
    const auto plan = tool("ionadmin", {}, "l contact\nl range\n");
    EXPECT_EQ(plan.status, 0) << plan.err;
    return report["config"].dump() + report["seats"].dump() + report["spans"].dump() + plan.out;
  }

  ipc::testing::TempDir temp_;
  std::filesystem::path node_, scratch_;
  int port1_ = 0, port2_ = 0;
};

TEST_F(AdminToolsTest, IonLoopbackFilesLoadInTheirLegacyForm) {
  ASSERT_EQ(tool("ionadmin", {config("loopback.ionrc", true).string()}).status, 0);
  const auto run = tool("ltpadmin", {config("loopback.ltprc", true).string()});
  ASSERT_EQ(run.status, 0) << run.err;
  const auto report = stat();
  EXPECT_EQ(report["engine"], 1);
  EXPECT_EQ(report["state"], "stopped");
  ASSERT_EQ(report["spans"].size(), 1u);
  const auto& span = report["spans"][0];
  EXPECT_EQ(span["engine"], 1);
  EXPECT_EQ(span["max_export_sessions"], 128);
  EXPECT_EQ(span["max_import_sessions"], 128);
  EXPECT_EQ(span["max_segment_size"], 1024);
  EXPECT_EQ(span["lso_command"], "udplso 127.0.0.1:" + std::to_string(port1_));
  EXPECT_TRUE(span["link"].is_null());
  EXPECT_TRUE(report["daemons"].empty());
}

TEST_F(AdminToolsTest, TwoNodeFileLoadsWithFractionalSecondsAndAnIonconfigHeapSize) {
  write_text(temp_.path() / "node.ionconfig", "wmSize 5000000\nheapWords 50000000\n");
  write_text(temp_.path() / "n.ionrc", "1 2 " + (temp_.path() / "node.ionconfig").string() + "\n");
  ASSERT_EQ(tool("ionadmin", {(temp_.path() / "n.ionrc").string()}).status, 0);
  const auto run = tool("ltpadmin", {config("node2.ltprc", true).string()});
  ASSERT_EQ(run.status, 0) << run.err;
  const auto report = stat();
  EXPECT_EQ(report["engine"], 2);
  EXPECT_EQ(report["config"]["ownqtime_ms"], 50);
  EXPECT_DOUBLE_EQ(report["config"]["maxber"].get<double>(), 1e-9);
  EXPECT_GE(report["heap"]["file_size"].get<std::uint64_t>(), 400000000u);
  EXPECT_EQ(report["seats"][0], "udplsi 127.0.0.1:" + std::to_string(port2_));
}

// ION's configs/loopback-ltp/loopback.ionrc: `1 1 ''`, an empty config
// file name, which ION reads as "no config file" (default sizes).
TEST_F(AdminToolsTest, AnEmptyIonconfigNameMeansNone) {
  write_text(temp_.path() / "n.ionrc", "1 2 ''\nm production 1000000\n");
  const auto run = tool("ionadmin", {(temp_.path() / "n.ionrc").string()});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("`m production` is ION's"), std::string::npos) << run.out;
  write_text(temp_.path() / "n.ltprc", "1 10\n");
  ASSERT_EQ(tool("ltpadmin", {(temp_.path() / "n.ltprc").string()}).status, 0);
  EXPECT_EQ(stat()["engine"], 2);
}

TEST_F(AdminToolsTest, EveryKindOfBadLineIsRefusedWithItsLineAndChangesNothing) {
  ASSERT_EQ(tool("ionadmin", {config("node2.ionrc", true).string()}).status, 0);
  ASSERT_EQ(tool("ltpadmin", {config("node2.ltprc", true).string()}).status, 0);
  ASSERT_EQ(
      tool("ionadmin", {}, "a contact 2030/01/01-00:00:00 2030/01/02-00:00:00 2 3 1000\n").status,
      0);
  const std::string before = configuration();
  ASSERT_THAT(before, HasSubstr("lso_command"));

  struct Case {
    const char* language;
    const char* line;
    const char* reason;  // a piece of the message
  } cases[] = {
      {"ltprc", "z span 3", "unknown"},
      {"ltprc", "a span 3 10 10", ""},
      {"ltprc", "a span 3 10 10 14x0 1000 1 'udplso 127.0.0.1:9'", "14x0"},
      {"ltprc", "a span 1 10 10 1400 1000 1 'udplso 127.0.0.1:9'", "already exists"},
      {"ltprc", "c span 9 10 10 1400 1000 1 'udplso 127.0.0.1:9'", "no span to engine 9"},
      {"ltprc", "d span 9", "no span to engine 9"},
      {"ltprc", "d seat 'udplsi 10.1.1.1:1'", "no seat"},
      {"ltprc", "a seat 'udplsi 127.0.0.1:1", ""},
      {"ltprc", "1 50", "only once"},
      {"ltprc", "m maxber 2", ""},
      {"ltprc", "m ownqtime 0.0001", ""},
      {"ltprc", "m maxbacklog -1", ""},
      {"ionrc", "a contact +x +3600 2 1 1000", ""},
      {"ionrc", "a contact +3600 +0 2 1 1000", ""},
      {"ionrc", "a contact 2030/01/01-00:00:00 2030/01/02-00:00:00 2 3 1000", ""},
      {"ionrc", "a contact 2030/13/01-00:00:00 2030/01/02-00:00:00 2 3 1000", ""},
      {"ionrc", "a contact +0 +10 2 1 0", ""},
      {"ionrc", "d range 2030/01/01-00:00:00 2 3", ""},
      {"ionrc", "a region 1 2", ""},
      {"ionrc", "1 7", "already initialized"},
  };
  for (const auto& c : cases) {
    // The good line after the bad one must not run either: a file stops there.
    const std::string good = std::string(c.language) == "ltprc" ? "m ownqtime 7" : "m clockerr 3";
    const auto file = temp_.path() / (std::string("bad.") + c.language);
    write_text(file, std::string("# a bad line follows\n") + c.line + "\n" + good + "\n");
    const auto run =
        tool(std::string(c.language) == "ltprc" ? "ltpadmin" : "ionadmin", {file.string()});
    EXPECT_EQ(run.status, 1) << c.line;
    EXPECT_THAT(run.err, HasSubstr(file.string() + ":2: ")) << c.line;
    EXPECT_THAT(run.err, HasSubstr(c.reason)) << c.line;
    EXPECT_EQ(configuration(), before) << c.line;
  }
}

TEST_F(AdminToolsTest, LinesNeedANodeFirst) {
  const auto run = tool("ltpadmin", {}, "a seat 'udplsi 127.0.0.1:9'\n");
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("stdin:1: no node in"));
  EXPECT_FALSE(std::filesystem::exists(node_ / "sdr.heap"));
  // Help works without a node.
  const auto help = tool("ionadmin", {}, "h\n");
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("contact"));
}

TEST_F(AdminToolsTest, InteractiveInputGoesOnAfterABadLineAndStopsAtQ) {
  ASSERT_EQ(tool("ionadmin", {config("node2.ionrc", true).string()}).status, 0);
  ASSERT_EQ(tool("ltpadmin", {config("node2.ltprc", true).string()}).status, 0);
  const auto run = tool("ltpadmin", {}, "l span\nbogus\nl seat\nv\nq\nd span 1\n");
  EXPECT_EQ(run.status, 1) << "a failed line is reported in the exit status when not at a tty";
  EXPECT_THAT(run.err, HasSubstr("stdin:2: "));
  EXPECT_THAT(run.out, HasSubstr("span to engine 1"));
  EXPECT_THAT(run.out, HasSubstr("seat  LSI: 'udplsi 127.0.0.1:"));
  EXPECT_THAT(run.out, HasSubstr("OpenLTP "));
  EXPECT_EQ(stat()["spans"].size(), 1u) << "the line after `q` ran";
  EXPECT_THAT(run.out, Not(StartsWith(": ")));  // no prompt when stdin is not a terminal
}

// A line read from a device without line ends stops at the bound instead
// of growing for ever; ionstart and ionadmin read the same way.
TEST_F(AdminToolsTest, AFileWithoutLineEndsIsRefusedAtTheBound) {
  for (const char* program : {"ltpadmin", "ionadmin"}) {
    SCOPED_TRACE(program);
    const auto run = tool(program, {"/dev/zero"});
    EXPECT_EQ(run.status, 1);
    EXPECT_THAT(run.err, HasSubstr("/dev/zero:1: line longer than 4096 bytes"));
  }
  const auto run = tool("ionstart", {"-I", "/dev/zero"});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("/dev/zero:1: line longer than 4096 bytes"));
}

// What a bad line quotes back reaches the terminal with its control bytes
// escaped: a file cannot clear the operator's screen.
TEST_F(AdminToolsTest, ControlBytesInAMessageAreEscaped) {
  const auto run = tool("ltpadmin", {}, "1 10\nbo\x1b[2J\x07gus\n");
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("\\x1b[2J\\x07"));
  EXPECT_EQ(run.err.find('\x1b'), std::string::npos);
  EXPECT_EQ(run.err.find('\x07'), std::string::npos);
}

TEST_F(AdminToolsTest, StopOnAStoppedOrEmptyNodeSucceeds) {
  EXPECT_EQ(tool("ionstop", {}).status, 0);
  EXPECT_EQ(tool("ltpstop", {}).status, 0);
  ASSERT_EQ(tool("ionadmin", {config("node2.ionrc", true).string()}).status, 0);
  ASSERT_EQ(tool("ltpadmin", {config("node2.ltprc", true).string()}).status, 0);
  EXPECT_EQ(tool("ltpadmin", {"."}).status, 0);
  EXPECT_EQ(tool("ionstop", {}).status, 0);
  EXPECT_EQ(stat()["state"], "stopped");
}

// A link service command that could never start is refused by the line
// that configures it, not at the start: an unknown program, OpenLTP's
// udplso/udplsi with an address that does not parse.
TEST_F(AdminToolsTest, LinkCommandsThatCouldNeverStartAreRefusedWhenConfigured) {
  ASSERT_EQ(tool("ionadmin", {config("node2.ionrc", true).string()}).status, 0);
  ASSERT_EQ(tool("ltpadmin", {}, "1 10\n").status, 0);
  const std::string before = configuration();
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"a span 1 10 10 1400 1000 1 'no-such-lso 127.0.0.1:9'",
       "cannot find the LSO program `no-such-lso`"},
      {"a span 1 10 10 1400 1000 1 'udplso 127.0.0.1:99999'",
       "udplso: bad address `127.0.0.1:99999`"},
      {"a span 1 10 10 1400 1000 1 'udplso 127.0.0.1:0'", "cannot send to port 0"},
      {"a seat 'udplsi 127.0.0.1:port'", "udplsi: bad address `127.0.0.1:port`"},
      {"a seat 'udplsi --peers-only 127.0.0.1:port'", "udplsi: bad address `127.0.0.1:port`"},
      {"a seat 'no-such-lsi'", "cannot find the LSI program `no-such-lsi`"},
      {"s 'no-such-lsi 127.0.0.1:1113'", "cannot find the LSI program"},
  };
  for (const auto& [line, message] : refused) {
    write_text(temp_.path() / "n.ltprc", line + "\n");
    const auto run = tool("ltpadmin", {(temp_.path() / "n.ltprc").string()});
    EXPECT_EQ(run.status, 1) << line;
    EXPECT_THAT(run.err, HasSubstr("n.ltprc:1: ")) << line;
    EXPECT_THAT(run.err, HasSubstr(message)) << line;
  }
  EXPECT_EQ(configuration(), before);
  EXPECT_EQ(stat()["state"], "stopped");
  // A program given by path, and the ION address forms, are fine.
  write_text(temp_.path() / "n.ltprc", "a span 1 10 10 1400 1000 1 '" + (kBin / "udplso").string() +
                                           " @:4556'\n"
                                           "a seat 'udplsi [::1]:1113'\n"
                                           "a seat 'udplsi --peers-only 127.0.0.1:1113'\n");
  const auto ok = tool("ltpadmin", {(temp_.path() / "n.ltprc").string()});
  EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST_F(AdminToolsTest, IonstartNeedsFilesAndRefusesUnreadableOnes) {
  EXPECT_EQ(tool("ionstart", {}).status, 2);
  const auto run = tool("ionstart", {"-i", (temp_.path() / "missing.ionrc").string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_THAT(run.err, HasSubstr("missing.ionrc"));
}

TEST_F(AdminToolsTest, IonstartStartsANodeAndIonstopStopsIt) {
  if (!daemons_built()) GTEST_SKIP() << "the daemons are not built in " << kBin;
  const auto start = tool(
      "ionstart", {"-i", config("node2.ionrc").string(), "-l", config("node2.ltprc").string()});
  ASSERT_EQ(start.status, 0) << start.out << start.err;
  EXPECT_THAT(start.out, HasSubstr("LTP started"));
  auto report = stat();
  EXPECT_EQ(report["state"], "running");
  ASSERT_EQ(report["spans"].size(), 1u);
  EXPECT_FALSE(report["spans"][0]["link"].is_null());
  EXPECT_EQ(report["spans"][0]["link"]["transmit_rate"], 12500000);
  std::set<std::string> roles;
  for (const auto& d : report["daemons"]) roles.insert(d["role"].get<std::string>());
  EXPECT_TRUE(roles.count("ltpclock") && roles.count("ltpdeliv") && roles.count("ltpmeter:1") &&
              roles.count("lso:1"))
      << report["daemons"].dump();
  EXPECT_TRUE(std::filesystem::exists(node_ / "ltpclock.pid"));

  // Starting again is refused; a configured node resumes after a stop.
  EXPECT_EQ(tool("ltpadmin", {}, "s\n").status, 1);
  ASSERT_EQ(tool("ionstop", {}).status, 0);
  report = stat();
  EXPECT_EQ(report["state"], "stopped");
  EXPECT_TRUE(report["daemons"].empty());
  EXPECT_FALSE(std::filesystem::exists(node_ / "ltpclock.pid"));
  EXPECT_EQ(tool("ionstop", {}).status, 0) << "stopping a stopped node succeeds";

  const auto resume = tool(
      "ltpstart", {"-i", config("node2.ionrc").string(), "-l", config("node2.ltprc").string()});
  ASSERT_EQ(resume.status, 0) << resume.err;
  EXPECT_THAT(resume.out, HasSubstr("already configured"));
  EXPECT_EQ(stat()["state"], "running");

  // `!` restarts, as an argument or a command; `.` stops.
  ASSERT_EQ(tool("ltpadmin", {"!"}).status, 0);
  EXPECT_EQ(stat()["state"], "running");
  const auto typed = tool("ltpadmin", {}, "!\n");
  ASSERT_EQ(typed.status, 0) << typed.err;
  EXPECT_THAT(typed.out, HasSubstr("LTP started"));
  EXPECT_EQ(stat()["state"], "running");
  ASSERT_EQ(tool("ltpadmin", {"."}).status, 0);
  EXPECT_EQ(stat()["state"], "stopped");
}

TEST_F(AdminToolsTest, IonstartRunsTheSectionsOfAConsolidatedFile) {
  if (!daemons_built()) GTEST_SKIP() << "the daemons are not built in " << kBin;
  const auto start = tool("ionstart", {"-I", config("node2.rc").string()});
  ASSERT_EQ(start.status, 0) << start.out << start.err;
  EXPECT_THAT(start.err, HasSubstr("skipping the bpadmin section"));
  auto report = stat();
  EXPECT_EQ(report["engine"], 2) << "the section tagged `other` was used";
  EXPECT_EQ(report["state"], "running");
  ASSERT_EQ(report["spans"].size(), 1u);
  ASSERT_EQ(tool("ionstop", {}).status, 0);

  // --fresh reloads the files into a new heap.
  const auto fresh = tool("ionstart", {"--fresh", "-I", config("node2.rc").string()});
  ASSERT_EQ(fresh.status, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("removed the old heap"));
  EXPECT_EQ(stat()["state"], "running");
}

// A consolidated file with keys and rules: ION's order runs the
// ionsecadmin section before the ltpsecadmin one wherever they stand.
std::string secured_rc(const std::filesystem::path& key, int port1, int port2) {
  return "## begin ltpsecadmin\n"
         "a ltprecvauthrule 1 0 k1\n"
         "a ltpxmitauthrule 1 255\n"
         "## end ltpsecadmin\n"
         "## begin ionadmin\n1 2\n## end ionadmin\n"
         "## begin ionsecadmin\n"
         "1\n"
         "a key k1 " +
         key.string() +
         "\n"
         "## end ionsecadmin\n"
         "## begin ltpadmin\n"
         "1 50\n"
         "a span 1 50 50 1400 128000 1 'udplso 127.0.0.1:" +
         std::to_string(port1) +
         "'\n"
         "a seat 'udplsi 127.0.0.1:" +
         std::to_string(port2) +
         "'\n"
         "## end ltpadmin\n";
}

TEST_F(AdminToolsTest, IonstartLoadsKeysAndRulesFromTheSecuritySections) {
  const auto key = temp_.path() / "k1.key";
  write_text(key, "secret\n");
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  const auto rc = temp_.path() / "secured.rc";
  write_text(rc, secured_rc(key, port1_, port2_));
  const auto start = tool("ionstart", {"-I", rc.string()});
  ASSERT_EQ(start.status, 0) << start.out << start.err;

  const auto rules = tool("ltpsecadmin", {}, "l ltprecvauthrule\nl ltpxmitauthrule\n");
  ASSERT_EQ(rules.status, 0) << rules.err;
  EXPECT_EQ(rules.out,
            "ltprecvauthrule engine 1: ciphersuite 0 (HMAC-SHA1-80), key 'k1'; 0 passed, 0 "
            "refused\n"
            "ltpxmitauthrule engine 1: ciphersuite 255 (NULL), no key; 0 signed\n");
  const auto keys = tool("ionsecadmin", {}, "l key\n");
  ASSERT_EQ(keys.status, 0) << keys.err;
  EXPECT_EQ(keys.out, "key 'k1': 7 bytes\n") << "the newline `echo` wrote is part of the key";
  EXPECT_THAT(keys.out + rules.out, Not(HasSubstr("secret")));

  // ltpstat shows them under the span.
  const auto report = stat();
  ASSERT_EQ(report["spans"].size(), 1u);
  const auto& auth = report["spans"][0]["auth"];
  EXPECT_EQ(auth["receive"]["ciphersuite"], 0);
  EXPECT_EQ(auth["receive"]["ciphersuite_name"], "HMAC-SHA1-80");
  EXPECT_EQ(auth["receive"]["key"], "k1");
  EXPECT_EQ(auth["receive"]["passed"], 0);
  EXPECT_EQ(auth["receive"]["refused"], 0);
  EXPECT_EQ(auth["transmit"]["ciphersuite"], 255);
  EXPECT_TRUE(auth["transmit"]["key"].is_null());
  EXPECT_EQ(auth["transmit"]["signed"], 0);
  const auto table = tool("ltpstat", {});
  EXPECT_THAT(table.out, HasSubstr("auth      rx: HMAC-SHA1-80 key k1, 0 passed, 0 refused; tx: "
                                   "NULL, no key, 0 signed"));

  // Without rules the span has no `auth` at all.
  ASSERT_EQ(tool("ltpsecadmin", {}, "d ltprecvauthrule 1\nd ltpxmitauthrule 1\n").status, 0);
  EXPECT_FALSE(stat()["spans"][0].contains("auth"));
}

TEST_F(AdminToolsTest, IonstartRefusesAKeyFileOthersCanRead) {
  const auto key = temp_.path() / "k1.key";
  write_text(key, "secret\n");
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  const auto rc = temp_.path() / "secured.rc";
  write_text(rc, secured_rc(key, port1_, port2_));
  const auto start = tool("ionstart", {"-I", rc.string()});
  EXPECT_EQ(start.status, 1);
  EXPECT_THAT(start.err, HasSubstr(rc.string() + ":10: the key file " + key.string() +
                                   " can be read or written by others (mode 0644): chmod 600 " +
                                   key.string()));
  EXPECT_EQ(tool("ionsecadmin", {}, "l key\n").out, "no keys\n");
  EXPECT_EQ(tool("ltpsecadmin", {}, "l ltprecvauthrule\n").out, "no ltprecvauthrules\n")
      << "ionstart went on after the bad line";
}

TEST_F(AdminToolsTest, IonstartRunsSecurityFilesBetweenTheIonrcAndTheLtprc) {
  const auto key = temp_.path() / "k.key";
  write_text(key, "0123456789");
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  write_text(temp_.path() / "n.ionsecrc", "1\na key k " + key.string() + "\n");
  write_text(temp_.path() / "n.ltpsecrc", "a ltpxmitauthrule 1 192 k\n");
  const auto start = tool(
      "ionstart",
      {"-l", config("node2.ltprc", true).string(), "-L", (temp_.path() / "n.ltpsecrc").string(),
       "-s", (temp_.path() / "n.ionsecrc").string(), "-i", config("node2.ionrc", true).string()});
  ASSERT_EQ(start.status, 0) << start.out << start.err;
  const auto report = stat();
  const auto& auth = report["spans"][0]["auth"];
  EXPECT_FALSE(auth.contains("receive"));
  EXPECT_EQ(auth["transmit"]["ciphersuite_name"], "HMAC-SHA256-128");
}

TEST_F(AdminToolsTest, SecurityToolsNeedANodeAndHaveNoDot) {
  for (const char* program : {"ionsecadmin", "ltpsecadmin"}) {
    SCOPED_TRACE(program);
    const auto run = tool(program, {}, "e 1\n");
    EXPECT_EQ(run.status, 1);
    EXPECT_THAT(run.err, HasSubstr("stdin:1: no node in " + node_.string() +
                                   " yet: run ionadmin (or ionstart) first"));
    EXPECT_FALSE(std::filesystem::exists(node_ / "sdr.heap"));
    EXPECT_EQ(tool(program, {}, "h\n").status, 0) << "help works without a node";
    EXPECT_EQ(tool(program, {"."}).status, 2);
    EXPECT_EQ(tool(program, {"--help"}).status, 0);
  }
}

TEST_F(AdminToolsTest, LoopbackNodeStartsFromItsLtprcS) {
  if (!daemons_built()) GTEST_SKIP() << "the daemons are not built in " << kBin;
  ASSERT_EQ(tool("ionadmin", {config("loopback.ionrc").string()}).status, 0);
  const auto run = tool("ltpadmin", {config("loopback.ltprc").string()});
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  auto report = stat();
  EXPECT_EQ(report["state"], "running");
  EXPECT_EQ(report["spans"][0]["link"]["owlt_ms"], 1000);
  bool lsi = false;
  for (const auto& d : report["daemons"]) lsi |= d["role"].get<std::string>().starts_with("lsi");
  EXPECT_TRUE(lsi) << report["daemons"].dump();
  ASSERT_EQ(tool("ionstop", {}).status, 0);
}

}  // namespace
}  // namespace ltp::admin_tool
