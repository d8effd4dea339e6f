#include "libltp/api/link_service.h"

#include "ipc/transaction.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/rate_model.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ipc/node_dir.h"
#include "libltp/db/ltp_db.h"
#include "libltp/node/semaphore_names.h"

namespace ltp::api {
namespace {

LinkError error(LinkErrc code, std::string message) { return LinkError{code, std::move(message)}; }

LinkError engine_error(engine::EngineError e, std::string_view what) {
  return error(LinkErrc::engine,
               fmt::format("{}: {}; see the node's log (ltp.log)", what, engine::to_string(e)));
}

}  // namespace

Result<std::unique_ptr<node::Node>, LinkError> attach_node(
    const std::optional<std::string>& node_dir) {
  auto dir = ipc::NodeDir::resolve(node_dir);
  if (!dir) {
    return failure(
        error(LinkErrc::no_node, fmt::format("node directory: {}; pass the node's directory or set "
                                             "LTP_NODE_DIR",
                                             ipc::to_string(dir.error()))));
  }
  auto node = node::Node::attach(dir.value(), {.prefault = true});
  if (!node) return failure(error(LinkErrc::no_node, node.error().message));
  return std::move(node).value();
}

void announce_started(node::Node& node) { (void)node.announce_started(); }

Result<Registration, LinkError> Registration::take(node::Node& node, const std::string& role) {
  auto registry = node.registry();
  if (!registry) {
    return failure(error(LinkErrc::registry,
                         "cannot reach the node's task registry; restart "
                         "the node (`ltpadmin x`, then `ltpadmin s`)"));
  }
  if (const auto holder = registry->lookup(role); holder && holder->pid == ::getpid()) {
    return Registration(nullptr, role);
  }
  if (auto added = registry->add(role); !added) {
    if (added.error() == ipc::RegistryError::role_taken) {
      const auto holder = registry->lookup(role);
      return failure(
          error(LinkErrc::lso_running, fmt::format("{} is already served by pid {}; stop it first",
                                                   role, holder ? holder->pid : 0)));
    }
    return failure(error(LinkErrc::registry, fmt::format("cannot register as {}: {}", role,
                                                         ipc::to_string(added.error()))));
  }
  return Registration(&node, role);
}

Registration::Registration(Registration&& other) noexcept
    : node_(std::exchange(other.node_, nullptr)), role_(std::move(other.role_)) {}

Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    drop();
    node_ = std::exchange(other.node_, nullptr);
    role_ = std::move(other.role_);
  }
  return *this;
}

Registration::~Registration() { drop(); }

void Registration::drop() {
  if (node_ == nullptr) return;
  if (auto registry = node_->registry()) (void)registry->remove(role_);
  node_ = nullptr;
}

Result<std::unique_ptr<SpanLink>, LinkError> SpanLink::open(node::Node& node,
                                                            std::uint64_t span_engine) {
  auto engine = node.make_engine();
  if (!engine) return failure(error(LinkErrc::engine, engine.error().message));
  std::uint64_t max_segment_size = 0;
  {
    auto txn = node.heap().begin();
    if (!txn) {
      return failure(error(LinkErrc::engine,
                           fmt::format("cannot read the heap: {}", ipc::to_string(txn.error()))));
    }
    auto config = engine.value()->db().span_info(txn.value(), span_engine);
    (void)txn.value().commit();
    if (!config) {
      return failure(error(LinkErrc::no_such_span,
                           fmt::format("the node has no span to engine {}: add one with "
                                       "`ltpadmin` (`a span {} ...`)",
                                       span_engine, span_engine)));
    }
    max_segment_size = config.value().max_segment_size;
  }
  auto semaphore = ipc::NodeSemaphore::open(node.dir(), node::segment_semaphore(span_engine));
  if (!semaphore) {
    return failure(error(LinkErrc::semaphore,
                         fmt::format("span {} has no segment semaphore ({}): the span was added "
                                     "after the node started; restart the node",
                                     span_engine, ipc::to_string(semaphore.error()))));
  }
  std::unique_ptr<SpanLink> link(new SpanLink(node, span_engine, std::move(semaphore).value()));
  link->max_segment_size_ = max_segment_size;
  return link;
}

SpanLink::~SpanLink() {
  if (!registration_) return;
  if (db::VolatileSpan* v = volatile_span(); v && v->lso_pid == ::getpid()) {
    v->lso_pid = 0;
    v->learned.lso_learns = 0;
  }
}

db::VolatileSpan* SpanLink::volatile_span() const {
  db::VolatileDb* vdb = node_.vdb();
  return vdb ? vdb->span(engine_id_) : nullptr;
}

Result<void, LinkError> SpanLink::claim() {
  if (registration_) return success();
  auto registration = Registration::take(node_, node::lso_role(engine_id_));
  if (!registration) return failure(std::move(registration).error());
  registration_.emplace(std::move(registration).value());
  if (db::VolatileSpan* v = volatile_span()) v->lso_pid = ::getpid();
  return success();
}

std::optional<pid_t> SpanLink::lso_pid() {
  auto registry = node_.registry();
  if (!registry) return std::nullopt;
  const auto holder = registry->lookup(node::lso_role(engine_id_));
  if (!holder) return std::nullopt;
  return holder->pid;
}

LinkState SpanLink::link_state() const {
  const db::VolatileSpan* v = volatile_span();
  if (v == nullptr) return {};
  // Plain loads of words ltpclock rewrites: a stale value costs one more
  // round of the LSO's loop, never a torn one (aligned 32/64-bit words).
  return LinkState{.transmitting = v->local_transmitting != 0, .transmit_rate = v->transmit_rate};
}

void SpanLink::pace_by_learned_rate(bool on) {
  if (db::VolatileSpan* v = volatile_span()) v->learned.lso_learns = on ? 1 : 0;
}

std::uint64_t SpanLink::sending_rate(std::uint64_t ceiling) const {
  const db::VolatileSpan* v = volatile_span();
  // A copy: the LSI rewrites the model as reports come.
  return v == nullptr ? ceiling
                      : engine::rate_model::sending_rate(db::LearnedRate(v->learned), ceiling);
}

Result<std::size_t, LinkError> SpanLink::dequeue(engine::Engine& engine, std::size_t max,
                                                 engine::OutboundBatch& batch, std::uint64_t now) {
  batch.clear();
  auto got = engine.dequeue(engine_id_, max, now, batch);
  if (!got)
    return failure(engine_error(got.error(), fmt::format("dequeue for span {}", engine_id_)));
  return got.value();
}

Result<void, LinkError> SpanLink::sent(engine::Engine& engine,
                                       std::span<const engine::OutboundSegment> segments,
                                       std::uint64_t now) {
  auto done = engine.segments_sent(engine_id_, segments, now);
  if (!done) return failure(engine_error(done.error(), fmt::format("span {}", engine_id_)));
  return success();
}

Result<void, LinkError> handle_inbound(engine::Engine& engine,
                                       std::span<const std::span<const std::uint8_t>> datagrams,
                                       std::uint64_t now,
                                       std::span<const engine::DatagramSource> sources) {
  auto handled = engine.handle_inbound_batch(datagrams, now, sources);
  if (!handled) return failure(engine_error(handled.error(), "handling received segments"));
  return success();
}

}  // namespace ltp::api
