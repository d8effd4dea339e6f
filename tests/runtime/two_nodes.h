// TwoNodes: engines 1 and 2 on loopback, each its own node directory with
// udplso/udplsi between them, started through the admin API and attached
// as clients; the fixture of the runtime's multi-process tests.
//
// Teardown stops both nodes and checks that nothing is left: every daemon
// gone (by pid), no shared memory, no semaphore.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipc/task_registry.h"
#include "libltp/api/client.h"
#include "libltp/node/testing/test_node.h"

namespace ltp::runtime_test {

struct SpanSettings {
  int max_export_sessions = 100;
  int max_segment_size = 1400;
  std::uint64_t aggregation_size = 1;  // every send closes its block
  std::string aggregation_time = "1";
  // udplso's txbps; 0 = unlimited. Green data is never resent, so a test of
  // green delivery paces the sender below what a receiving socket whose
  // buffer the kernel caps (net.core.rmem_max, no CAP_NET_ADMIN) can absorb
  // while udplsi waits for a core.
  std::uint64_t lso_bits_per_second = 0;
  // Options before udplsi's address in the seat's command ("--peers-only").
  std::string lsi_options;
  // ltprc's `m maxber`; empty: ION's default (1e-6). The engine derives its
  // checkpoint and report retransmission limits from it
  // (libltp/engine/retransmit_limits.h), so a test over a link that loses
  // far more raises it, as the operator of such a link would.
  std::string maxber;
};

class TwoNodes : public ::testing::Test {
 protected:
  // Configures and starts both nodes; call first in each test.
  void start(const SpanSettings& settings = {});
  // Picks the LSI ports; start() does it unless a test did first (to put
  // a relay between the nodes: see lso_port_).
  void choose_ports();
  void TearDown() override;

  node::testing::TestNode& node(int engine) { return engine == 1 ? one_ : two_; }
  std::string ionrc(int engine) const;
  std::string ltprc(int engine, const SpanSettings& settings) const;
  // Attaches a fresh client to the node of `engine` and opens `client_id`.
  std::unique_ptr<api::AccessPoint> open(int engine, std::uint64_t client_id);
  // Every task the node runs now (for the no-leftovers check).
  std::vector<ipc::TaskInfo> tasks(int engine);

  node::testing::TestNode one_, two_;
  int port_[3] = {0, 0, 0};  // each engine's LSI port
  // Where each engine's LSO sends; 0: straight to the peer's LSI port.
  int lso_port_[3] = {0, 0, 0};
  std::vector<ipc::TaskInfo> seen_tasks_;
};

// Bytes that say where they come from: block `tag`, offset i.
std::vector<std::byte> pattern(std::size_t size, std::uint32_t tag);

// Takes notices until `want` says stop (returns true) or `limit` passes;
// returns whether it stopped because of `want`.
bool take_notices(api::AccessPoint& ap, const std::function<bool(api::Notice&)>& want,
                  std::chrono::seconds limit = std::chrono::seconds(120));

}  // namespace ltp::runtime_test
