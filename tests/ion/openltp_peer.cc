#include "tests/ion/openltp_peer.h"
#include "ipc/transaction.h"

#include <fmt/format.h>

#include <fstream>

#include <thread>

#include "ipc/node_semaphore.h"
#include "ipc/volatile_segment.h"
#include "libltp/node/node.h"
#include "tests/tools/relayed_nodes.h"

namespace ltp::ion_test {
namespace {

using namespace std::chrono_literals;

std::string tool_path(const std::string& tool) {
  return (std::filesystem::path(OPENLTP_TOOLS_BIN_DIR) / tool).string();
}

}  // namespace

std::string openltp_ltprc(const OpenLtpConfig& c) {
  return fmt::format(
      "1 {sessions}\n"
      "m maxber {maxber}\n"
      "m ownqtime {queuing}\n"
      "a span {peer} {sessions} {sessions} {segment} 1 1 'udplso{learn} 127.0.0.1:{peer_port} "
      "{bps}' {queuing}\n"
      "a seat 'udplsi 127.0.0.1:{port}'\n",
      fmt::arg("sessions", c.max_sessions), fmt::arg("maxber", c.maxber),
      fmt::arg("queuing", c.queuing_seconds), fmt::arg("peer", c.peer_engine),
      fmt::arg("segment", c.max_segment_size), fmt::arg("peer_port", c.peer_port),
      fmt::arg("bps", c.lso_bits_per_second), fmt::arg("port", c.lsi_port),
      fmt::arg("learn", c.learn_rate ? " --learn-rate" : ""));
}

std::string OpenLtpPeer::start(const OpenLtpConfig& config) {
  if (auto configured = node_.configure(fmt::format("1 {}\n{}", config.engine, config.ionrc_lines),
                                        openltp_ltprc(config));
      !configured.empty()) {
    return configured;
  }
  if (!config.ionsecrc.empty() || !config.ltpsecrc.empty()) {
    if (auto secured = node_.configure_security(config.ionsecrc, config.ltpsecrc);
        !secured.empty()) {
      return secured;
    }
  }
  started_ = true;
  return node_.start();
}

std::string OpenLtpPeer::stop() {
  if (!started_) return {};
  started_ = false;
  std::string left = node_.stop();
  if (!ipc::NodeSemaphore::list(node_.dir()).empty()) left += " semaphores left behind";
  if (ipc::VolatileSegment::remove(node_.dir())) left += " shm left behind";
  return left;
}

std::string OpenLtpPeer::restart() {
  if (auto stopped = node_.stop(); !stopped.empty()) return stopped;
  return node_.start();
}

std::string OpenLtpPeer::restart_fresh(const OpenLtpConfig& config) {
  if (auto stopped = node_.stop(); !stopped.empty()) return stopped;
  const auto ionrc = scratch() / "fresh.ionrc";
  const auto ltprc = scratch() / "fresh.ltprc";
  std::ofstream(ionrc) << fmt::format("1 {}\n", config.engine);
  std::ofstream(ltprc) << openltp_ltprc(config) << "s\n";
  auto ionstart = launch("ionstart", {"--fresh", "-i", ionrc.string(), "-l", ltprc.string()});
  if (ionstart->wait(60s) != 0) return "ionstart --fresh failed: " + ionstart->err();
  return {};
}

std::vector<std::vector<std::string>> OpenLtpPeer::cleanup_commands() const {
  return {{"run", tool_path("ionstop"), "--node", path().string()},
          {"remove", path().string()},
          {"remove", scratch().string()}};
}

std::unique_ptr<tools_test::ToolProcess> OpenLtpPeer::launch(const std::string& tool,
                                                             const std::vector<std::string>& args) {
  std::vector<std::string> argv{tool_path(tool), "--node", path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<tools_test::ToolProcess>(argv, scratch());
}

bool OpenLtpPeer::await_client(std::uint64_t id, tools_test::ToolProcess& process,
                               std::chrono::milliseconds limit) {
  return tools_test::await_client(node_, id, process, limit);
}

nlohmann::json OpenLtpPeer::stat() {
  auto ltpstat = launch("ltpstat", {"--json"});
  if (ltpstat->wait(30s) != 0) return nullptr;
  return nlohmann::json::parse(ltpstat->out(), nullptr, false);
}

std::optional<std::uint64_t> OpenLtpPeer::open_sessions() {
  const auto report = stat();
  if (!report.is_object() || !report.contains("spans")) return std::nullopt;
  std::uint64_t open = 0;
  for (const auto& span : report["spans"]) {
    open += span["sessions"].value("export", std::uint64_t{0}) +
            span["sessions"].value("import", std::uint64_t{0});
  }
  return open;
}

bool OpenLtpPeer::await_no_sessions(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (open_sessions() == 0u) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

const nlohmann::json& span_counters(const nlohmann::json& stat, std::uint64_t peer) {
  static const nlohmann::json none;
  if (!stat.is_object() || !stat.contains("spans")) return none;
  for (const auto& span : stat["spans"]) {
    if (span["engine"] == peer) return span["counters"];
  }
  return none;
}

}  // namespace ltp::ion_test
