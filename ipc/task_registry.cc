#include "ipc/task_registry.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "ipc/robust_mutex.h"

namespace ltp::ipc {
namespace {

constexpr std::size_t kRoleBytes = 32;
constexpr std::size_t kSlots = 128;
constexpr char kTableName[] = "openltp.task-registry";

struct Slot {
  char role[kRoleBytes];
  pid_t pid;  // 0 = free
  std::uint64_t start_time;
};

std::string_view role_of(const Slot& s) { return {s.role, ::strnlen(s.role, kRoleBytes)}; }

}  // namespace

struct TaskRegistry::Table {
  RobustMutex mutex;
  Slot slots[kSlots] = {};
};

std::string_view to_string(RegistryError e) {
  switch (e) {
    case RegistryError::role_taken:
      return "role is held by a running process; stop it first";
    case RegistryError::table_full:
      return "task registry is full; unregister stale roles or restart the node";
    case RegistryError::bad_role:
      return "role name must be 1-31 bytes";
    case RegistryError::not_registered:
      return "role is not registered to this process";
    case RegistryError::no_such_process:
      return "process is not running";
    case RegistryError::shm_error:
      return "cannot place the task registry in the volatile segment (segment full?)";
  }
  return "unknown registry error";
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // Field 2 (comm) may contain spaces and parentheses: fields resume after
  // the last ')'. starttime is field 22, the 20th after it.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  for (int i = 0; i < 20 && rest >> field; ++i) {
  }
  if (!rest) return std::nullopt;
  // A zombie has exited; treat it as gone.
  std::istringstream state(line.substr(close + 1));
  std::string s;
  state >> s;
  if (s == "Z" || s == "X") return std::nullopt;
  return std::stoull(field);
}

bool process_alive(pid_t pid, std::uint64_t start_time) {
  const auto now = process_start_time(pid);
  return now && *now == start_time;
}

Result<TaskRegistry, RegistryError> TaskRegistry::in(VolatileSegment& segment) {
  try {
    return TaskRegistry(segment.segment().find_or_construct<Table>(kTableName)());
  } catch (const boost::interprocess::interprocess_exception& e) {
    spdlog::error("task registry: {}", e.what());
    return failure(RegistryError::shm_error);
  }
}

Result<void, RegistryError> TaskRegistry::add(std::string_view role, pid_t pid) {
  if (role.empty() || role.size() >= kRoleBytes) return failure(RegistryError::bad_role);
  const auto start = process_start_time(pid);
  if (!start) return failure(RegistryError::no_such_process);
  RobustLock lock(table_->mutex);
  Slot* free_slot = nullptr;
  for (Slot& s : table_->slots) {
    if (s.pid != 0 && role_of(s) == role) {
      if (process_alive(s.pid, s.start_time)) return failure(RegistryError::role_taken);
      spdlog::info("role {} was held by pid {}, which is gone; taking it over", role, s.pid);
      free_slot = &s;
      break;
    }
    if (s.pid == 0 && free_slot == nullptr) free_slot = &s;
  }
  if (free_slot == nullptr) return failure(RegistryError::table_full);
  // pid last: a holder dying mid-update leaves the slot free, never torn.
  free_slot->pid = 0;
  std::memset(free_slot->role, 0, kRoleBytes);
  std::memcpy(free_slot->role, role.data(), role.size());
  free_slot->start_time = *start;
  free_slot->pid = pid;
  return success();
}

Result<void, RegistryError> TaskRegistry::remove(std::string_view role, pid_t pid) {
  RobustLock lock(table_->mutex);
  for (Slot& s : table_->slots) {
    if (s.pid == pid && role_of(s) == role) {
      s.pid = 0;
      return success();
    }
  }
  return failure(RegistryError::not_registered);
}

std::optional<TaskInfo> TaskRegistry::lookup(std::string_view role) const {
  RobustLock lock(table_->mutex);
  for (const Slot& s : table_->slots) {
    if (s.pid != 0 && role_of(s) == role && process_alive(s.pid, s.start_time)) {
      return TaskInfo{std::string(role), s.pid, s.start_time};
    }
  }
  return std::nullopt;
}

std::vector<TaskInfo> TaskRegistry::list() const {
  RobustLock lock(table_->mutex);
  std::vector<TaskInfo> out;
  for (const Slot& s : table_->slots) {
    if (s.pid != 0 && process_alive(s.pid, s.start_time)) {
      out.push_back(TaskInfo{std::string(role_of(s)), s.pid, s.start_time});
    }
  }
  return out;
}

}  // namespace ltp::ipc
