#include "ipc/volatile_segment.h"

#include <spdlog/spdlog.h>

#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

namespace ltp::ipc {
namespace {

namespace bip = boost::interprocess;

constexpr char kHeaderName[] = "openltp.volatile-header";
constexpr std::uint64_t kMagic = 0x4f4c545056534547;  // "OLTPVSEG"

struct VolatileHeader {
  std::uint64_t magic;
  std::uint64_t heap_identity;
  pid_t creator;
};

}  // namespace

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
      return "volatile segment has no valid header; restart the node to rebuild it";
  }
  return "unknown shared-memory error";
}

std::string VolatileSegment::name(const NodeDir& node) { return node.ipc_name("vol"); }

bool VolatileSegment::remove(const NodeDir& node) {
  return bip::shared_memory_object::remove(name(node).c_str());
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
    segment.construct<VolatileHeader>(kHeaderName)(
        VolatileHeader{kMagic, heap_identity, ::getpid()});
    return std::unique_ptr<VolatileSegment>(new VolatileSegment(std::move(segment), heap_identity));
  } catch (const bip::interprocess_exception& e) {
    spdlog::error("cannot create volatile segment {}: {}", shm_name, e.what());
    return failure(ShmError::io_error);
  }
}

Result<std::unique_ptr<VolatileSegment>, ShmError> VolatileSegment::open(
    const NodeDir& node, std::uint64_t heap_identity) {
  const std::string shm_name = name(node);
  bip::managed_shared_memory segment;
  try {
    segment = bip::managed_shared_memory(bip::open_only, shm_name.c_str());
  } catch (const bip::interprocess_exception& e) {
    if (e.get_error_code() == bip::not_found_error) return failure(ShmError::missing);
    spdlog::error("cannot open volatile segment {}: {}", shm_name, e.what());
    return failure(ShmError::io_error);
  }
  const auto* header = segment.find<VolatileHeader>(kHeaderName).first;
  if (header == nullptr || header->magic != kMagic) return failure(ShmError::corrupt);
  if (header->heap_identity != heap_identity) return failure(ShmError::wrong_heap);
  return std::unique_ptr<VolatileSegment>(new VolatileSegment(std::move(segment), heap_identity));
}

}  // namespace ltp::ipc
