// The C++ client API: how an application sends blocks over LTP and takes
// the notices (deliveries, completions, cancellations) of its client
// service id — the C++ face of ION's ltp.h (ltp_c.cc builds the C API on
// it; ltpsend, ltprecv, ltpdriver, ltpcounter and the Python module call
// it directly).
//
//   auto client = Client::attach(std::nullopt);          // --node > $LTP_NODE_DIR > cwd
//   auto ap = AccessPoint::open(client.value(), 7);      // claims client id 7
//   auto sid = ap.value()->send(2, bytes);               // all red, to engine 2
//   auto notice = ap.value()->next_notice();             // blocks
//   if (notice && notice.value().type == NoticeType::red_part)
//     use(notice.value().data.chunks());                 // in place in the heap
//
// Errors are values (ClientError: a code and a message that says what to
// do). A Client is shared by its access points and by the BlockData they
// hand out, so the heap mapping outlives every pointer into it. Calls on
// one AccessPoint may come from several threads; interrupt() may come from
// a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ipc/heap_format.h"
#include "ipc/node_dir.h"
#include "ipc/node_semaphore.h"
#include "ipc/result.h"
#include "libltp/engine/notice_cursor.h"

namespace ltp::node {
class Node;
}
namespace ltp::engine {
class Engine;
}

namespace ltp::api {

enum class ClientErrc {
  no_node,          // no usable node directory, heap or LTP database
  not_running,      // the node is not started
  in_use,           // the client id is held by another live process
  bad_argument,     // client id 0, empty data, ...
  no_such_span,     // send: no span to that engine
  no_such_session,  // cancel: no such session open for this client service
  not_open,         // the access point is closed
  span_stopped,     // send: the node stopped while waiting for the export window
  node_stopped,     // the node stopped or restarted under this client: attach again
  heap,             // the heap refused (full, log full); see the node's log
};
std::string_view to_string(ClientErrc e);

// What went wrong and what to do, ready to print.
struct ClientError {
  ClientErrc code;
  std::string message;
};

template <class T>
using ClientResult = Result<T, ClientError>;

// ltp_send's LTP_ALL_RED.
inline constexpr std::uint64_t kAllRed = UINT64_MAX;

struct SessionId {
  std::uint64_t engine = 0;  // the session's originator (sender)
  std::uint64_t number = 0;
  friend bool operator==(const SessionId&, const SessionId&) = default;
};

// ION's numbering (LtpNoticeType).
enum class NoticeType : std::uint8_t {
  none = 0,                   // interrupted or timed out: nothing to report
  export_start = 1,           // an export session started (ION: LtpExportSessionStart)
  transmission_complete = 2,  // all of a block's segments were sent once
  export_cancelled = 3,       // one per SDU: the SDU comes back in `data`, `reason` says why
  export_complete = 4,        // one per SDU: the block was acknowledged
  green_segment = 5,          // a green segment's bytes in `data`
  red_part = 6,               // a block's red part in `data` (may hold several SDUs)
  import_cancelled = 7,       // the peer or this engine cancelled reception
};
std::string_view to_string(NoticeType t);
// A cancel reason code in words ("retransmission limit exceeded", ...).
std::string_view reason_text(std::uint8_t reason);

class Client;

// The bytes a notice carries, read in place in the node's heap: the client
// owns them until release() (or destruction) gives them back to the node.
// Until then the notice stays the client id's: if this process dies first,
// the next holder of the id is handed the same block again, whole. So
// release only once the bytes are safe (written out, copied). Move-only.
class BlockData {
 public:
  BlockData() = default;
  BlockData(BlockData&& other) noexcept;
  BlockData& operator=(BlockData&& other) noexcept;
  BlockData(const BlockData&) = delete;
  BlockData& operator=(const BlockData&) = delete;
  ~BlockData();

  bool empty() const { return handle_ == ipc::kNullAddr; }
  std::uint64_t size() const { return size_; }
  // The bytes, in order, as runs of the mapped heap (no copy).
  const std::vector<std::span<const std::byte>>& chunks() const { return chunks_; }
  // Copies up to out.size() bytes from `offset`; returns how many.
  std::size_t copy_to(std::span<std::byte> out, std::uint64_t offset = 0) const;
  std::vector<std::byte> to_vector() const;
  // Frees the bytes in the heap; the spans are invalid afterwards.
  ClientResult<void> release();
  // The heap address of the buffer (the C API's `Object`).
  ipc::Addr handle() const { return handle_; }

 private:
  friend class AccessPoint;
  BlockData(std::shared_ptr<Client> client, std::uint64_t client_id, ipc::Addr handle,
            std::uint64_t size, std::vector<std::span<const std::byte>> chunks);
  std::shared_ptr<Client> client_;
  std::uint64_t client_id_ = 0;
  ipc::Addr handle_ = ipc::kNullAddr;
  std::uint64_t size_ = 0;
  std::vector<std::span<const std::byte>> chunks_;
};

struct Notice {
  NoticeType type = NoticeType::none;
  SessionId session;
  std::uint8_t reason = 0;  // cancel reason code (RFC 5326 6.22)
  bool end_of_block = false;
  std::uint64_t offset = 0;  // of the data within the block
  std::uint64_t length = 0;
  BlockData data;  // red_part, green_segment, export_cancelled; else empty
};

// One process's attachment to a node. Thread-safe.
class Client : public std::enable_shared_from_this<Client> {
 public:
  // The node directory by NodeDir::resolve's rules (given > $LTP_NODE_DIR
  // > cwd); the node must be started.
  static ClientResult<std::shared_ptr<Client>> attach(
      const std::optional<std::string>& node_dir = std::nullopt);
  ~Client();

  // True while the node's ltpclock runs (ION's ltp_engine_is_started).
  bool engine_started();
  std::uint64_t own_engine_id() const;
  // Whether the link service output (LSO) of the span to `engine` runs:
  // while it does not, nothing goes out to that engine.
  bool link_service_running(std::uint64_t engine);
  // A node_stopped error if the node this client attached to has stopped
  // or restarted since (its daemons and semaphores are gone: attach
  // again); checked at the start of every call.
  std::optional<ClientError> node_gone() const;
  // The largest block send() accepts (half the node's heap).
  std::uint64_t max_block_bytes() const;
  const ipc::NodeDir& dir() const;

  // ltp_send without claiming `client_id` (ION's ltp_send needs no
  // ltp_open): the process that holds the id, if any, gets the session's
  // notices. Otherwise as AccessPoint::send; `stop`, checked while the send
  // waits for the export window, ends the wait with its error.
  ClientResult<SessionId> send(std::uint64_t client_id, std::uint64_t destination,
                               std::span<const std::byte> data, std::uint64_t red_length = kAllRed,
                               const std::function<std::optional<ClientError>()>& stop = {});
  // Closes the span's open block now (AccessPoint::flush without an id).
  ClientResult<void> flush(std::uint64_t destination);

 private:
  friend class AccessPoint;
  friend class BlockData;
  explicit Client(std::unique_ptr<node::Node> node, std::unique_ptr<engine::Engine> engine);
  // The engine serves one thread at a time: every call holds engine_mutex_.
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<engine::Engine> engine_;
  std::mutex engine_mutex_;
  // Per client id, this process's place in its notice queue (what it
  // holds, what its next call acknowledges); under engine_mutex_.
  std::unordered_map<std::uint64_t, engine::NoticeCursor> cursors_;
};

// A claimed client service id: sends and takes notices as that client.
// Closes itself on destruction. Not movable (interrupt() may run in a
// signal handler that holds its address).
class AccessPoint {
 public:
  // Claims `client_id` for this process: refused if another live process
  // holds it; taken over from a dead one.
  static ClientResult<std::unique_ptr<AccessPoint>> open(std::shared_ptr<Client> client,
                                                         std::uint64_t client_id);
  AccessPoint(const AccessPoint&) = delete;
  AccessPoint& operator=(const AccessPoint&) = delete;
  ~AccessPoint();

  std::uint64_t client_id() const { return client_id_; }
  bool is_open() const { return open_.load(std::memory_order_acquire); }
  Client& client() { return *client_; }

  // Appends `data` to the span's open block (the first `red_length` bytes
  // red, the rest green); blocks while the span's export window is full or
  // the node's heapmax is reached. The block goes out when the span's
  // ltpmeter closes it (aggregation size or time limit) or at flush().
  ClientResult<SessionId> send(std::uint64_t destination, std::span<const std::byte> data,
                               std::uint64_t red_length = kAllRed);
  // Closes the span's open block now instead of at its aggregation limit.
  ClientResult<void> flush(std::uint64_t destination);
  // Cancels a session of this client service that is still open (RFC 5326
  // USR_CNCLD): a block it sent (session.engine is this node's engine; its
  // SDUs come back as export_cancelled notices with reason 0) or one it is
  // receiving (from the session's engine; an import_cancelled notice, unless
  // its red part was delivered already). The peer is told. no_such_session
  // if the session is not open or not this client service's.
  ClientResult<void> cancel(SessionId session);

  // The next notice; blocks until one comes, the timeout passes or
  // interrupt() is called (both: a notice of type none). An error if the
  // access point is closed or the node stops.
  ClientResult<Notice> next_notice(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Wakes a blocked next_notice() (or makes the next call return none).
  // Async-signal-safe.
  void interrupt();

  // Releases the client id; a blocked next_notice() returns not_open.
  void close();

 private:
  AccessPoint(std::shared_ptr<Client> client, std::uint64_t client_id, ipc::NodeSemaphore notices);
  ClientError closed_error() const;
  std::shared_ptr<Client> client_;
  std::uint64_t client_id_;
  ipc::NodeSemaphore notices_;
  std::atomic<bool> open_{true};
  std::atomic<bool> interrupted_{false};
  std::mutex close_mutex_;
};

// For command-line tools: SIGINT and SIGTERM set stop_signalled() and
// interrupt `access_point` (its blocked next_notice() returns none). One
// access point per process; it must outlive the handlers' use.
void interrupt_on_stop_signals(AccessPoint& access_point);
bool stop_signalled();

}  // namespace ltp::api
