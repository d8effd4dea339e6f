// A daemon killed in the middle of a transfer is restarted by its node and
// the transfer carries on: each daemon of the sending and of the receiving
// node, SIGKILLed while a 20 MB block crosses at 5 % loss, and the file
// still arrives byte-identical with the sender told it was delivered.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "tests/tools/relayed_nodes.h"

namespace ltp::tools_test {
namespace {

using namespace std::chrono_literals;

struct Victim {
  int engine;
  const char* role;  // prefix of the registry role
};

void PrintTo(const Victim& v, std::ostream* os) { *os << v.role << "@node" << v.engine; }

class DaemonDeath : public RelayedNodes, public ::testing::WithParamInterface<Victim> {
 protected:
  int pid_of(int engine, const std::string& role) {
    const auto report = stat(engine);
    if (!report.is_object()) return 0;
    for (const auto& d : report["daemons"]) {
      if (d.value("running", false) && d["role"].get<std::string>().starts_with(role)) {
        return d["pid"].get<int>();
      }
    }
    return 0;
  }
};

TEST_P(DaemonDeath, ATransferSurvivesTheKill) {
  runtime_test::SpanSettings settings;
  settings.lso_bits_per_second = 200'000'000;
  settings.maxber = "0.0001";
  start_relayed(5, settings);
  const auto sent = scratch() / "sent";
  const auto received = scratch() / "received";
  std::string content(20 << 20, '\0');
  std::mt19937_64 rng(7);
  for (auto& ch : content) ch = static_cast<char>(rng());
  std::ofstream(sent, std::ios::binary) << content;

  auto ltprecv = launch("ltprecv", 2, {"--count", "1", "-o", received.string(), "1"});
  ASSERT_TRUE(await_client(2, 1, *ltprecv)) << ltprecv->err();
  const int victim = pid_of(GetParam().engine, GetParam().role);
  ASSERT_NE(victim, 0);
  auto ltpsend = launch("ltpsend", 1, {"2", "1", sent.string()});
  // The block is under way once ltpsend has printed its session.
  for (int i = 0; i < 500 && ltpsend->out().find('\n') == std::string::npos; ++i) {
    if (ltpsend->wait(10ms)) break;
  }
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_EQ(ltpsend->wait(180s), 0) << ltpsend->out() << ltpsend->err();
  ASSERT_EQ(ltprecv->wait(60s), 0) << ltprecv->err();
  std::ifstream in(received, std::ios::binary);
  std::ostringstream got;
  got << in.rdbuf();
  EXPECT_TRUE(got.str() == content) << "the received file differs";
  const int replacement = pid_of(GetParam().engine, GetParam().role);
  EXPECT_NE(replacement, 0);
  EXPECT_NE(replacement, victim);
}

INSTANTIATE_TEST_SUITE_P(EveryDaemon, DaemonDeath,
                         ::testing::Values(Victim{1, "lso:"}, Victim{1, "ltpmeter:"},
                                           Victim{1, "ltpclock"}, Victim{1, "ltpdeliv"},
                                           Victim{1, "lsi:"}, Victim{2, "lsi:"}, Victim{2, "lso:"},
                                           Victim{2, "ltpclock"}, Victim{2, "ltpdeliv"}),
                         [](const auto& info) {
                           std::string name =
                               fmt::format("{}Node{}", info.param.role, info.param.engine);
                           std::erase(name, ':');
                           return name;
                         });

}  // namespace
}  // namespace ltp::tools_test
