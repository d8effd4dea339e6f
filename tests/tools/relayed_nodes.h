// RelayedNodes: the runtime's TwoNodes fixture with ltpnetem between the
// nodes — each node's udplso sends to the relay, which forwards to the
// peer's udplsi and drops datagrams at random in both directions — and the
// shell tools (ltpsend, ltprecv, ltpdriver, ltpcounter, ltpstat) run as
// child processes against either node.
//
// Used by the shell tools' integration tests (tests/tools/). Teardown
// kills whatever it started by pid, then runs TwoNodes's no-leftovers
// checks.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipc/testing/temp_dir.h"
#include "tests/runtime/two_nodes.h"
#include "tests/tools/tool_process.h"

namespace ltp::tools_test {

class RelayedNodes : public runtime_test::TwoNodes {
 protected:
  // Starts ltpnetem dropping `loss_percent` of the datagrams each way
  // (seeded, so runs repeat), then both nodes, sending through it.
  void start_relayed(double loss_percent, const runtime_test::SpanSettings& settings = {});
  void TearDown() override;

  // Starts a tool of the build against the node of `engine`.
  std::unique_ptr<ToolProcess> launch(const std::string& tool, int engine,
                                      const std::vector<std::string>& args);
  // Waits until `process` holds client service `id` on the node of
  // `engine`, so blocks sent from now on reach it (a block for a client
  // nobody holds is discarded). False if it exited or 30 s passed.
  bool await_client(int engine, std::uint64_t id, ToolProcess& process);
  // `ltpstat --json` of the node of `engine`, parsed (null on failure).
  nlohmann::json stat(int engine);
  // Stops the relay; its summary (ltpnetem --json).
  nlohmann::json stop_relay();

  const std::filesystem::path& scratch() const { return scratch_.path(); }

 private:
  ipc::testing::TempDir scratch_;
  std::unique_ptr<ToolProcess> relay_;
};

// ltpnetem on loopback, seed 1, with `impairments` (its options: "--loss",
// "5%", ...): what is sent to 127.0.0.1:ab_port goes to 127.0.0.1:to_b,
// what is sent to ba_port to to_a. `error` says why it did not start.
struct NetemRelay {
  std::unique_ptr<ToolProcess> process;
  int ab_port = 0;
  int ba_port = 0;
  std::string error;
};
NetemRelay start_netem_relay(int to_b, int to_a, const std::vector<std::string>& impairments,
                             const std::filesystem::path& scratch);

// Waits until `process` holds client service `id` on `node` (its record in
// the heap names the process). False if it exited or `limit` passed. Also
// used by the ION harness's OpenLTP peer.
bool await_client(node::testing::TestNode& node, std::uint64_t id, ToolProcess& process,
                  std::chrono::milliseconds limit = std::chrono::seconds(30));

// Datagrams the relay dropped at random, both directions together.
std::uint64_t dropped_by_loss(const nlohmann::json& summary);
// The counters ltpstat reports for the span to `peer`.
const nlohmann::json& span_counters(const nlohmann::json& stat, int peer);

}  // namespace ltp::tools_test
