// The C API (ltp.h) over the C++ API: one process-wide Client, the open
// access points by client id, and the notices' data objects by handle.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <openltp/ltp.h>
#include "libltp/api/client.h"

namespace {

using ltp::api::AccessPoint;
using ltp::api::BlockData;
using ltp::api::Client;

constexpr std::size_t kMaxOpen = 64;

// ltp_interrupt() runs in signal handlers, so it cannot take a mutex: it
// finds its access point in this fixed table of atomics instead, and
// ltp_close() waits until no interrupt is inside the table before it lets
// an access point go.
struct InterruptSlot {
  std::atomic<unsigned> id{0};
  std::atomic<AccessPoint*> access_point{nullptr};
};

struct State {
  std::mutex mutex;
  std::shared_ptr<Client> client;
  // Shared so a blocked ltp_get_notice() or ltp_send() keeps its access
  // point alive while another thread closes it.
  std::map<unsigned, std::shared_ptr<AccessPoint>> open;
  std::map<Object, BlockData> data;
  std::array<InterruptSlot, kMaxOpen> slots;
  std::atomic<int> interrupts_running{0};
};

State& state() {
  static State s;
  return s;
}

thread_local std::string last_error;

int fail(std::string message, int status = -1) {
  last_error = std::move(message);
  return status;
}

std::shared_ptr<AccessPoint> find_open(unsigned client_id) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.open.find(client_id);
  if (it == s.open.end()) {
    last_error = "client id " + std::to_string(client_id) + " is not open: call ltp_open first";
    return nullptr;
  }
  return it->second;
}

// Caller holds s.mutex.
void forget_slot(State& s, const AccessPoint* access_point) {
  for (auto& slot : s.slots) {
    if (slot.access_point.load() == access_point) {
      slot.access_point.store(nullptr);
      slot.id.store(0);
    }
  }
  while (s.interrupts_running.load() != 0) {
    // An interrupt is between its lookup and its post: a few instructions.
  }
}

}  // namespace

extern "C" {

int ltp_attach_node(const char* nodeDir) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (s.client) return 0;
  auto client = Client::attach(nodeDir ? std::optional<std::string>(nodeDir) : std::nullopt);
  if (!client) return fail(client.error().message);
  s.client = std::move(client).value();
  return 0;
}

int ltp_attach(void) { return ltp_attach_node(nullptr); }

void ltp_detach(void) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  for (auto& [id, access_point] : s.open) {
    forget_slot(s, access_point.get());
    access_point->close();
  }
  s.open.clear();
  s.data.clear();
  s.client.reset();
}

int ltp_engine_is_started(void) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.client && s.client->engine_started() ? 1 : 0;
}

int ltp_open(unsigned int clientId) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.client) return fail("not attached: call ltp_attach first");
  if (s.open.size() >= kMaxOpen) {
    return fail("too many client ids open in this process (at most 64)");
  }
  auto opened = AccessPoint::open(s.client, clientId);
  if (!opened) return fail(opened.error().message);
  std::shared_ptr<AccessPoint> access_point = std::move(opened).value();
  for (auto& slot : s.slots) {
    if (slot.access_point.load() == nullptr) {
      slot.id.store(clientId);
      slot.access_point.store(access_point.get());
      break;
    }
  }
  s.open.emplace(clientId, std::move(access_point));
  return 0;
}

void ltp_close(unsigned int clientId) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.open.find(clientId);
  if (it == s.open.end()) return;
  forget_slot(s, it->second.get());
  it->second->close();
  s.open.erase(it);
}

int ltp_send(uint64_t destinationEngineId, unsigned int clientId, const void* data, size_t length,
             unsigned int redLength, LtpSessionId* sessionId) {
  if (data == nullptr && length != 0) return fail("ltp_send: data is NULL");
  // As in ION the id need not be open here; if this process holds it, a
  // send waiting for the export window ends when ltp_close releases it.
  std::shared_ptr<Client> client;
  std::shared_ptr<AccessPoint> access_point;
  {
    State& s = state();
    std::lock_guard lock(s.mutex);
    if (!s.client) return fail("not attached: call ltp_attach first");
    client = s.client;
    if (const auto it = s.open.find(clientId); it != s.open.end()) access_point = it->second;
  }
  const std::uint64_t red = redLength == LTP_ALL_RED ? ltp::api::kAllRed : redLength;
  const std::span bytes(static_cast<const std::byte*>(data), length);
  auto sent = access_point ? access_point->send(destinationEngineId, bytes, red)
                           : client->send(clientId, destinationEngineId, bytes, red);
  if (!sent) {
    const bool stopped = sent.error().code == ltp::api::ClientErrc::span_stopped;
    return fail(sent.error().message, stopped ? 0 : -1);
  }
  if (sessionId) *sessionId = {sent.value().engine, sent.value().number};
  return 1;
}

int ltp_get_notice(unsigned int clientId, LtpNoticeType* type, LtpSessionId* sessionId,
                   unsigned char* reasonCode, unsigned char* endOfBlock, unsigned int* dataOffset,
                   unsigned int* dataLength, Object* data) {
  const auto access_point = find_open(clientId);
  if (!access_point) return -1;
  auto next = access_point->next_notice();
  if (!next) return fail(next.error().message);
  auto& notice = next.value();
  if (type) *type = static_cast<LtpNoticeType>(notice.type);
  if (sessionId) *sessionId = {notice.session.engine, notice.session.number};
  if (reasonCode) *reasonCode = notice.reason;
  if (endOfBlock) *endOfBlock = notice.end_of_block ? 1 : 0;
  if (dataOffset) *dataOffset = static_cast<unsigned int>(notice.offset);
  if (dataLength) *dataLength = static_cast<unsigned int>(notice.length);
  Object handle = 0;
  // Without a place to return the handle, the data could never be
  // released: it goes back at once (BlockData's destructor).
  if (data && !notice.data.empty()) {
    handle = notice.data.handle();
    State& s = state();
    std::lock_guard lock(s.mutex);
    s.data.insert_or_assign(handle, std::move(notice.data));
  }
  if (data) *data = handle;
  return 0;
}

int ltp_cancel(unsigned int clientId, const LtpSessionId* sessionId) {
  if (sessionId == nullptr) return fail("ltp_cancel: sessionId is NULL");
  const auto access_point = find_open(clientId);
  if (!access_point) return -1;
  auto cancelled = access_point->cancel({sessionId->sourceEngineId, sessionId->sessionNbr});
  if (!cancelled) return fail(cancelled.error().message);
  return 0;
}

void ltp_interrupt(unsigned int clientId) {
  State& s = state();
  s.interrupts_running.fetch_add(1);
  for (auto& slot : s.slots) {
    if (slot.id.load() != clientId) continue;
    if (AccessPoint* access_point = slot.access_point.load()) access_point->interrupt();
  }
  s.interrupts_running.fetch_sub(1);
}

size_t ltp_data_length(Object data) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.data.find(data);
  return it == s.data.end() ? 0 : it->second.size();
}

size_t ltp_read_data(Object data, size_t offset, void* buffer, size_t length) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.data.find(data);
  if (it == s.data.end() || buffer == nullptr) return 0;
  return it->second.copy_to(std::span(static_cast<std::byte*>(buffer), length), offset);
}

void ltp_release_data(Object data) {
  State& s = state();
  BlockData released;
  {
    std::lock_guard lock(s.mutex);
    const auto it = s.data.find(data);
    if (it == s.data.end()) return;
    released = std::move(it->second);
    s.data.erase(it);
  }
  (void)released.release();
}

const char* ltp_last_error(void) { return last_error.c_str(); }

}  // extern "C"
