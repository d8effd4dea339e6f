#include "ipc/heap_lock.h"

#include <sys/file.h>

#include <cerrno>

namespace ltp::ipc {

bool HeapLock::lock() {
  threads_.lock();
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      threads_.unlock();
      return false;
    }
  }
  return true;
}

void HeapLock::unlock() {
  ::flock(fd_, LOCK_UN);
  threads_.unlock();
}

}  // namespace ltp::ipc
