#include "libltp/node/daemon_plan.h"

#include <boost/interprocess/exceptions.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "ipc/robust_mutex.h"
#include "ipc/task_registry.h"

namespace ltp::node {
namespace {

constexpr std::size_t kRoleBytes = 32;
constexpr std::size_t kProgramBytes = 256;
constexpr std::size_t kArgvBytes = 512;  // arguments, each NUL-terminated
constexpr std::size_t kEntries = 64;
constexpr char kTableName[] = "openltp.daemon-plan";

struct Entry {
  char role[kRoleBytes];
  char program[kProgramBytes];
  char argv[kArgvBytes];
  std::uint32_t argc;
  pid_t pid;
  std::uint64_t start_time;
  std::uint64_t started_ms;
  std::uint64_t restarts;
  std::uint64_t quick_deaths;
  std::uint64_t next_try_ms;
};

bool copy_into(char* field, std::size_t size, const std::string& text) {
  if (text.size() >= size) return false;
  std::memset(field, 0, size);
  std::memcpy(field, text.data(), text.size());
  return true;
}

}  // namespace

struct DaemonPlan::Table {
  ipc::RobustMutex mutex;
  std::atomic<std::uint32_t> state{0};
  std::uint32_t count = 0;
  Entry entries[kEntries] = {};
};

Result<DaemonPlan, std::string> DaemonPlan::in(ipc::VolatileSegment& segment) {
  try {
    return DaemonPlan(segment.segment().find_or_construct<Table>(kTableName)());
  } catch (const boost::interprocess::interprocess_exception& e) {
    return failure(std::string("cannot place the daemon plan in the node's shared memory: ") +
                   e.what());
  }
}

Result<void, std::string> DaemonPlan::begin(const std::vector<PlannedDaemon>& daemons) {
  if (daemons.size() > kEntries) return failure(std::string("more daemons than the plan holds"));
  ipc::RobustLock lock(table_->mutex);
  table_->count = 0;
  for (std::size_t i = 0; i < daemons.size(); ++i) {
    Entry& e = table_->entries[i];
    e = Entry{};
    std::string joined;
    for (const auto& arg : daemons[i].argv) joined += arg + '\0';
    if (!copy_into(e.role, kRoleBytes, daemons[i].role) ||
        !copy_into(e.program, kProgramBytes, daemons[i].program) || joined.size() >= kArgvBytes) {
      return failure("the command of " + daemons[i].role + " is too long to supervise");
    }
    std::memcpy(e.argv, joined.data(), joined.size());
    e.argc = static_cast<std::uint32_t>(daemons[i].argv.size());
  }
  table_->count = static_cast<std::uint32_t>(daemons.size());
  table_->state.store(static_cast<std::uint32_t>(PlanState::starting));
  return success();
}

void DaemonPlan::started(std::size_t index, pid_t pid, std::uint64_t now_ms, bool restart) {
  ipc::RobustLock lock(table_->mutex);
  if (index >= table_->count) return;
  Entry& e = table_->entries[index];
  e.pid = pid;
  e.start_time = ipc::process_start_time(pid).value_or(0);
  e.started_ms = now_ms;
  if (restart) ++e.restarts;
}

void DaemonPlan::defer(std::size_t index, std::uint64_t quick_deaths, std::uint64_t next_try_ms) {
  ipc::RobustLock lock(table_->mutex);
  if (index >= table_->count) return;
  table_->entries[index].quick_deaths = quick_deaths;
  table_->entries[index].next_try_ms = next_try_ms;
}

void DaemonPlan::set_state(PlanState state) {
  table_->state.store(static_cast<std::uint32_t>(state));
}

PlanState DaemonPlan::state() const { return static_cast<PlanState>(table_->state.load()); }

std::vector<PlannedDaemon> DaemonPlan::daemons() const {
  ipc::RobustLock lock(table_->mutex);
  std::vector<PlannedDaemon> out;
  for (std::uint32_t i = 0; i < table_->count; ++i) {
    const Entry& e = table_->entries[i];
    PlannedDaemon d;
    d.role.assign(e.role, ::strnlen(e.role, kRoleBytes));
    d.program.assign(e.program, ::strnlen(e.program, kProgramBytes));
    const char* arg = e.argv;
    for (std::uint32_t a = 0; a < e.argc && arg < e.argv + kArgvBytes; ++a) {
      d.argv.emplace_back(arg);
      arg += d.argv.back().size() + 1;
    }
    d.pid = e.pid;
    d.start_time = e.start_time;
    d.started_ms = e.started_ms;
    d.restarts = e.restarts;
    d.quick_deaths = e.quick_deaths;
    d.next_try_ms = e.next_try_ms;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace ltp::node
