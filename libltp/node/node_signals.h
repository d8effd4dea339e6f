// NodeSignals: the engine's wake-ups (EngineSignals) delivered as posts on
// the node's named semaphores, so a daemon or client in another process
// that sleeps on one wakes up.
//
// Every Engine a process makes over its Node shares one NodeSignals.
// Semaphores are opened on first use and kept; one that does not exist
// (a client that never opened, a node being stopped) is skipped, since
// nobody can be sleeping on it. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "ipc/node_dir.h"
#include "ipc/node_semaphore.h"
#include "libltp/engine/signals.h"

namespace ltp::node {

class NodeSignals final : public engine::EngineSignals {
 public:
  explicit NodeSignals(ipc::NodeDir dir) : dir_(std::move(dir)) {}

  void segments_ready(std::uint64_t span_engine) override;
  void notice_ready(std::uint64_t client_id) override;
  void timeline_changed() override;
  void export_window_open(std::uint64_t span_engine) override;
  void block_opened(std::uint64_t span_engine) override;
  // A warning in the log: every cancel, and data not kept at most once
  // per span every kHeapShortQuietS.
  void heap_short(std::uint64_t span_engine, bool cancelled) override;

  // Posts the named semaphore if it exists.
  void post(const std::string& name);
  // Forgets an opened semaphore (a client's, when it closes).
  void forget(const std::string& name);

 private:
  ipc::NodeDir dir_;
  std::mutex mutex_;
  std::map<std::string, ipc::NodeSemaphore, std::less<>> open_;
  static constexpr std::int64_t kHeapShortQuietS = 10;
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> heap_short_warned_;
};

}  // namespace ltp::node
