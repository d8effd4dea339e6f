#include "ipc/node_semaphore.h"

#include <semaphore.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "ipc/shm_trust.h"

namespace ltp::ipc {
namespace {

namespace bip = boost::interprocess;

constexpr std::uint64_t kMagic = 0x4f4c545053454d31;  // "OLTPSEM1"
constexpr std::size_t kMaxName = 64;
// Where Linux keeps POSIX shm objects; used only to list a node's objects.
constexpr char kShmDir[] = "/dev/shm";

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct NodeSemaphore::Block {
  std::uint64_t magic;  // written last by the creator
  std::uint32_t ended;
  std::uint32_t reserved;
  sem_t sem;
};

class NodeSemaphore::Mapping {
 public:
  Mapping(bip::shared_memory_object shm, bip::mapped_region region)
      : shm_(std::move(shm)), region_(std::move(region)) {}
  Block* block() { return static_cast<Block*>(region_.get_address()); }
  std::size_t size() const { return region_.get_size(); }

 private:
  bip::shared_memory_object shm_;
  bip::mapped_region region_;
};

std::string_view to_string(SemError e) {
  switch (e) {
    case SemError::exists:
      return "semaphore already exists (left by a previous run?); unlink it or use open()";
    case SemError::missing:
      return "semaphore does not exist; the process that creates it (node start) has not run";
    case SemError::bad_name:
      return "semaphore name must be 1-64 characters of [A-Za-z0-9_.:-]";
    case SemError::io_error:
      return "cannot create or map the semaphore (see the log); check /dev/shm space and "
             "permissions";
    case SemError::not_initialized:
      return "semaphore is still being created; retry";
    case SemError::foreign:
      return "semaphore belongs to another user, or every user may open it: have its owner or "
             "root remove it from /dev/shm";
  }
  return "unknown semaphore error";
}

std::string NodeSemaphore::object_name(const NodeDir& node, std::string_view name) {
  return node.ipc_name("sem-") + std::string(name);
}

NodeSemaphore::NodeSemaphore(std::unique_ptr<Mapping> mapping)
    : mapping_(std::move(mapping)), block_(mapping_->block()) {}
NodeSemaphore::NodeSemaphore(NodeSemaphore&&) noexcept = default;
NodeSemaphore& NodeSemaphore::operator=(NodeSemaphore&&) noexcept = default;
NodeSemaphore::~NodeSemaphore() = default;

Result<NodeSemaphore, SemError> NodeSemaphore::create(const NodeDir& node, std::string_view name,
                                                      const SemaphoreOptions& options) {
  if (!valid_name(name)) return failure(SemError::bad_name);
  const std::string full = object_name(node, name);
  try {
    // Boost fchmod()s what it creates: the mode is exact whatever the umask.
    bip::shared_memory_object shm(bip::create_only, full.c_str(), bip::read_write,
                                  bip::permissions(options.group_access ? 0660 : 0600));
    shm.truncate(sizeof(Block));
    bip::mapped_region region(shm, bip::read_write);
    auto mapping = std::make_unique<Mapping>(std::move(shm), std::move(region));
    Block* b = mapping->block();
    if (::sem_init(&b->sem, /*pshared=*/1, options.initial) != 0) {
      spdlog::error("sem_init for {} failed: {}", full, std::strerror(errno));
      bip::shared_memory_object::remove(full.c_str());
      return failure(SemError::io_error);
    }
    b->ended = 0;
    std::atomic_ref<std::uint64_t>(b->magic).store(kMagic, std::memory_order_release);
    return NodeSemaphore(std::move(mapping));
  } catch (const bip::interprocess_exception& e) {
    if (e.get_error_code() == bip::already_exists_error) return failure(SemError::exists);
    spdlog::error("cannot create semaphore {}: {}", full, e.what());
    return failure(SemError::io_error);
  }
}

Result<NodeSemaphore, SemError> NodeSemaphore::open(const NodeDir& node, std::string_view name) {
  if (!valid_name(name)) return failure(SemError::bad_name);
  const std::string full = object_name(node, name);
  try {
    bip::shared_memory_object shm(bip::open_only, full.c_str(), bip::read_write);
    if (!shm_trusted(shm.get_mapping_handle().handle)) return failure(SemError::foreign);
    bip::offset_t size = 0;
    if (!shm.get_size(size) || static_cast<std::size_t>(size) < sizeof(Block)) {
      return failure(SemError::not_initialized);
    }
    bip::mapped_region region(shm, bip::read_write, 0, sizeof(Block));
    auto mapping = std::make_unique<Mapping>(std::move(shm), std::move(region));
    if (std::atomic_ref<std::uint64_t>(mapping->block()->magic).load(std::memory_order_acquire) !=
        kMagic) {
      return failure(SemError::not_initialized);
    }
    return NodeSemaphore(std::move(mapping));
  } catch (const bip::interprocess_exception& e) {
    if (e.get_error_code() == bip::not_found_error) return failure(SemError::missing);
    if (e.get_error_code() == bip::security_error) return failure(SemError::foreign);
    spdlog::error("cannot open semaphore {}: {}", full, e.what());
    return failure(SemError::io_error);
  }
}

Result<void, SemError> NodeSemaphore::unlink(const NodeDir& node, std::string_view name) {
  if (!valid_name(name)) return failure(SemError::bad_name);
  if (!bip::shared_memory_object::remove(object_name(node, name).c_str())) {
    return failure(SemError::missing);
  }
  return success();
}

std::vector<std::string> NodeSemaphore::list(const NodeDir& node) {
  const std::string prefix = object_name(node, "");
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kShmDir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > prefix.size() && file.compare(0, prefix.size(), prefix) == 0) {
      names.push_back(file.substr(prefix.size()));
    }
  }
  return names;
}

int NodeSemaphore::unlink_all(const NodeDir& node) {
  int removed = 0;
  for (const auto& name : list(node)) {
    if (unlink(node, name)) ++removed;
  }
  return removed;
}

void NodeSemaphore::post() { ::sem_post(&block_->sem); }

bool NodeSemaphore::is_ended() const {
  return std::atomic_ref<std::uint32_t>(block_->ended).load(std::memory_order_acquire) != 0;
}

void NodeSemaphore::end() {
  std::atomic_ref<std::uint32_t>(block_->ended).store(1, std::memory_order_release);
  ::sem_post(&block_->sem);
}

WaitResult NodeSemaphore::after_acquire() {
  if (!is_ended()) return WaitResult::acquired;
  ::sem_post(&block_->sem);
  return WaitResult::ended;
}

WaitResult NodeSemaphore::wait() {
  if (is_ended()) return WaitResult::ended;
  while (::sem_wait(&block_->sem) != 0) {
    // EINTR: a signal handler ran; wait again.
  }
  return after_acquire();
}

WaitResult NodeSemaphore::try_wait() {
  if (is_ended()) return WaitResult::ended;
  if (::sem_trywait(&block_->sem) != 0) return WaitResult::timed_out;
  return after_acquire();
}

WaitResult NodeSemaphore::timed_wait(std::chrono::milliseconds timeout) {
  if (is_ended()) return WaitResult::ended;
  timespec deadline{};
  ::clock_gettime(CLOCK_MONOTONIC, &deadline);
  const auto ms = timeout.count() < 0 ? 0 : timeout.count();
  deadline.tv_sec += static_cast<time_t>(ms / 1000);
  deadline.tv_nsec += static_cast<long>((ms % 1000) * 1000000);
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000;
  }
  for (;;) {
    if (::sem_clockwait(&block_->sem, CLOCK_MONOTONIC, &deadline) == 0) return after_acquire();
    if (errno == ETIMEDOUT) return is_ended() ? WaitResult::ended : WaitResult::timed_out;
    // EINTR: retry until the same deadline.
  }
}

int NodeSemaphore::value() const {
  int v = 0;
  ::sem_getvalue(&block_->sem, &v);
  return v;
}

}  // namespace ltp::ipc
