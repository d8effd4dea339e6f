// HeapLock: the one lock that serialises transactions on a heap, across
// processes and across threads of one process, and that survives the death
// of its holder.
//
// Used by Heap (attach) and Transaction (begin/commit). Two parts:
//  * the transaction lock is a process-shared *robust* pthread mutex stored
//    in the heap header: uncontended lock+unlock are two atomic operations
//    in user space (no syscall), and if the holder dies the kernel hands
//    the next locker EOWNERDEAD, which the heap answers by rolling back the
//    undo log;
//  * an attachment lock, flock(LOCK_SH) on the heap file held for as long
//    as the heap is attached. A process that gets flock(LOCK_EX) at attach
//    knows nobody else is attached, so it re-initialises the mutex: that
//    clears whatever state the mutex bytes were left in by a reboot or a
//    process that died before the kernel could mark it (the mutex lives in
//    a persistent file).
#pragma once

namespace ltp::ipc {

class HeapLock {
 public:
  // `mutex_storage` is the header's lock area (format::kLockBytes bytes).
  HeapLock(int fd, void* mutex_storage) : fd_(fd), mutex_storage_(mutex_storage) {}
  HeapLock(const HeapLock&) = delete;
  HeapLock& operator=(const HeapLock&) = delete;

  // Takes the attachment lock (and re-initialises the mutex if alone).
  // False (errno set) if flock fails.
  bool attach();

  enum class Acquired { ok, previous_owner_died, failed };
  Acquired lock();
  void unlock();

 private:
  int fd_;
  void* mutex_storage_;
};

}  // namespace ltp::ipc
