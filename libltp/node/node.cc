#include "libltp/node/node.h"
#include "ipc/heap.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "libltp/db/ltp_db.h"
#include "libltp/db/migration.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/engine.h"
#include "libltp/node/semaphore_names.h"

namespace ltp::node {

std::uint64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string meter_role(std::uint64_t span_engine) {
  return fmt::format("ltpmeter:{}", span_engine);
}
std::string lso_role(std::uint64_t span_engine) { return fmt::format("lso:{}", span_engine); }
std::string lsi_role(int pid) { return fmt::format("lsi:{}", pid); }
std::string client_role(std::uint64_t client_id) { return fmt::format("client:{}", client_id); }

Node::Node(ipc::NodeDir dir) : dir_(std::move(dir)), signals_(dir_) {}
Node::~Node() = default;

Result<std::unique_ptr<Node>, NodeError> Node::attach(const ipc::NodeDir& dir,
                                                      const AttachOptions& options) {
  std::unique_ptr<Node> node(new Node(dir));
  const auto heap_path = dir.heap_path();
  std::error_code ec;
  if (!std::filesystem::exists(heap_path, ec)) {
    return failure(
        NodeError{NodeErrc::no_heap,
                  fmt::format("no LTP node in {} (no sdr.heap): initialise it with `ltpadmin` "
                              "(command `1`) or `ionstart`, or pass --node / set LTP_NODE_DIR",
                              dir.dir().string())});
  }
  auto heap = ipc::Heap::attach(heap_path, {.prefault = options.prefault});
  if (!heap) {
    return failure(
        NodeError{NodeErrc::heap, fmt::format("cannot attach the heap {}: {}", heap_path.string(),
                                              ipc::to_string(heap.error()))});
  }
  node->heap_ = std::move(heap).value();
  {
    auto txn = node->heap_->begin();
    if (!txn) {
      return failure(
          NodeError{NodeErrc::heap, fmt::format("cannot read the heap {}: {}", heap_path.string(),
                                                ipc::to_string(txn.error()))});
    }
    auto db = db::LtpDb::open(txn.value());
    if (!db && db.error() == db::DbError::wrong_format) {
      return failure(NodeError{
          NodeErrc::wrong_format,
          fmt::format("the heap in {} was made by another version of OpenLTP (LTP database "
                      "format {} expected): `ionstart` upgrades a heap of format {} or later in "
                      "place; a newer one needs the version that made it (or `ionstart --fresh`, "
                      "which loses what is in flight there)",
                      dir.dir().string(), db::kDbFormatVersion, db::kOldestMigratableFormat)});
    }
    if (!db) {
      return failure(NodeError{
          NodeErrc::not_initialized,
          fmt::format("the node in {} has no LTP database: run `ltpadmin` with `1 <sessions>`",
                      dir.dir().string())});
    }
    node->own_engine_id_ = db.value().own_engine_id(txn.value());
    (void)txn.value().commit();
  }
  auto segment = ipc::VolatileSegment::open(dir, node->heap_->identity());
  if (segment) {
    node->segment_ = std::move(segment).value();
    node->vdb_ = std::make_unique<db::VolatileDb>(db::VolatileDb::attach(*node->segment_));
  } else if (options.require_running) {
    if (segment.error() == ipc::ShmError::missing) {
      return failure(NodeError{
          NodeErrc::not_running,
          fmt::format("the node in {} is not started: start it with `ltpadmin s` or `ionstart`",
                      dir.dir().string())});
    }
    return failure(NodeError{
        NodeErrc::shm, fmt::format("cannot open the node's shared memory /dev/shm/{}: {}{}",
                                   ipc::VolatileSegment::name(dir), ipc::to_string(segment.error()),
                                   segment.error() == ipc::ShmError::foreign
                                       ? ""
                                       : "; restart the node (`ionstop` then `ionstart`)")});
  }
  return node;
}

std::optional<ipc::TaskRegistry> Node::registry() {
  if (!segment_) return std::nullopt;
  auto registry = ipc::TaskRegistry::in(*segment_);
  if (!registry) return std::nullopt;
  return registry.value();
}

std::optional<DaemonPlan> Node::daemon_plan() {
  if (!segment_) return std::nullopt;
  auto plan = DaemonPlan::in(*segment_);
  if (!plan) return std::nullopt;
  return plan.value();
}

Result<std::unique_ptr<engine::Engine>, NodeError> Node::make_engine() {
  auto engine = engine::Engine::attach(*heap_, vdb(), signals_);
  if (!engine) {
    return failure(NodeError{
        NodeErrc::not_initialized,
        fmt::format("cannot start the LTP engine: {}", engine::to_string(engine.error()))});
  }
  return std::move(engine).value();
}

std::optional<ipc::NodeSemaphore> Node::announce_started() {
  heap_->finish_prefault();
  auto started = ipc::NodeSemaphore::open(dir_, kStartedSemaphore);
  if (!started) return std::nullopt;
  started.value().post();
  return std::move(started).value();
}

bool Node::engine_started() {
  const auto tasks = registry();
  return tasks && tasks->is_alive(kClockRole);
}

}  // namespace ltp::node
