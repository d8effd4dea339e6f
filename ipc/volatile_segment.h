// VolatileSegment: the node's POSIX shared-memory segment for working state
// that need not survive a restart (task registry, semaphore bookkeeping,
// the LTP volatile database).
//
// The node's start-up process create()s it (removing any stale one left by
// a crash) stamped with the heap's identity; every other process open()s it
// and is refused if the stamp does not match its heap, so a process can
// never pair one node's heap with another node's (or an older) segment.
// remove() at node stop. A Boost.Interprocess managed segment: allocate
// named objects with segment().find_or_construct<T>(name).
//
// open() never waits without a bound on what it finds in /dev/shm: an
// object another user made (shm_trust.h), or one too small or never
// finished by its creator (a crash), is refused within a second.
#pragma once

#include <sys/types.h>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ipc/node_dir.h"
#include "ipc/result.h"

namespace ltp::ipc {

enum class ShmError {
  missing,     // no segment: the node is not running
  io_error,    // shm_open/ftruncate/mmap failed
  wrong_heap,  // segment stamped for another heap (stale or foreign)
  corrupt,     // segment exists but has no valid header (a crash during creation)
  foreign,     // another user owns it, or every user may open it: not ours to use
};

std::string_view to_string(ShmError e);

struct VolatileCreateOptions {
  std::size_t size = std::size_t{16} << 20;
  bool group_access = false;  // mode 0660 instead of 0600
};

class VolatileSegment {
 public:
  static Result<std::unique_ptr<VolatileSegment>, ShmError> create(
      const NodeDir& node, std::uint64_t heap_identity, const VolatileCreateOptions& options = {});
  static Result<std::unique_ptr<VolatileSegment>, ShmError> open(const NodeDir& node,
                                                                 std::uint64_t heap_identity);
  // True if a segment existed and was removed. Processes still attached
  // keep their mapping until they detach; the segment is marked retired
  // first, so they can tell (retired()) that the node stopped under them.
  static bool remove(const NodeDir& node);
  // The shm object name (under /dev/shm on Linux).
  static std::string name(const NodeDir& node);

  boost::interprocess::managed_shared_memory& segment() { return segment_; }
  std::uint64_t heap_identity() const { return heap_identity_; }
  // The node that made this segment has stopped (or restarted with a new
  // one): one load from the mapping, cheap enough for every client call.
  bool retired() const;

 private:
  struct Header;
  VolatileSegment(boost::interprocess::managed_shared_memory segment, Header* header)
      : segment_(std::move(segment)), header_(header) {}
  static Result<boost::interprocess::managed_shared_memory, ShmError> open_vetted(
      const std::string& shm_name);
  boost::interprocess::managed_shared_memory segment_;
  Header* header_;
  std::uint64_t heap_identity_ = 0;
};

}  // namespace ltp::ipc
