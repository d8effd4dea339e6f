// RobustMutex: a process-shared pthread mutex that survives its owner's
// death, for small critical sections in the volatile segment (the task
// registry). If the owner died holding it, the next locker gets it (and
// is told, so it can repair what the dead owner may have half-written).
// Lives inside shared memory: construct in place, never copy.
#pragma once

#include <pthread.h>

namespace ltp::ipc {

class RobustMutex {
 public:
  RobustMutex();
  RobustMutex(const RobustMutex&) = delete;
  RobustMutex& operator=(const RobustMutex&) = delete;
  ~RobustMutex();

  // Returns true if the previous owner died holding the lock.
  bool lock();
  void unlock();

 private:
  pthread_mutex_t mutex_;
};

// Scoped lock; `owner_died()` reports a recovered lock.
class RobustLock {
 public:
  explicit RobustLock(RobustMutex& m) : m_(m), owner_died_(m.lock()) {}
  ~RobustLock() { m_.unlock(); }
  RobustLock(const RobustLock&) = delete;
  RobustLock& operator=(const RobustLock&) = delete;
  bool owner_died() const { return owner_died_; }

 private:
  RobustMutex& m_;
  bool owner_died_;
};

}  // namespace ltp::ipc
