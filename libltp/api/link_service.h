// The link-service API: what a link service needs from a running node —
// an LSO (link service output: takes a span's queued segments and sends
// them over its medium) and an LSI (link service input: hands what it
// receives to the engine).
//
// udplso and udplsi are thin mains over it; the C API of seed 002
// (ltp_link_service.h: ltpInit, findSpan, ltpDequeueOutboundSegment, ...)
// wraps it for third-party link services. Everything here is batched:
// one engine transaction dequeues up to N segments of a span as iovecs
// pointing into the mapped heap (no copy), and one hands N received
// datagrams to the engine.
//
// A typical LSO:
//   auto node = api::attach_node(std::nullopt);          // $LTP_NODE_DIR
//   auto engine = node->make_engine();
//   auto span = api::SpanLink::open(*node, engine_id);
//   span->claim();                                       // we are its LSO
//   api::announce_started(*node);
//   while (span->wait(100ms) != ipc::WaitResult::ended)
//     while (span->dequeue(*engine, 64, batch, now) > 0) send(batch);
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "ipc/node_semaphore.h"
#include "ipc/result.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/engine.h"
#include "libltp/node/node.h"

namespace ltp::api {

enum class LinkErrc {
  no_node,       // the node could not be attached (see message)
  no_such_span,  // the node has no span to that engine
  lso_running,   // another live process is the span's LSO
  registry,      // the node's task registry refused (full, not reachable)
  semaphore,     // the span's segment semaphore is missing: node not started
  engine,        // the engine failed (heap error)
};

// An error as a value: what went wrong and what to do, ready to print.
struct LinkError {
  LinkErrc code;
  std::string message;
};

// Attaches to the running node: `node_dir` if given, else $LTP_NODE_DIR,
// else the current directory.
Result<std::unique_ptr<node::Node>, LinkError> attach_node(
    const std::optional<std::string>& node_dir);

// Posts the node's "started" semaphore (Node::announce_started: after the
// heap's pages are mapped). Node start spawns each span's LSO and each
// seat's LSI and waits until every one has posted it: call once the link
// service is ready to serve.
void announce_started(node::Node& node);

// A role held in the node's task registry (node stop signals its holder)
// for as long as this object lives. Taking a role the calling process
// already holds succeeds and leaves it to the earlier holder to drop.
class Registration {
 public:
  static Result<Registration, LinkError> take(node::Node& node, const std::string& role);
  Registration(Registration&& other) noexcept;
  Registration& operator=(Registration&& other) noexcept;
  ~Registration();

 private:
  Registration(node::Node* node, std::string role) : node_(node), role_(std::move(role)) {}
  void drop();
  node::Node* node_ = nullptr;  // null: nothing to drop
  std::string role_;
};

// An LSI registers under node::lsi_role(getpid()).
inline Result<Registration, LinkError> register_lsi(node::Node& node) {
  return Registration::take(node, node::lsi_role(::getpid()));
}

// What the contact plan lets the LSO do now.
struct LinkState {
  bool transmitting = true;         // false: hold the span's segments
  std::uint64_t transmit_rate = 0;  // bytes/s; 0 = no limit from the plan
};

// The outbound side of one span, for its LSO. Holds the span's segment
// semaphore (posted whenever segments are queued, ended when the span or
// the node stops). The Node must outlive it. Methods that take an Engine
// may be called from several threads, each with its own Engine.
class SpanLink {
 public:
  static Result<std::unique_ptr<SpanLink>, LinkError> open(node::Node& node,
                                                           std::uint64_t span_engine);
  ~SpanLink();

  std::uint64_t engine_id() const { return engine_id_; }
  // The span's configured segment size (header included).
  std::uint64_t max_segment_size() const { return max_segment_size_; }

  // Makes this process the span's LSO: role node::lso_role(E) in the task
  // registry and the volatile span's lso_pid. Refused (lso_running) if
  // another live process serves the span. Undone when this object dies.
  Result<void, LinkError> claim();
  // The span's live LSO, if any.
  std::optional<pid_t> lso_pid();

  // Waits for the segment semaphore. `ended` means the span was stopped:
  // leave the loop. A post covers any number of queued segments, so after
  // `acquired` dequeue until nothing is left.
  ipc::WaitResult wait(std::chrono::milliseconds timeout) { return semaphore_.timed_wait(timeout); }
  ipc::WaitResult try_wait() { return semaphore_.try_wait(); }
  bool ended() const { return semaphore_.is_ended(); }
  ipc::NodeSemaphore& semaphore() { return semaphore_; }

  LinkState link_state() const;
  // Whether this LSO paces by the rate the span learns from its peer's
  // reports (engine/rate_model.h): the engine then holds a span's blocks
  // for its first estimate. Set at start, cleared when this object dies.
  void pace_by_learned_rate(bool on);
  // Octets/s to send at under `ceiling` (the lowest configured rate, 0 for
  // none): the learned rate where it is lower; 0 means unpaced.
  std::uint64_t sending_rate(std::uint64_t ceiling) const;

  // Clears `batch` and dequeues up to `max` segments in one transaction;
  // returns how many. Each segment's gather.iov[0..count) is one datagram:
  // the header in the batch's scratch, the payload in the mapped heap.
  // Send them within the node's payload grace (about a second: see
  // db::NodeConfig::payload_grace_ms) and before the next dequeue into the
  // same batch. The response timers they carry start at `now`.
  Result<std::size_t, LinkError> dequeue(engine::Engine& engine, std::size_t max,
                                         engine::OutboundBatch& batch, std::uint64_t now);
  // Only for a link that sent later than it dequeued (rate control, a full
  // send buffer): restarts the segments' timers from `now`, when they left.
  Result<void, LinkError> sent(engine::Engine& engine,
                               std::span<const engine::OutboundSegment> segments,
                               std::uint64_t now);

 private:
  SpanLink(node::Node& node, std::uint64_t engine_id, ipc::NodeSemaphore semaphore)
      : node_(node), engine_id_(engine_id), semaphore_(std::move(semaphore)) {}
  db::VolatileSpan* volatile_span() const;

  node::Node& node_;
  std::uint64_t engine_id_;
  std::uint64_t max_segment_size_ = 0;
  ipc::NodeSemaphore semaphore_;
  std::optional<Registration> registration_;
};

// Hands received datagrams to the engine in one transaction. Malformed or
// unwanted ones are counted and dropped by the engine; only a heap failure
// is an error (the batch then had no effect). `sources`, if not empty,
// says for each datagram which engines may have sent it (PeerAddresses).
Result<void, LinkError> handle_inbound(engine::Engine& engine,
                                       std::span<const std::span<const std::uint8_t>> datagrams,
                                       std::uint64_t now,
                                       std::span<const engine::DatagramSource> sources = {});

}  // namespace ltp::api
