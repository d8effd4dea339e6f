// LinkTestNode: a configured, daemon-less node in its own temporary
// directory, for tests of link services: node::testing::TestNode
// configured with ltprc lines, clients opened, volatile state prepared
// (semaphores, span entries) — everything node start does except spawning
// daemons. The test moves the segments
// itself (link_service_test.cc) or runs udplso/udplsi as children
// (daemons/udplsi/udp_link_test.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipc/node_dir.h"
#include "libltp/engine/engine.h"
#include "libltp/node/node.h"
#include "libltp/node/testing/test_node.h"

namespace ltp::api::testing {

class LinkTestNode {
 public:
  // Engine `engine_id`, `ltprc` lines after `1 100` (spans, seats, `m`),
  // `clients` opened by this process. Fails the test (and returns null)
  // if any step fails.
  static std::unique_ptr<LinkTestNode> make(std::uint64_t engine_id,
                                            const std::vector<std::string>& ltprc,
                                            const std::vector<std::uint64_t>& clients = {1});
  // Detaches, then the TestNode stops the node (semaphores and shared
  // memory removed, any daemon the test registered signalled).
  ~LinkTestNode();

  const ipc::NodeDir& dir() const { return base_.dir(); }
  node::Node& node() { return *node_; }
  // The test thread's engine over the node.
  engine::Engine& engine() { return *engine_; }

  // The client's next notice, waiting on its notice semaphore up to
  // `timeout`; nothing if none came. Its data, if any, is read and released.
  struct TakenNotice {
    engine::Notice notice;
    std::vector<std::uint8_t> data;
  };
  std::optional<TakenNotice> wait_notice(std::uint64_t client, std::chrono::milliseconds timeout);

 private:
  LinkTestNode() = default;
  node::testing::TestNode base_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<engine::Engine> engine_;
  // Per client, its place in its notice queue.
  std::map<std::uint64_t, engine::NoticeCursor> cursors_;
};

}  // namespace ltp::api::testing
