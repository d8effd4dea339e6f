// The C link-service API (ltp_link_service.h) over the C++ one
// (link_service.h): one process-wide node attachment and span table, and
// per thread an Engine, a batch and the copy buffer of the one-segment
// calls.
#include <openltp/ltp_link_service.h>

#include <errno.h>
#include <fmt/format.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ipc/process_log.h"
#include "ipc/transaction.h"
#include "libltp/api/link_service.h"

namespace {

using ltp::api::LinkError;
using ltp::api::SpanLink;

struct SpanEntry {
  LtpVspan view{};
  std::unique_ptr<SpanLink> link;
  // Nothing left to dequeue the last time we looked: wait for a post
  // before looking again. A post covers any number of segments, so a
  // dequeue that found some must be followed by another before waiting.
  std::atomic<bool> drained{false};
};

struct State {
  std::mutex mutex;
  std::unique_ptr<ltp::node::Node> node;  // first: outlives the claims below
  std::uint64_t generation = 1;           // bumped by detach: thread engines are stale
  std::map<std::uint64_t, std::unique_ptr<SpanEntry>> spans;
  std::vector<ltp::ipc::NodeSemaphore*> semaphores;  // index = sm_SemId
  std::optional<ltp::api::Registration> seat;
};

State& state() {
  static State s;
  return s;
}

struct ThreadState {
  std::uint64_t generation = 0;
  std::unique_ptr<ltp::engine::Engine> engine;
  std::unique_ptr<ltp::engine::OutboundBatch> batch;
  std::vector<char> buffer;
  std::vector<std::span<const std::uint8_t>> views;
  std::string error;
};

thread_local ThreadState t_thread;

int fail(std::string message) {
  spdlog::error("link service: {}", message);
  t_thread.error = std::move(message);
  return -1;
}

// This thread's engine over the attached node, or null (error recorded).
ltp::engine::Engine* thread_engine() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.node) {
    fail("not attached to a node: call ltpInit(0) first");
    return nullptr;
  }
  if (!t_thread.engine || t_thread.generation != s.generation) {
    auto engine = s.node->make_engine();
    if (!engine) {
      fail(engine.error().message);
      return nullptr;
    }
    t_thread.engine = std::move(engine).value();
    t_thread.generation = s.generation;
  }
  return t_thread.engine.get();
}

SpanEntry* entry_of(const LtpVspan* vspan) {
  if (vspan == nullptr) {
    fail("no span given: call findSpan() first");
    return nullptr;
  }
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.spans.find(vspan->engineId);
  if (it == s.spans.end()) {
    fail(fmt::format("span {} is not open: call findSpan() first", vspan->engineId));
    return nullptr;
  }
  return it->second.get();
}

ltp::engine::OutboundBatch& thread_batch() {
  if (!t_thread.batch) t_thread.batch = std::make_unique<ltp::engine::OutboundBatch>();
  return *t_thread.batch;
}

// Waits for segments when the span looked empty, then dequeues up to max
// into this thread's batch. Returns the count, or -1 (span stopped, error).
int dequeue_batch(SpanEntry& entry, std::size_t max) {
  SpanLink& link = *entry.link;
  if (link.ended()) return fail(fmt::format("span {} was stopped", link.engine_id()));
  ltp::engine::Engine* engine = thread_engine();
  if (engine == nullptr) return -1;
  if (entry.drained.load(std::memory_order_acquire)) {
    if (link.semaphore().wait() == ltp::ipc::WaitResult::ended) {
      return fail(fmt::format("span {} was stopped", link.engine_id()));
    }
    // Posts that piled up while we were dequeuing all mean "look again".
    while (link.try_wait() == ltp::ipc::WaitResult::acquired) {
    }
    entry.drained.store(false, std::memory_order_release);
  }
  auto got = link.dequeue(*engine, max, thread_batch(), ltp::node::now_ms());
  if (!got) return fail(got.error().message);
  if (got.value() == 0) entry.drained.store(true, std::memory_order_release);
  return static_cast<int>(got.value());
}

void refresh_lso_pid(SpanEntry& entry) {
  const auto pid = entry.link->lso_pid();
  entry.view.lsoPid = pid ? *pid : -1;
}

}  // namespace

extern "C" {

int ltpInit(int /*estMaxExportSessions*/) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.node) return 0;
  auto node = ltp::api::attach_node(std::nullopt);
  if (!node) return fail(node.error().message);
  s.node = std::move(node).value();
  ltp::ipc::setup_process_log(s.node->dir(), program_invocation_short_name);
  return 0;
}

void findSpan(uvast engineId, LtpVspan** vspan, PsmAddress* vspanElt) {
  if (vspan != nullptr) *vspan = nullptr;
  if (vspanElt != nullptr) *vspanElt = 0;
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.node) {
    fail("not attached to a node: call ltpInit(0) first");
    return;
  }
  auto it = s.spans.find(engineId);
  if (it == s.spans.end()) {
    auto link = SpanLink::open(*s.node, engineId);
    if (!link) {
      fail(link.error().message);
      return;
    }
    auto entry = std::make_unique<SpanEntry>();
    entry->link = std::move(link).value();
    entry->view.engineId = engineId;
    entry->view.segSemaphore = static_cast<sm_SemId>(s.semaphores.size());
    s.semaphores.push_back(&entry->link->semaphore());
    it = s.spans.emplace(engineId, std::move(entry)).first;
  }
  SpanEntry& entry = *it->second;
  refresh_lso_pid(entry);
  if (vspan != nullptr) *vspan = &entry.view;
  if (vspanElt != nullptr) *vspanElt = reinterpret_cast<PsmAddress>(&entry);
}

int ltpClaimSpan(LtpVspan* vspan) {
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  if (auto claimed = entry->link->claim(); !claimed) return fail(claimed.error().message);
  refresh_lso_pid(*entry);
  State& s = state();
  std::lock_guard lock(s.mutex);
  ltp::api::announce_started(*s.node);
  return 0;
}

int ltpClaimSeat(void) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.node) return fail("not attached to a node: call ltpInit(0) first");
  if (!s.seat) {
    auto registration = ltp::api::register_lsi(*s.node);
    if (!registration) return fail(registration.error().message);
    s.seat.emplace(std::move(registration).value());
  }
  ltp::api::announce_started(*s.node);
  return 0;
}

int ltpDequeueOutboundSegment(LtpVspan* vspan, char** buf) {
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  const int got = dequeue_batch(*entry, 1);
  if (got <= 0) return got;
  const auto& gather = thread_batch().segments().front().gather;
  std::vector<char>& out = t_thread.buffer;
  out.resize(gather.total_size);
  std::size_t at = 0;
  for (std::size_t i = 0; i < gather.count; ++i) {
    std::memcpy(out.data() + at, gather.iov[i].iov_base, gather.iov[i].iov_len);
    at += gather.iov[i].iov_len;
  }
  if (buf != nullptr) *buf = out.data();
  return static_cast<int>(out.size());
}

int ltpDequeueOutboundSegments(LtpVspan* vspan, LtpOutboundSegment* segments, int maxSegments) {
  if (segments == nullptr || maxSegments <= 0) return fail("no room for segments given");
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  const int got = dequeue_batch(*entry, static_cast<std::size_t>(maxSegments));
  if (got <= 0) return got;
  const auto& dequeued = thread_batch().segments();
  for (int i = 0; i < got; ++i) {
    const auto& gather = dequeued[i].gather;
    LtpOutboundSegment& out = segments[i];
    std::copy_n(gather.iov.begin(), gather.count, out.iov);
    out.iovCount = static_cast<int>(gather.count);
    out.length = gather.total_size;
  }
  return got;
}

int ltpOutboundSegmentsSent(LtpVspan* vspan) {
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  ltp::engine::Engine* engine = thread_engine();
  if (engine == nullptr) return -1;
  auto sent = entry->link->sent(*engine, thread_batch().segments(), ltp::node::now_ms());
  return sent ? 0 : fail(sent.error().message);
}

int ltpSpanLinkState(LtpVspan* vspan, uvast* rateBytesPerSec) {
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  const auto link = entry->link->link_state();
  if (rateBytesPerSec != nullptr) *rateBytesPerSec = link.transmit_rate;
  return link.transmitting ? 1 : 0;
}

int ltpPaceByLearnedRate(LtpVspan* vspan, int on) {
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  if (on != 0 && on != 1) return fail("ltpPaceByLearnedRate: on must be 1 or 0");
  entry->link->pace_by_learned_rate(on == 1);
  return 0;
}

int ltpSpanSendingRate(LtpVspan* vspan, uvast ceilingBytesPerSec, uvast* rateBytesPerSec) {
  SpanEntry* entry = entry_of(vspan);
  if (entry == nullptr) return -1;
  if (rateBytesPerSec == nullptr) return fail("ltpSpanSendingRate: no place for the rate given");
  *rateBytesPerSec = entry->link->sending_rate(ceilingBytesPerSec);
  return 0;
}

int ltpHandleInboundSegment(char* buf, int length) {
  if (buf == nullptr || length < 0) return fail("no segment given");
  const iovec datagram{buf, static_cast<std::size_t>(length)};
  return ltpHandleInboundSegments(&datagram, 1);
}

int ltpHandleInboundSegments(const struct iovec* datagrams, int count) {
  if (count <= 0) return 0;
  if (datagrams == nullptr) return fail("no segments given");
  ltp::engine::Engine* engine = thread_engine();
  if (engine == nullptr) return -1;
  auto& views = t_thread.views;
  views.clear();
  for (int i = 0; i < count; ++i) {
    views.emplace_back(static_cast<const std::uint8_t*>(datagrams[i].iov_base),
                       datagrams[i].iov_len);
  }
  auto handled = ltp::api::handle_inbound(*engine, views, ltp::node::now_ms());
  return handled ? 0 : fail(handled.error().message);
}

int sm_SemEnded(sm_SemId sem) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (sem < 0 || static_cast<std::size_t>(sem) >= s.semaphores.size()) return 1;
  return s.semaphores[static_cast<std::size_t>(sem)]->is_ended() ? 1 : 0;
}

void sm_TaskYield(void) { ::sched_yield(); }

int sm_TaskIdSelf(void) { return static_cast<int>(::getpid()); }

const char* ltpLinkError(void) { return t_thread.error.c_str(); }

void ltpLinkDetach(void) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  t_thread.engine.reset();
  t_thread.batch.reset();
  s.seat.reset();
  s.semaphores.clear();
  s.spans.clear();
  s.node.reset();
  ++s.generation;
}

}  // extern "C"
