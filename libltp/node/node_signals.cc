#include "libltp/node/node_signals.h"

#include "libltp/node/semaphore_names.h"

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
