#include "ipc/heap_lock.h"

#include <pthread.h>
#include <sys/file.h>

#include <cerrno>

#include "ipc/heap_format.h"

namespace ltp::ipc {
namespace {

static_assert(sizeof(pthread_mutex_t) <= format::kLockBytes);

bool flock_retrying(int fd, int op) {
  while (::flock(fd, op) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

}  // namespace

bool HeapLock::attach() {
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
    // Sole attachment: no thread anywhere can hold or wait on the mutex.
    auto* mutex = static_cast<pthread_mutex_t*>(mutex_storage_);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    // Downgrade (not atomic: another attacher may slip in between and
    // re-initialise the mutex too, harmlessly, as nobody holds it yet).
    return flock_retrying(fd_, LOCK_SH);
  }
  if (errno != EWOULDBLOCK && errno != EINTR) return false;
  // Others are attached (or one is initialising: wait for its downgrade).
  return flock_retrying(fd_, LOCK_SH);
}

HeapLock::Acquired HeapLock::lock() {
  auto* mutex = static_cast<pthread_mutex_t*>(mutex_storage_);
  const int rc = pthread_mutex_lock(mutex);
  if (rc == 0) return Acquired::ok;
  if (rc == EOWNERDEAD) {
    pthread_mutex_consistent(mutex);
    return Acquired::previous_owner_died;
  }
  errno = rc;
  return Acquired::failed;
}

void HeapLock::unlock() { pthread_mutex_unlock(static_cast<pthread_mutex_t*>(mutex_storage_)); }

}  // namespace ltp::ipc
