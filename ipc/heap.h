// Heap: the persistent SDR heap, a file mapped shared into every process
// of a node.
//
// Node admin creates it once (Heap::create); every daemon, tool and client
// attaches (Heap::attach), which validates the header and rolls back a
// transaction left half-done by a dead process. All reads and writes go
// through a Transaction (transaction.h) obtained from begin(); objects are
// addressed by Addr offsets so they mean the same in every process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <thread>

#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace boost::interprocess {
class mapped_region;
}

namespace ltp::ipc {

class Transaction;
struct TxnState;

struct HeapCreateOptions {
  // Reserved on disk at create (posix_fallocate).
  std::uint64_t size = std::uint64_t{256} << 20;
  std::uint64_t log_size = std::uint64_t{4} << 20;
  bool group_access = false;  // mode 0660 instead of 0600
};

struct HeapAttachOptions {
  // msync the written ranges and the log at commit, so committed
  // transactions survive power loss, not only process death. Costly; see
  // docs/design.md.
  bool durable = false;
  // Map every page of the heap writable in this process
  // (MADV_POPULATE_WRITE), so a later first write to a page does not fault
  // inside a transaction, with the heap lock held: for processes that move
  // bulk data (clients, link services). Done by a thread of its own, so
  // attach does not wait for it (about 15 ms per 256 MiB, up to a few
  // seconds the first time after create; finish_prefault() waits);
  // ignored where the kernel lacks it (before Linux 5.14).
  bool prefault = false;
};

class Heap {
 public:
  static Result<void, HeapError> create(const std::filesystem::path& file,
                                        const HeapCreateOptions& options = {});
  static Result<std::unique_ptr<Heap>, HeapError> attach(const std::filesystem::path& file,
                                                         const HeapAttachOptions& options = {});
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  ~Heap();

  // Starts a transaction, or joins the calling thread's open one (nesting).
  // Blocks while another process or thread holds the heap. Do not carry a
  // Heap or Transaction across fork(): attach again in the child.
  Result<Transaction, HeapError> begin();

  const std::filesystem::path& path() const { return path_; }
  const format::HeapHeader& header() const { return *header_; }
  std::uint64_t identity() const { return header_->identity; }
  bool durable() const { return durable_; }
  // Pre-image entries restored because a previous lock holder died.
  std::uint64_t recovered_entries() const { return recovered_entries_; }
  // Waits until the pages asked for by HeapAttachOptions::prefault are
  // mapped (at once if none were).
  void finish_prefault();

 private:
  friend class Transaction;
  Heap() = default;
  Result<void, HeapError> lock_and_recover();

  std::filesystem::path path_;
  int fd_ = -1;
  std::unique_ptr<boost::interprocess::mapped_region> region_;
  std::byte* base_ = nullptr;
  std::uint64_t size_ = 0;
  format::HeapHeader* header_ = nullptr;
  bool durable_ = false;
  std::uint64_t recovered_entries_ = 0;
  std::unique_ptr<TxnState> txn_;
  std::thread prefault_;
};

}  // namespace ltp::ipc
