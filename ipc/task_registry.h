// TaskRegistry: which process plays which role in a node ("ltpclock",
// "udplso:2", ...), kept in the volatile segment.
//
// Daemons register themselves at start and unregister at exit; admin tools
// and the daemons look roles up to signal or supervise them. A role held by
// a live process cannot be taken; one whose holder died (or whose pid was
// reused by an unrelated process: the /proc start time differs) is free.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/result.h"
#include "ipc/volatile_segment.h"

namespace ltp::ipc {

enum class RegistryError {
  role_taken,       // a live process holds the role
  table_full,       // no free slot
  bad_role,         // empty or longer than 31 bytes
  not_registered,   // remove(): role absent or held by another pid
  no_such_process,  // add(): pid is not running
  shm_error,        // the registry could not be placed in the segment
};

std::string_view to_string(RegistryError e);

struct TaskInfo {
  std::string role;
  pid_t pid;
  std::uint64_t start_time;  // /proc/<pid>/stat field 22, clock ticks since boot
};

// /proc start time of `pid`, or nullopt if it is not running.
std::optional<std::uint64_t> process_start_time(pid_t pid);
// True if `pid` runs and is the same process that had `start_time`.
bool process_alive(pid_t pid, std::uint64_t start_time);

class TaskRegistry {
 public:
  // Finds or creates the registry in the segment.
  static Result<TaskRegistry, RegistryError> in(VolatileSegment& segment);

  Result<void, RegistryError> add(std::string_view role, pid_t pid = ::getpid());
  Result<void, RegistryError> remove(std::string_view role, pid_t pid = ::getpid());
  // Only live holders are reported.
  std::optional<TaskInfo> lookup(std::string_view role) const;
  bool is_alive(std::string_view role) const { return lookup(role).has_value(); }
  std::vector<TaskInfo> list() const;

  struct Table;

 private:
  explicit TaskRegistry(Table* table) : table_(table) {}
  Table* table_;
};

}  // namespace ltp::ipc
