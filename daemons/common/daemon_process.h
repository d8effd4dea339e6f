// DaemonProcess: what every daemon of a node does around its loop — find
// the node (--node, else $LTP_NODE_DIR as set by node start, else the
// current directory), log to the node's log, attach to the running node,
// take its role in the task registry (refusing if a live process has it),
// tell node start it is up, and turn SIGTERM/SIGINT into a stop request.
//
// Used by ltpclock, ltpmeter, ltpdeliv, udplsi and udplso; a third-party
// link service gets the same through the link-service API (libltp/api).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <cxxopts.hpp>

#include "ipc/node_semaphore.h"
#include "ipc/result.h"
#include "libltp/engine/engine.h"
#include "libltp/node/node.h"

namespace ltp::daemons {

class DaemonProcess {
 public:
  // The options every daemon takes: --node DIR and --help.
  static void add_common_options(cxxopts::Options& options);

  // Exit status and message on failure (cli::kRuntimeFailure, ready to print).
  // The link services, which move every block through the heap, attach with
  // `attach.prefault`.
  static Result<std::unique_ptr<DaemonProcess>, std::string> start(
      const std::string& program, const cxxopts::ParseResult& args, const std::string& role,
      const node::AttachOptions& attach = {});
  ~DaemonProcess();

  node::Node& node() { return *node_; }
  engine::Engine& engine() { return *engine_; }
  const std::string& role() const { return role_; }

  // Posts the node's "started" semaphore: call once the daemon serves.
  void announce_started();

  // Set by SIGTERM, SIGINT or SIGHUP (handlers installed by start()); the
  // signal also interrupts a blocking system call (no SA_RESTART).
  static bool stop_requested();
  // stop_requested(), or the node was stopped (its semaphores ended): for
  // a daemon that sleeps on none of them (udplsi), so that a stop which
  // could not signal it (no registry: a heap of another version) still
  // ends it. Sets the stop flag for the daemon's other threads.
  bool should_stop();

 private:
  DaemonProcess() = default;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<engine::Engine> engine_;
  std::string role_;
  bool registered_ = false;
  std::optional<ipc::NodeSemaphore> started_;  // kept from announce_started()
};

}  // namespace ltp::daemons
