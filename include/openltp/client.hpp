// openltp/client.hpp: the C++ client API of an installed OpenLTP, for
// applications that send blocks over LTP through the local node and take
// the notices (deliveries, completions, cancellations) of a client service
// id. The same calls as ION's C API (openltp/ltp.h), with C++ types: errors
// are values (Result), access points close themselves, a received block is
// read in place and released when the application has it safe. In
// libopenltp.so: link with OpenLTP::ltp (CMake) or `pkg-config openltp`.
//
//   auto node = openltp::Node::attach();              // $LTP_NODE_DIR, else cwd
//   auto ap = openltp::AccessPoint::open(*node, 7);   // claims client id 7
//   auto sid = ap->send(2, bytes);                    // all red, to engine 2
//   auto notice = ap->next_notice();                  // blocks
//   if (notice && notice->type == openltp::NoticeType::red_part) {
//     save(notice->data.to_vector());
//     notice->data.release();                         // the node frees it
//   }
//
// The types here hide the node's heap and engine: nothing in this header
// changes when they do. Calls on one AccessPoint may come from several
// threads; interrupt() may come from a signal handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace openltp {

enum class Errc {
  no_node,          // no usable node directory, heap or LTP database
  not_running,      // the node is not started
  in_use,           // the client id is held by another live process
  bad_argument,     // client id 0, empty data, ...
  no_such_span,     // send: no span to that engine
  no_such_session,  // cancel: no such session open for this client service
  not_open,         // the access point is closed
  span_stopped,     // send: the node stopped while waiting for the export window
  node_stopped,     // the node stopped or restarted under this client: attach again
  heap,             // the node's heap refused (full); see the node's log
};

// What went wrong and what to do, ready to print.
struct Error {
  Errc code;
  std::string message;
};

// A value or the Error that prevented it.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}
  bool has_value() const { return !error_; }
  explicit operator bool() const { return has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// send()'s red_length for an all-red block (ION's LTP_ALL_RED).
inline constexpr std::uint64_t kAllRed = UINT64_MAX;

struct SessionId {
  std::uint64_t engine = 0;  // the session's originator (the sender)
  std::uint64_t number = 0;
  friend bool operator==(const SessionId&, const SessionId&) = default;
};

// ION's numbering (LtpNoticeType).
enum class NoticeType : std::uint8_t {
  none = 0,                   // interrupted or timed out: nothing to report
  export_start = 1,           // an export session started
  transmission_complete = 2,  // all of a block's segments were sent once
  export_cancelled = 3,       // one per send: its data comes back, `reason` says why
  export_complete = 4,        // one per send: the block was acknowledged
  green_segment = 5,          // a green segment's bytes in `data`
  red_part = 6,               // a block's red part in `data`
  import_cancelled = 7,       // the peer or this engine cancelled reception
};

// The bytes a notice carries, held in the node until release() or
// destruction frees them. Until then the block stays the client id's: if
// this process dies first, the next process to open the id is handed it
// again, whole. So keep it until the bytes are safe. Move-only.
class BlockData {
 public:
  BlockData();
  BlockData(BlockData&& other) noexcept;
  BlockData& operator=(BlockData&& other) noexcept;
  BlockData(const BlockData&) = delete;
  BlockData& operator=(const BlockData&) = delete;
  ~BlockData();

  bool empty() const;
  std::uint64_t size() const;
  // Copies up to out.size() bytes from `offset`; returns how many.
  std::size_t copy_to(std::span<std::byte> out, std::uint64_t offset = 0) const;
  std::vector<std::byte> to_vector() const;
  // Frees the bytes in the node; the block is empty afterwards.
  Result<void> release();

  struct Impl;

 private:
  friend class AccessPoint;
  std::unique_ptr<Impl> impl_;
};

struct Notice {
  NoticeType type = NoticeType::none;
  SessionId session;
  std::uint8_t reason = 0;  // cancel reason code (RFC 5326 6.22)
  bool end_of_block = false;
  std::uint64_t offset = 0;  // of the data within the block
  BlockData data;            // red_part, green_segment, export_cancelled; else empty
};

// This process's attachment to a node. Copies share it; thread-safe.
class Node {
 public:
  // The node in `node_dir`, else $LTP_NODE_DIR, else the current
  // directory; it must be started.
  static Result<Node> attach(const std::optional<std::string>& node_dir = std::nullopt);

  // True while the node's engine runs (ION's ltp_engine_is_started).
  bool engine_started() const;
  std::uint64_t own_engine_id() const;
  // The largest block send() accepts.
  std::uint64_t max_block_bytes() const;

  struct Impl;

 private:
  friend class AccessPoint;
  explicit Node(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// A claimed client service id: sends and takes notices as that client.
// Closes itself on destruction. Move-only.
class AccessPoint {
 public:
  // Claims `client_id` for this process: refused (in_use) while another
  // live process holds it; taken over from a dead one, with its notices.
  static Result<AccessPoint> open(const Node& node, std::uint64_t client_id);
  AccessPoint(AccessPoint&& other) noexcept;
  AccessPoint& operator=(AccessPoint&& other) noexcept;
  AccessPoint(const AccessPoint&) = delete;
  AccessPoint& operator=(const AccessPoint&) = delete;
  ~AccessPoint();

  std::uint64_t client_id() const;
  // Appends `data` to the span's block to `destination` (the first
  // `red_length` bytes red, the rest green); waits while the span's export
  // window is full. The data is in the node when this returns.
  Result<SessionId> send(std::uint64_t destination, std::span<const std::byte> data,
                         std::uint64_t red_length = kAllRed);
  // Closes the span's open block now instead of at its aggregation limit.
  Result<void> flush(std::uint64_t destination);
  // Cancels a session of this client id that is still open (USR_CNCLD);
  // the peer is told and the notices follow.
  Result<void> cancel(SessionId session);
  // The next notice; waits until one comes, `timeout` passes or
  // interrupt() is called (both: a notice of type none).
  Result<Notice> next_notice(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Wakes a waiting next_notice(). Async-signal-safe.
  void interrupt();
  // Releases the client id; a waiting next_notice() returns not_open.
  void close();

  struct Impl;

 private:
  explicit AccessPoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openltp
