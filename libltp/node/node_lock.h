// NodeLock: one start, stop or configuration run of a node at a time.
//
// start_node() and stop_node() hold it, and ionstart holds it around its
// whole run (configure, then start), so two ionstarts or an ionstart and
// an ionstop on one node run one after the other instead of tearing down
// each other's half-made node. An flock on DIR/node.lock: released by the
// kernel if the holder dies. Taking it again in a process that holds it
// nests (ionstart -> start_node).
#pragma once

#include <string>

#include "ipc/node_dir.h"
#include "ipc/result.h"

namespace ltp::node {

class NodeLock {
 public:
  // Waits for the lock; fails only if the lock file cannot be opened.
  static Result<NodeLock, std::string> acquire(const ipc::NodeDir& dir);
  NodeLock(NodeLock&& other) noexcept : key_(std::move(other.key_)) { other.key_.clear(); }
  NodeLock& operator=(NodeLock&&) = delete;
  ~NodeLock();

 private:
  explicit NodeLock(std::string key) : key_(std::move(key)) {}
  std::string key_;  // the lock file's path; empty once moved from
};

}  // namespace ltp::node
