// Node: one process's attachment to a running (or stopped) LTP node — the
// SDR heap, the volatile segment, the task registry and the semaphores —
// and the factory for the Engine objects through which it acts.
//
// Every daemon, link service, client library and admin tool starts with
// Node::attach(). An Engine is used by one thread: a process makes one per
// thread with make_engine(); all of them share this Node's heap mapping
// and its NodeSignals.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ipc/heap.h"
#include "ipc/node_dir.h"
#include "ipc/node_semaphore.h"
#include "ipc/result.h"
#include "ipc/task_registry.h"
#include "ipc/volatile_segment.h"
#include "libltp/node/daemon_plan.h"
#include "libltp/node/node_signals.h"

// Named only: a process that acts on the node includes engine.h itself,
// so a tool that only attaches (ltpstat, the admin tools) compiles without
// the record layouts, the codec and the engine.
namespace ltp::db {
class VolatileDb;
}
namespace ltp::engine {
class Engine;
}

namespace ltp::node {

enum class NodeErrc {
  no_heap,          // no sdr.heap in the node directory: run ltpadmin/ionadmin first
  heap,             // the heap could not be attached (see message)
  not_initialized,  // the heap has no LTP database: `1 <sessions>` in ltpadmin
  wrong_format,     // the heap was made by another version: ionstart --fresh
  not_running,      // no volatile segment: the node is not started
  already_running,  // start: the node's daemons are running
  shm,              // the volatile segment or a semaphore failed
  spawn,            // start: a daemon could not be started or died at start
  timeout,          // start/stop: the daemons did not come up / go away in time
  bad_argument,
};

// An error as a value: what went wrong and what to do, ready to print.
struct NodeError {
  NodeErrc code;
  std::string message;
};

// Wall-clock milliseconds (Unix epoch): the time base of every deadline in
// the heap, so timers keep their meaning across restarts and reboots.
std::uint64_t now_ms();

struct AttachOptions {
  // Refuse unless the node is started (the volatile segment exists).
  bool require_running = true;
  // Map the heap's pages writable now (ipc::HeapAttachOptions::prefault):
  // for the processes that move bulk data through it.
  bool prefault = false;
};

class Node {
 public:
  static Result<std::unique_ptr<Node>, NodeError> attach(const ipc::NodeDir& dir,
                                                         const AttachOptions& options = {});
  ~Node();

  const ipc::NodeDir& dir() const { return dir_; }
  ipc::Heap& heap() { return *heap_; }
  // Null when attached to a stopped node.
  ipc::VolatileSegment* segment() { return segment_.get(); }
  const ipc::VolatileSegment* segment() const { return segment_.get(); }
  db::VolatileDb* vdb() { return vdb_.get(); }
  std::optional<ipc::TaskRegistry> registry();
  // The daemons start_node() planned, with pids and restart counts.
  std::optional<DaemonPlan> daemon_plan();
  NodeSignals& signals() { return signals_; }
  std::uint64_t own_engine_id() const { return own_engine_id_; }

  // A fresh Engine for the calling thread.
  Result<std::unique_ptr<engine::Engine>, NodeError> make_engine();
  // True while the node's ltpclock runs (ION's ltp_engine_is_started).
  bool engine_started();
  // Tells node start this process serves: waits until the heap's pages
  // asked for by AttachOptions::prefault are mapped (a link service that
  // took traffic earlier would race its own prefault for the two cores and
  // fault under the heap lock), then posts the node's "started" semaphore,
  // returned for is_ended() tests. Nullopt if the node has no semaphore.
  std::optional<ipc::NodeSemaphore> announce_started();

 private:
  explicit Node(ipc::NodeDir dir);
  ipc::NodeDir dir_;
  std::unique_ptr<ipc::Heap> heap_;
  std::unique_ptr<ipc::VolatileSegment> segment_;
  std::unique_ptr<db::VolatileDb> vdb_;
  NodeSignals signals_;
  std::uint64_t own_engine_id_ = 0;
};

// The role names daemons register under in the task registry.
inline constexpr char kClockRole[] = "ltpclock";
inline constexpr char kDeliveryRole[] = "ltpdeliv";
std::string meter_role(std::uint64_t span_engine);
std::string lso_role(std::uint64_t span_engine);
// LSIs are told apart by pid: several may serve one node.
std::string lsi_role(int pid);
std::string client_role(std::uint64_t client_id);

}  // namespace ltp::node
