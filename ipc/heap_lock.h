// HeapLock: the one lock that serialises transactions on a heap, across
// processes and across threads of one process.
//
// Used by Heap::begin()/Transaction. Between processes it is flock() on the
// heap file: the kernel drops it when the owner dies, so a dead owner can
// never wedge the node (the next owner finds a non-empty undo log and rolls
// back). flock locks belong to the open file description, which threads of
// one process share, so a std::mutex excludes sibling threads first.
#pragma once

#include <mutex>

namespace ltp::ipc {

class HeapLock {
 public:
  explicit HeapLock(int fd) : fd_(fd) {}
  HeapLock(const HeapLock&) = delete;
  HeapLock& operator=(const HeapLock&) = delete;

  // False only if flock() fails for a reason other than EINTR.
  bool lock();
  void unlock();

 private:
  int fd_;
  std::mutex threads_;
};

}  // namespace ltp::ipc
