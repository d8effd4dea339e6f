// NodeSemaphore: a named, counting, interprocess semaphore belonging to a
// node, with an "ended" state.
//
// Daemons and clients use them to sleep until work arrives (a span's
// segments queue, a client's delivery queue) instead of polling. end() is
// how a stopping node releases every waiter: a waiter then gets
// WaitResult::ended and should stop. Each semaphore is a small POSIX shm
// object named <node prefix>sem-<name> holding a process-shared sem_t and
// the ended flag side by side (so the flag needs no other segment and the
// object can be fchmod()ed, which sem_open() objects cannot), created 0600
// or 0660 whatever the umask. unlink_all() removes a node's semaphores at
// stop, including ones leaked by crashed processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/node_dir.h"
#include "ipc/result.h"

namespace ltp::ipc {

enum class SemError {
  exists,           // create(): a semaphore of that name already exists
  missing,          // open(): no such semaphore
  bad_name,         // name empty, too long, or not [A-Za-z0-9_.:-]
  io_error,         // shm_open/ftruncate/mmap/sem_init failed
  not_initialized,  // open(): the creator has not finished creating it
  foreign,          // open(): another user owns it, or every user may open it
};

std::string_view to_string(SemError e);

enum class WaitResult { acquired, timed_out, ended };

struct SemaphoreOptions {
  unsigned initial = 0;
  bool group_access = false;  // mode 0660 instead of 0600
};

class NodeSemaphore {
 public:
  static Result<NodeSemaphore, SemError> create(const NodeDir& node, std::string_view name,
                                                const SemaphoreOptions& options = {});
  static Result<NodeSemaphore, SemError> open(const NodeDir& node, std::string_view name);
  static Result<void, SemError> unlink(const NodeDir& node, std::string_view name);
  // Short names of every semaphore of this node.
  static std::vector<std::string> list(const NodeDir& node);
  // Unlinks them all; returns how many.
  static int unlink_all(const NodeDir& node);
  // Full shm object name for `name`.
  static std::string object_name(const NodeDir& node, std::string_view name);

  NodeSemaphore(NodeSemaphore&&) noexcept;
  NodeSemaphore& operator=(NodeSemaphore&&) noexcept;
  ~NodeSemaphore();

  void post();
  WaitResult wait();
  WaitResult try_wait();
  WaitResult timed_wait(std::chrono::milliseconds timeout);
  // Wakes every current and future waiter with WaitResult::ended.
  void end();
  bool is_ended() const;
  int value() const;

 private:
  struct Block;
  class Mapping;
  explicit NodeSemaphore(std::unique_ptr<Mapping> mapping);
  // A waiter woken by end() passes the wake-up on to the next waiter.
  WaitResult after_acquire();
  std::unique_ptr<Mapping> mapping_;
  Block* block_ = nullptr;
};

}  // namespace ltp::ipc
