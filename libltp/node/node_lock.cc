#include "libltp/node/node_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace ltp::node {
namespace {

struct Held {
  int fd = -1;
  int depth = 0;
};

// This process's locks by path: flock would refuse a second descriptor of
// the same file in the same process, so nesting is counted here.
std::mutex& held_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, Held>& held() {
  static std::map<std::string, Held> locks;
  return locks;
}

}  // namespace

Result<NodeLock, std::string> NodeLock::acquire(const ipc::NodeDir& dir) {
  const std::string path = (dir.dir() / "node.lock").string();
  std::lock_guard guard(held_mutex());
  Held& h = held()[path];
  if (h.depth > 0) {
    ++h.depth;
    return NodeLock(path);
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    held().erase(path);
    return failure("cannot open " + path + ": " + std::strerror(errno));
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const std::string why = std::strerror(errno);
    ::close(fd);
    held().erase(path);
    return failure("cannot lock " + path + ": " + why);
  }
  h = {fd, 1};
  return NodeLock(path);
}

NodeLock::~NodeLock() {
  if (key_.empty()) return;
  std::lock_guard guard(held_mutex());
  auto it = held().find(key_);
  if (it == held().end() || --it->second.depth > 0) return;
  ::close(it->second.fd);  // releases the flock
  held().erase(it);
}

}  // namespace ltp::node
