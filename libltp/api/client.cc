#include "libltp/api/client.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <utility>

#include "ipc/transaction.h"
#include "libltp/db/chunked_buffer.h"
#include "libltp/db/ltp_db.h"
#include "libltp/engine/engine.h"
#include "libltp/node/node.h"
#include "libltp/node/semaphore_names.h"

namespace ltp::api {
namespace {

// How long a send blocked on a full window or heap sleeps before retrying:
// the window semaphore wakes it sooner, but room in the heap can also come
// from a released delivery, which posts nothing.
constexpr std::chrono::milliseconds kSendRetry{100};

// The access point interrupt_on_stop_signals() wakes.
std::atomic<AccessPoint*> signalled_access_point{nullptr};

ClientError error(ClientErrc code, std::string message) { return {code, std::move(message)}; }

ClientError heap_error(std::string_view what) {
  return error(
      ClientErrc::heap,
      fmt::format("{}: the node's heap refused the change (full?); see the node's ltp.log", what));
}

ClientError from_node(const node::NodeError& e) {
  return error(
      e.code == node::NodeErrc::not_running ? ClientErrc::not_running : ClientErrc::no_node,
      e.message);
}

SessionId session_id(const codec::SessionId& s) { return {s.originator, s.number}; }

// Marks the client's record closed if this process holds it (after a node
// restart another process may have reopened the id).
void close_record(node::Node& node, std::uint64_t client_id) {
  auto txn = node.heap().begin();
  if (!txn) return;
  auto db = db::LtpDb::open(txn.value());
  if (!db) return;
  const auto record = db.value().find_client(txn.value(), client_id);
  if (record &&
      txn.value().get<db::ClientRecord>(*record)->pid == static_cast<std::uint64_t>(::getpid())) {
    (void)db.value().close_client(txn.value(), client_id);
  }
  (void)txn.value().commit();
}

}  // namespace

std::string_view to_string(ClientErrc e) {
  switch (e) {
    case ClientErrc::no_node:
      return "no node";
    case ClientErrc::not_running:
      return "node not running";
    case ClientErrc::in_use:
      return "client id in use";
    case ClientErrc::bad_argument:
      return "bad argument";
    case ClientErrc::no_such_span:
      return "no such span";
    case ClientErrc::no_such_session:
      return "no such session";
    case ClientErrc::not_open:
      return "access point closed";
    case ClientErrc::span_stopped:
      return "span stopped";
    case ClientErrc::node_stopped:
      return "node stopped";
    case ClientErrc::heap:
      return "heap error";
  }
  return "unknown error";
}

std::string_view to_string(NoticeType t) {
  switch (t) {
    case NoticeType::none:
      return "none";
    case NoticeType::export_start:
      return "export session start";
    case NoticeType::transmission_complete:
      return "transmission complete";
    case NoticeType::export_cancelled:
      return "export session cancelled";
    case NoticeType::export_complete:
      return "export session complete";
    case NoticeType::green_segment:
      return "green segment received";
    case NoticeType::red_part:
      return "red part received";
    case NoticeType::import_cancelled:
      return "import session cancelled";
  }
  return "unknown notice";
}

std::string_view reason_text(std::uint8_t reason) {
  switch (reason) {
    case 0:
      return "cancelled by the user (USR_CNCLD)";
    case 1:
      return "the peer is unreachable (UNREACH)";
    case 2:
      return "retransmission limit exceeded (RLEXC)";
    case 3:
      return "red data after green data (MISCOLORED)";
    case 4:
      return "cancelled by the system, e.g. the receiver ran out of room (SYS_CNCLD)";
    case 5:
      return "too many retransmission cycles (RXMTCYCEXC)";
  }
  return "reserved reason code";
}

// ---- BlockData

BlockData::BlockData(std::shared_ptr<Client> client, std::uint64_t client_id, ipc::Addr handle,
                     std::uint64_t size, std::vector<std::span<const std::byte>> chunks)
    : client_(std::move(client)),
      client_id_(client_id),
      handle_(handle),
      size_(size),
      chunks_(std::move(chunks)) {}

BlockData::BlockData(BlockData&& other) noexcept
    : client_(std::move(other.client_)),
      client_id_(other.client_id_),
      handle_(std::exchange(other.handle_, ipc::kNullAddr)),
      size_(std::exchange(other.size_, 0)),
      chunks_(std::move(other.chunks_)) {
  other.chunks_.clear();
}

BlockData& BlockData::operator=(BlockData&& other) noexcept {
  if (this != &other) {
    (void)release();
    client_ = std::move(other.client_);
    client_id_ = other.client_id_;
    handle_ = std::exchange(other.handle_, ipc::kNullAddr);
    size_ = std::exchange(other.size_, 0);
    chunks_ = std::move(other.chunks_);
    other.chunks_.clear();
  }
  return *this;
}

BlockData::~BlockData() { (void)release(); }

std::size_t BlockData::copy_to(std::span<std::byte> out, std::uint64_t offset) const {
  std::size_t copied = 0;
  std::uint64_t chunk_start = 0;
  for (const auto& chunk : chunks_) {
    if (copied == out.size()) break;
    const std::uint64_t chunk_end = chunk_start + chunk.size();
    if (offset < chunk_end) {
      const std::uint64_t from = offset - chunk_start;
      const std::size_t n = std::min<std::uint64_t>(chunk.size() - from, out.size() - copied);
      std::memcpy(out.data() + copied, chunk.data() + from, n);
      copied += n;
      offset += n;
    }
    chunk_start = chunk_end;
  }
  return copied;
}

std::vector<std::byte> BlockData::to_vector() const {
  std::vector<std::byte> bytes(size_);
  copy_to(bytes);
  return bytes;
}

ClientResult<void> BlockData::release() {
  if (handle_ == ipc::kNullAddr) return success();
  const ipc::Addr handle = std::exchange(handle_, ipc::kNullAddr);
  size_ = 0;
  chunks_.clear();
  auto client = std::move(client_);
  std::lock_guard lock(client->engine_mutex_);
  if (!client->engine_->release_data(client_id_, handle, client->cursors_[client_id_])) {
    return failure(heap_error("cannot release data"));
  }
  return success();
}

// ---- Client

Client::Client(std::unique_ptr<node::Node> node, std::unique_ptr<engine::Engine> engine)
    : node_(std::move(node)), engine_(std::move(engine)) {}

Client::~Client() = default;

ClientResult<std::shared_ptr<Client>> Client::attach(const std::optional<std::string>& node_dir) {
  auto dir = ipc::NodeDir::resolve(node_dir);
  if (!dir) {
    return failure(
        error(ClientErrc::no_node,
              fmt::format("node directory {}: {}; pass --node or set LTP_NODE_DIR",
                          node_dir.value_or("(current directory)"), ipc::to_string(dir.error()))));
  }
  // ltp_send copies whole blocks into the heap: their pages are mapped
  // now, not faulted in one by one while the transaction holds the lock.
  auto node = node::Node::attach(dir.value(), {.prefault = true});
  if (!node) return failure(from_node(node.error()));
  auto engine = node.value()->make_engine();
  if (!engine) return failure(from_node(engine.error()));
  return std::shared_ptr<Client>(new Client(std::move(node).value(), std::move(engine).value()));
}

bool Client::engine_started() { return node_->engine_started(); }
std::uint64_t Client::own_engine_id() const { return node_->own_engine_id(); }
std::uint64_t Client::max_block_bytes() const { return engine_->max_block_bytes(); }

bool Client::link_service_running(std::uint64_t engine) {
  const auto registry = node_->registry();
  return registry && registry->is_alive(node::lso_role(engine));
}

std::optional<ClientError> Client::node_gone() const {
  const ipc::VolatileSegment* segment = node_->segment();
  if (segment != nullptr && !segment->retired()) return std::nullopt;
  return error(ClientErrc::node_stopped,
               fmt::format("the node in {} stopped or restarted under this process: attach "
                           "again and reopen the client id",
                           node_->dir().dir().string()));
}
const ipc::NodeDir& Client::dir() const { return node_->dir(); }

// ---- AccessPoint

AccessPoint::AccessPoint(std::shared_ptr<Client> client, std::uint64_t client_id,
                         ipc::NodeSemaphore notices)
    : client_(std::move(client)), client_id_(client_id), notices_(std::move(notices)) {}

AccessPoint::~AccessPoint() {
  AccessPoint* self = this;
  signalled_access_point.compare_exchange_strong(self, nullptr);
  close();
}

ClientResult<std::unique_ptr<AccessPoint>> AccessPoint::open(std::shared_ptr<Client> client,
                                                             std::uint64_t client_id) {
  if (client_id == 0) {
    return failure(error(ClientErrc::bad_argument, "client id 0 is not valid: use 1 or more"));
  }
  node::Node& node = *client->node_;
  auto registry = node.registry();
  if (!registry) {
    return failure(error(ClientErrc::not_running,
                         "the node's task registry is unavailable: restart the node"));
  }
  const std::string role = node::client_role(client_id);
  // The registry decides who holds the id: its liveness test sees a dead
  // holder (kill -9) where the heap's client record cannot.
  if (auto added = registry->add(role); !added) {
    if (added.error() == ipc::RegistryError::role_taken) {
      const auto holder = registry->lookup(role);
      return failure(
          error(ClientErrc::in_use,
                fmt::format("client id {} is in use by pid {}: stop that process or use another id",
                            client_id, holder ? holder->pid : 0)));
    }
    return failure(error(
        ClientErrc::not_running,
        fmt::format("cannot register client id {}: {}", client_id, ipc::to_string(added.error()))));
  }
  auto unregister = [&](ClientError e) {
    (void)registry->remove(role);
    return failure(std::move(e));
  };

  {
    auto txn = node.heap().begin();
    if (!txn) return unregister(heap_error("cannot open the client"));
    auto db = db::LtpDb::open(txn.value());
    if (!db) {
      return unregister(error(ClientErrc::no_node, "the node's heap has no LTP database"));
    }
    const auto pid = static_cast<std::uint64_t>(::getpid());
    // A record left open by a dead holder: we hold the role now, so it is stale.
    if (const auto record = db.value().find_client(txn.value(), client_id);
        record && txn.value().get<db::ClientRecord>(*record)->pid != pid) {
      (void)db.value().close_client(txn.value(), client_id);
    }
    if (!db.value().open_client(txn.value(), client_id, pid) || !txn.value().commit()) {
      return unregister(heap_error("cannot open the client"));
    }
  }

  const std::string name = node::notice_semaphore(client_id);
  auto sem = ipc::NodeSemaphore::create(node.dir(), name);
  if (!sem && sem.error() == ipc::SemError::exists)
    sem = ipc::NodeSemaphore::open(node.dir(), name);
  if (!sem) {
    close_record(node, client_id);
    return unregister(error(
        ClientErrc::not_running,
        fmt::format("cannot create the client's semaphore /dev/shm/{}: {}{}",
                    ipc::NodeSemaphore::object_name(node.dir(), name), ipc::to_string(sem.error()),
                    sem.error() == ipc::SemError::foreign ? "" : "; restart the node")));
  }
  node.signals().post(node::kDeliverySemaphore);
  return std::unique_ptr<AccessPoint>(
      new AccessPoint(std::move(client), client_id, std::move(sem).value()));
}

ClientError AccessPoint::closed_error() const {
  return error(ClientErrc::not_open, fmt::format("client id {} is closed", client_id_));
}

ClientResult<SessionId> Client::send(std::uint64_t client_id, std::uint64_t destination,
                                     std::span<const std::byte> data, std::uint64_t red_length,
                                     const std::function<std::optional<ClientError>()>& stop) {
  if (client_id == 0) return failure(error(ClientErrc::bad_argument, "client id 0 is not valid"));
  if (data.empty()) return failure(error(ClientErrc::bad_argument, "cannot send an empty block"));
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  std::optional<ipc::NodeSemaphore> window;
  for (;;) {
    if (stop) {
      if (auto why = stop()) return failure(std::move(*why));
    }
    if (auto gone = node_gone()) return failure(std::move(*gone));
    engine::EngineError why;
    {
      std::lock_guard lock(engine_mutex_);
      auto sent = engine_->send(client_id, destination, bytes, red_length, node::now_ms());
      if (sent) return session_id(sent.value());
      why = sent.error();
    }
    switch (why) {
      case engine::EngineError::window_full:
      case engine::EngineError::over_heapmax:
      case engine::EngineError::heap_full:
        break;  // wait below: finished blocks give sessions and room back
      case engine::EngineError::block_too_large:
        return failure(error(ClientErrc::bad_argument,
                             fmt::format("cannot send: a block of {} bytes is more than half the "
                                         "node's heap; send it in parts, or give the node a larger "
                                         "heap (ionconfig heapWords) and start it afresh",
                                         data.size())));
      case engine::EngineError::no_such_span:
        return failure(error(ClientErrc::no_such_span,
                             fmt::format("no span to engine {}: add one with `a span {} ...` in "
                                         "ltpadmin",
                                         destination, destination)));
      case engine::EngineError::empty_sdu:
        return failure(error(ClientErrc::bad_argument, "cannot send an empty block"));
      default:
        return failure(heap_error("cannot send"));
    }
    if (!window) {
      auto opened = ipc::NodeSemaphore::open(dir(), node::window_semaphore(destination));
      if (!opened) {
        return failure(error(
            ClientErrc::span_stopped,
            fmt::format("the span to engine {} is not running: start the node", destination)));
      }
      window.emplace(std::move(opened).value());
    }
    if (window->timed_wait(kSendRetry) == ipc::WaitResult::ended) {
      return failure(error(ClientErrc::span_stopped,
                           fmt::format("the span to engine {} stopped while the block waited "
                                       "for its export window",
                                       destination)));
    }
  }
}

ClientResult<SessionId> AccessPoint::send(std::uint64_t destination,
                                          std::span<const std::byte> data,
                                          std::uint64_t red_length) {
  return client_->send(client_id_, destination, data, red_length,
                       [this]() -> std::optional<ClientError> {
                         if (is_open()) return std::nullopt;
                         return closed_error();
                       });
}

ClientResult<void> AccessPoint::flush(std::uint64_t destination) {
  if (!is_open()) return failure(closed_error());
  return client_->flush(destination);
}

ClientResult<void> Client::flush(std::uint64_t destination) {
  if (auto gone = node_gone()) return failure(std::move(*gone));
  std::lock_guard lock(engine_mutex_);
  auto flushed = engine_->flush(destination, node::now_ms());
  if (flushed) return success();
  if (flushed.error() == engine::EngineError::no_such_span) {
    return failure(
        error(ClientErrc::no_such_span, fmt::format("no span to engine {}", destination)));
  }
  return failure(heap_error("cannot flush the block"));
}

ClientResult<void> AccessPoint::cancel(SessionId session) {
  if (!is_open()) return failure(closed_error());
  if (auto gone = client_->node_gone()) return failure(std::move(*gone));
  std::lock_guard lock(client_->engine_mutex_);
  auto& engine = *client_->engine_;
  const auto cancelled =
      session.engine == client_->own_engine_id()
          ? engine.cancel_export(session.number, node::now_ms(), client_id_)
          : engine.cancel_import(session.engine, session.number, node::now_ms(), client_id_);
  if (cancelled) return success();
  if (cancelled.error() == engine::EngineError::no_such_session ||
      cancelled.error() == engine::EngineError::no_such_span) {
    return failure(error(ClientErrc::no_such_session,
                         fmt::format("no session {}:{} of client {} is open: it has completed or "
                                     "been cancelled already, or it is another client's",
                                     session.engine, session.number, client_id_)));
  }
  return failure(heap_error("cannot cancel the session"));
}

ClientResult<Notice> AccessPoint::next_notice(std::optional<std::chrono::milliseconds> timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout.value_or(std::chrono::milliseconds{0});
  // The semaphore's count is only a hint (posts per commit, interrupts,
  // close): the queue in the heap is the truth, so look there first.
  for (;;) {
    if (!is_open()) return failure(closed_error());
    if (auto gone = client_->node_gone()) return failure(std::move(*gone));
    std::optional<engine::Notice> taken;
    {
      std::lock_guard lock(client_->engine_mutex_);
      auto next = client_->engine_->next_notice(client_id_, client_->cursors_[client_id_]);
      if (!next) return failure(heap_error("cannot take a notice"));
      taken = next.value();
    }
    if (taken) {
      Notice notice{static_cast<NoticeType>(taken->type),
                    session_id(taken->session),
                    taken->reason,
                    taken->end_of_block,
                    taken->offset,
                    taken->length,
                    {}};
      if (taken->data != ipc::kNullAddr) {
        // Collect the runs under a brief transaction; they are read later
        // without the lock, which is safe: nobody else touches a buffer
        // handed to a client until it is released.
        auto txn = client_->node_->heap().begin();
        if (!txn) {
          // Not handed over after all: it stays first in line for the next call.
          std::lock_guard lock(client_->engine_mutex_);
          --client_->cursors_[client_id_].held;
          return failure(heap_error("cannot read a notice's data"));
        }
        const auto buffer = db::ChunkedBuffer::open(taken->data);
        const std::uint64_t size = buffer.length(txn.value());
        std::vector<std::span<const std::byte>> chunks;
        for (std::uint64_t done = 0; done < size;) {
          const auto run = buffer.contiguous(txn.value(), done, size - done);
          if (run.empty()) break;
          chunks.push_back(std::as_bytes(run));
          done += run.size();
        }
        (void)txn.value().commit();
        notice.data = BlockData(client_, client_id_, taken->data, size, std::move(chunks));
      }
      return notice;
    }
    if (interrupted_.exchange(false, std::memory_order_acq_rel)) return Notice{};
    ipc::WaitResult waited;
    if (timeout) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return Notice{};
      waited = notices_.timed_wait(left);
    } else {
      waited = notices_.wait();
    }
    if (waited == ipc::WaitResult::ended) {
      if (!is_open()) return failure(closed_error());
      if (auto gone = client_->node_gone()) return failure(std::move(*gone));
      return failure(error(ClientErrc::node_stopped,
                           fmt::format("the node is stopping; attach again and reopen client id "
                                       "{} once it is restarted",
                                       client_id_)));
    }
  }
}

void AccessPoint::interrupt() {
  interrupted_.store(true, std::memory_order_release);
  notices_.post();
}

void AccessPoint::close() {
  std::lock_guard lock(close_mutex_);
  if (!open_.exchange(false, std::memory_order_acq_rel)) return;
  notices_.post();  // a blocked next_notice() sees the access point closed
  // Under a restarted node the id is no longer ours to close: a new
  // holder (perhaps this process again) may have it.
  if (client_->node_gone()) return;
  {
    // Closing is done with the last notice taken, as a next call would be.
    std::lock_guard lock(client_->engine_mutex_);
    (void)client_->engine_->acknowledge_notice(client_id_, client_->cursors_[client_id_]);
  }
  node::Node& node = *client_->node_;
  close_record(node, client_id_);
  if (auto registry = node.registry()) (void)registry->remove(node::client_role(client_id_));
  node.signals().forget(node::notice_semaphore(client_id_));
  node.signals().post(node::kDeliverySemaphore);
}

namespace {
volatile std::sig_atomic_t stop_signal = 0;

void on_stop_signal(int) {
  stop_signal = 1;
  if (AccessPoint* access_point = signalled_access_point.load()) access_point->interrupt();
}
}  // namespace

void interrupt_on_stop_signals(AccessPoint& access_point) {
  signalled_access_point.store(&access_point);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

bool stop_signalled() { return stop_signal != 0; }

}  // namespace ltp::api
