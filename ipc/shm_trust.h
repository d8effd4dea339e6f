// shm_trusted: whether a node's POSIX shared-memory object may be used.
//
// The volatile segment and the named semaphores live in /dev/shm, where
// any local user can create a file of any name, and the names derive from
// the node directory (visible in `ls /dev/shm`). So every open of such an
// object checks, on the descriptor it opened (no race with a rename), that
// this user owns it and that not every user can open it; anything else was
// made or widened by someone else and is refused, never waited on.
// VolatileSegment::open and NodeSemaphore::open call it.
#pragma once

namespace ltp::ipc {

bool shm_trusted(int fd);

}  // namespace ltp::ipc
