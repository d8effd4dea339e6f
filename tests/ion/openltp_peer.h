// OpenLtpPeer: the OpenLTP side of an ION interoperability test — one
// node of its own (engine, udplsi and udplso on loopback) configured from
// ltprc text and started with the build's daemons, and OpenLTP's shell
// tools (ltpsend, ltprecv, ltpstat) run against it as child processes.
//
// Used by tests/ion/ion_interop_test.cc. stop() (and the TestNode's
// destructor) stops the node by pid and removes its shm and semaphores.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipc/testing/temp_dir.h"
#include "libltp/node/testing/test_node.h"
#include "tests/tools/tool_process.h"

namespace ltp::ion_test {

struct OpenLtpConfig {
  std::uint64_t engine = 1;
  int lsi_port = 0;  // udplsi on 127.0.0.1:lsi_port
  std::uint64_t peer_engine = 2;
  int peer_port = 0;  // udplso sends to 127.0.0.1:peer_port
  // udplso's pace. ION's udplsi keeps the default receive buffer (about
  // 208 KB) and takes each segment through a transaction: on this 2-core
  // machine it drains about 45 Mbit/s when idle, far less while a build
  // runs; what overflows is dropped and resent, and a resent half block
  // overflows it again.
  std::uint64_t lso_bits_per_second = 10'000'000;
  bool learn_rate = false;  // udplso --learn-rate
  // ltprc's `m maxber`, from which the engine derives its retransmission
  // limits. ION's default (1e-6) allows 4 checkpoint retransmissions, which
  // a busy ION — slow to answer, dropping what overflows its socket — can
  // use up within seconds; this allows about 35, as for a lossy link.
  std::string maxber = "0.0001";
  // ltprc's own and the span's queuing time (ION's default, 1 s): with the
  // round trip, what response timers start from before they back off.
  std::string queuing_seconds = "1";
  int max_sessions = 32;
  int max_segment_size = 1400;
  // ionrc lines after `1 ENGINE` (a contact plan), none by default.
  std::string ionrc_lines;
  // Keys (ionsecrc: `a key NAME FILE`) and authentication rules (ltpsecrc)
  // loaded before the start; none by default.
  std::string ionsecrc;
  std::string ltpsecrc;
};

std::string openltp_ltprc(const OpenLtpConfig& config);

class OpenLtpPeer {
 public:
  // Configures and starts the node; "" or why not.
  std::string start(const OpenLtpConfig& config);
  // Stops it; "" or what was left (a daemon, shm, a semaphore).
  std::string stop();
  // Stops and starts it again on the same heap (what ionstop, then
  // ionstart without --fresh, do); "" or why not.
  std::string restart();
  // Stops it and starts it with ionstart --fresh: a new heap, configured
  // again from `config`; "" or why not.
  std::string restart_fresh(const OpenLtpConfig& config);

  // Starts one of the build's tools with --node of this node.
  std::unique_ptr<tools_test::ToolProcess> launch(const std::string& tool,
                                                  const std::vector<std::string>& args);
  // Waits until `process` holds client service `id`, so blocks sent from
  // now on reach it (one for a client nobody holds is cancelled).
  bool await_client(std::uint64_t id, tools_test::ToolProcess& process,
                    std::chrono::milliseconds limit = std::chrono::seconds(30));
  // `ltpstat --json`, parsed (null on failure).
  nlohmann::json stat();
  // Export plus import sessions open on every span (nullopt: no stat).
  std::optional<std::uint64_t> open_sessions();
  // Waits until no session is open (a session closes on its last
  // acknowledgement, which may follow the tool's exit); bounded polling.
  bool await_no_sessions(std::chrono::milliseconds limit = std::chrono::seconds(20));

  // How to stop this node and remove its directories from another
  // process (an IonNode's watchdog, if the test dies): {"run", ionstop,
  // "--node", DIR} and {"remove", DIR} lines for if_test_dies().
  std::vector<std::vector<std::string>> cleanup_commands() const;

  const std::filesystem::path& path() const { return node_.path(); }
  const std::filesystem::path& scratch() const { return scratch_.path(); }
  std::string log() const { return node_.log(); }

 private:
  node::testing::TestNode node_;
  ipc::testing::TempDir scratch_;
  bool started_ = false;
};

// The counters ltpstat reports for the span to `peer` (null if none).
const nlohmann::json& span_counters(const nlohmann::json& stat, std::uint64_t peer);

}  // namespace ltp::ion_test
