#include "libltp/node/node_signals.h"

#include "libltp/node/semaphore_names.h"

#include <spdlog/spdlog.h>

namespace ltp::node {

void NodeSignals::segments_ready(std::uint64_t span_engine) {
  post(segment_semaphore(span_engine));
}
void NodeSignals::notice_ready(std::uint64_t client_id) { post(notice_semaphore(client_id)); }
void NodeSignals::timeline_changed() { post(kClockSemaphore); }
void NodeSignals::export_window_open(std::uint64_t span_engine) {
  post(window_semaphore(span_engine));
}
void NodeSignals::block_opened(std::uint64_t span_engine) { post(meter_semaphore(span_engine)); }

void NodeSignals::heap_short(std::uint64_t span_engine, bool cancelled) {
  if (cancelled) {
    spdlog::warn(
        "the heap is too small: a block from engine {} is larger than this node's heap could "
        "hold, so it was cancelled (SYS_CNCLD); raise heapWords in the ionconfig file (or "
        "heapmax) or send smaller blocks",
        span_engine);
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto [it, first] = heap_short_warned_.try_emplace(span_engine, now);
    if (!first && now - it->second < std::chrono::seconds(kHeapShortQuietS)) return;
    it->second = now;
  }
  spdlog::warn(
      "the heap is full: red data from engine {} is not kept and will be resent once "
      "clients release delivered blocks (a larger heap: heapWords in the ionconfig file; "
      "or receiving clients that keep up)",
      span_engine);
}

void NodeSignals::post(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(name);
  if (it == open_.end()) {
    auto opened = ipc::NodeSemaphore::open(dir_, name);
    if (!opened) return;
    it = open_.emplace(name, std::move(opened).value()).first;
  }
  it->second.post();
}

void NodeSignals::forget(const std::string& name) {
  std::lock_guard lock(mutex_);
  open_.erase(name);
}

}  // namespace ltp::node
