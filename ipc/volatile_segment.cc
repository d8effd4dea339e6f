#include "ipc/volatile_segment.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include "ipc/shm_trust.h"

namespace ltp::ipc {
namespace {

namespace bip = boost::interprocess;

constexpr char kHeaderName[] = "openltp.volatile-header";
constexpr std::uint64_t kMagic = 0x4f4c545056534547;  // "OLTPVSEG"

// Boost's managed segment begins with a word its creator sets to 2
// ("initialized") last; Boost's own open spins while it reads 0 or 1, for
// ever if the creator died. No segment of ours is smaller than this.
constexpr std::uint32_t kBoostInitialized = 2;
constexpr off_t kSmallestSegment = 64 << 10;
constexpr auto kCreatorGrace = std::chrono::seconds(1);

// What open() may hand to Boost: ours, big enough, and finished by its
// creator (waiting up to kCreatorGrace for one at work).
Result<void, ShmError> vet(const std::string& shm_name) {
  const int fd = ::shm_open(("/" + shm_name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == ENOENT) return failure(ShmError::missing);
    return failure(errno == EACCES ? ShmError::foreign : ShmError::io_error);
  }
  struct stat st {};
  Result<void, ShmError> verdict = success();
  if (!shm_trusted(fd)) {
    verdict = failure(ShmError::foreign);
  } else if (::fstat(fd, &st) != 0 || st.st_size < kSmallestSegment) {
    verdict = failure(ShmError::corrupt);
  } else if (void* p = ::mmap(nullptr, sizeof(std::uint32_t), PROT_READ, MAP_SHARED, fd, 0);
             p == MAP_FAILED) {
    verdict = failure(ShmError::io_error);
  } else {
    std::atomic_ref<std::uint32_t> state(*static_cast<std::uint32_t*>(p));
    const auto deadline = std::chrono::steady_clock::now() + kCreatorGrace;
    while (state.load(std::memory_order_acquire) != kBoostInitialized &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (state.load(std::memory_order_acquire) != kBoostInitialized) {
      verdict = failure(ShmError::corrupt);
    }
    ::munmap(p, sizeof(std::uint32_t));
  }
  ::close(fd);
  return verdict;
}

}  // namespace

struct VolatileSegment::Header {
  std::uint64_t magic;
  std::uint64_t heap_identity;
  pid_t creator;
  std::uint32_t retired;  // set once, by remove(); read with atomic_ref
};

bool VolatileSegment::retired() const {
  return std::atomic_ref<std::uint32_t>(header_->retired).load(std::memory_order_acquire) != 0;
}

std::string_view to_string(ShmError e) {
  switch (e) {
    case ShmError::missing:
      return "node's volatile segment does not exist; start the node first (ltpadmin / "
             "ionstart)";
    case ShmError::io_error:
      return "cannot create or map the volatile segment (see the log); check /dev/shm space "
             "and permissions";
    case ShmError::wrong_heap:
      return "volatile segment belongs to a different heap (left by an earlier node or "
             "another node); restart the node to rebuild it";
    case ShmError::corrupt:
      return "volatile segment has no valid header (left by a crash?); restart the node to "
             "rebuild it";
    case ShmError::foreign:
      return "volatile segment belongs to another user, or every user may open it: have its "
             "owner or root remove it, then start the node";
  }
  return "unknown shared-memory error";
}

std::string VolatileSegment::name(const NodeDir& node) { return node.ipc_name("vol"); }

bool VolatileSegment::remove(const NodeDir& node) {
  const std::string shm_name = name(node);
  if (auto segment = open_vetted(shm_name)) {
    if (auto* header = segment.value().find<Header>(kHeaderName).first) {
      std::atomic_ref<std::uint32_t>(header->retired).store(1, std::memory_order_release);
    }
  }
  return bip::shared_memory_object::remove(shm_name.c_str());
}

Result<std::unique_ptr<VolatileSegment>, ShmError> VolatileSegment::create(
    const NodeDir& node, std::uint64_t heap_identity, const VolatileCreateOptions& options) {
  const std::string shm_name = name(node);
  if (remove(node)) spdlog::info("removed stale volatile segment {}", shm_name);
  try {
    // Boost fchmod()s a created object, so the umask cannot widen or
    // narrow the mode.
    bip::managed_shared_memory segment(bip::create_only, shm_name.c_str(), options.size, nullptr,
                                       bip::permissions(options.group_access ? 0660 : 0600));
    auto* header =
        segment.construct<Header>(kHeaderName)(Header{kMagic, heap_identity, ::getpid(), 0});
    std::unique_ptr<VolatileSegment> created(new VolatileSegment(std::move(segment), header));
    created->heap_identity_ = heap_identity;
    return created;
  } catch (const bip::interprocess_exception& e) {
    spdlog::error("cannot create volatile segment {}: {}", shm_name, e.what());
    // Still there after remove(): not ours to remove.
    if (e.get_error_code() == bip::already_exists_error) return failure(ShmError::foreign);
    return failure(ShmError::io_error);
  }
}

Result<bip::managed_shared_memory, ShmError> VolatileSegment::open_vetted(
    const std::string& shm_name) {
  BOOST_OUTCOME_TRY(vet(shm_name));
  try {
    return bip::managed_shared_memory(bip::open_only, shm_name.c_str());
  } catch (const bip::interprocess_exception& e) {
    if (e.get_error_code() == bip::not_found_error) return failure(ShmError::missing);
    if (e.get_error_code() == bip::security_error) return failure(ShmError::foreign);
    spdlog::error("cannot open volatile segment {}: {}", shm_name, e.what());
    return failure(ShmError::io_error);
  }
}

Result<std::unique_ptr<VolatileSegment>, ShmError> VolatileSegment::open(
    const NodeDir& node, std::uint64_t heap_identity) {
  BOOST_OUTCOME_TRY(segment, open_vetted(name(node)));
  auto* header = segment.find<Header>(kHeaderName).first;
  if (header == nullptr || header->magic != kMagic) return failure(ShmError::corrupt);
  if (header->heap_identity != heap_identity) return failure(ShmError::wrong_heap);
  std::unique_ptr<VolatileSegment> opened(new VolatileSegment(std::move(segment), header));
  opened->heap_identity_ = heap_identity;
  return opened;
}

}  // namespace ltp::ipc
