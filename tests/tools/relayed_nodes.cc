#include "tests/tools/relayed_nodes.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "ipc/transaction.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/records.h"
#include "libltp/node/node.h"

namespace ltp::tools_test {
namespace {

using namespace std::chrono_literals;

std::string tool_path(const std::string& tool) {
  return (std::filesystem::path(OPENLTP_TOOLS_BIN_DIR) / tool).string();
}

// "127.0.0.1:4242" -> 4242.
int port_of(const std::string& address) {
  return std::stoi(address.substr(address.rfind(':') + 1));
}

}  // namespace

NetemRelay start_netem_relay(int to_b, int to_a, const std::vector<std::string>& impairments,
                             const std::filesystem::path& scratch) {
  NetemRelay relay;
  int ready[2];
  if (::pipe(ready) != 0) {
    relay.error = "pipe() failed";
    return relay;
  }
  ::fcntl(ready[0], F_SETFD, FD_CLOEXEC);  // only the relay gets the write end
  std::vector<std::string> args{tool_path("ltpnetem"),
                                "--ab",
                                fmt::format("127.0.0.1:0=127.0.0.1:{}", to_b),
                                "--ba",
                                fmt::format("127.0.0.1:0=127.0.0.1:{}", to_a),
                                "--seed",
                                "1",
                                "--json",
                                "--ready-file",
                                fmt::format("/dev/fd/{}", ready[1])};
  args.insert(args.end(), impairments.begin(), impairments.end());
  relay.process = std::make_unique<ToolProcess>(args, scratch);
  ::close(ready[1]);
  // Blocks until the relay listens ("ab ADDRESS\nba ADDRESS\n"), or until
  // it exits and the pipe closes.
  std::string text;
  char buffer[256];
  while (std::count(text.begin(), text.end(), '\n') < 2) {
    const ssize_t n = ::read(ready[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(ready[0]);
  std::istringstream lines(text);
  for (std::string direction, address; lines >> direction >> address;) {
    (direction == "ab" ? relay.ab_port : relay.ba_port) = port_of(address);
  }
  if (relay.ab_port == 0 || relay.ba_port == 0) {
    relay.error = "ltpnetem is not listening: " + relay.process->err();
  }
  return relay;
}

void RelayedNodes::start_relayed(double loss_percent, const runtime_test::SpanSettings& settings) {
  choose_ports();
  std::vector<std::string> impairments;
  if (loss_percent > 0) impairments = {"--loss", fmt::format("{}%", loss_percent)};
  auto relay = start_netem_relay(port_[2], port_[1], impairments, scratch());
  relay_ = std::move(relay.process);
  ASSERT_EQ(relay.error, "");
  lso_port_[1] = relay.ab_port;
  lso_port_[2] = relay.ba_port;
  start(settings);
}

void RelayedNodes::TearDown() {
  if (relay_) relay_->stop();
  TwoNodes::TearDown();
}

std::unique_ptr<ToolProcess> RelayedNodes::launch(const std::string& tool, int engine,
                                                  const std::vector<std::string>& args) {
  std::vector<std::string> argv{tool_path(tool), "--node", node(engine).path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto process = std::make_unique<ToolProcess>(argv, scratch());
  EXPECT_TRUE(process->started()) << process->command();
  return process;
}

bool RelayedNodes::await_client(int engine, std::uint64_t id, ToolProcess& process) {
  return tools_test::await_client(node(engine), id, process);
}

bool await_client(node::testing::TestNode& node, std::uint64_t id, ToolProcess& process,
                  std::chrono::milliseconds limit) {
  auto attached = node.attach();
  if (!attached) return false;
  // The client's heap record names its holder once the open has committed
  // (the registry's role comes a moment earlier). Opening posts nothing a
  // third process can wait on, so this reads the record between short
  // waits for the process's exit.
  const auto held = [&] {
    auto txn = attached->heap().begin();
    if (!txn) return false;
    auto ltp = db::LtpDb::open(txn.value());
    if (!ltp) return false;
    const auto record = ltp.value().find_client(txn.value(), id);
    return record && txn.value().get<db::ClientRecord>(*record)->pid ==
                         static_cast<std::uint64_t>(process.pid());
  };
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (held()) return true;
    if (process.wait(2ms)) return false;
  }
  return false;
}

nlohmann::json RelayedNodes::stat(int engine) {
  auto ltpstat = launch("ltpstat", engine, {"--json"});
  const auto status = ltpstat->wait(30s);
  EXPECT_EQ(status, 0) << ltpstat->err();
  if (status != 0) return nullptr;
  return nlohmann::json::parse(ltpstat->out(), nullptr, false);
}

nlohmann::json RelayedNodes::stop_relay() {
  if (!relay_) return nullptr;
  EXPECT_EQ(relay_->stop(), 0) << relay_->err();
  return nlohmann::json::parse(relay_->out(), nullptr, false);
}

std::uint64_t dropped_by_loss(const nlohmann::json& summary) {
  std::uint64_t dropped = 0;
  if (!summary.is_object() || !summary.contains("directions")) return 0;
  for (const auto& direction : summary["directions"]) {
    dropped += direction["total"]["dropped"].value("loss", std::uint64_t{0});
  }
  return dropped;
}

const nlohmann::json& span_counters(const nlohmann::json& stat, int peer) {
  static const nlohmann::json none;
  if (!stat.is_object() || !stat.contains("spans")) return none;
  for (const auto& span : stat["spans"]) {
    if (span["engine"] == peer) return span["counters"];
  }
  return none;
}

}  // namespace ltp::tools_test
