// HeapError: everything that can go wrong creating, attaching or using an
// SDR heap (allocator, transactions, containers).
//
// Called by every user of ipc/heap.h and ipc/transaction.h; to_string()
// says what went wrong and what to do about it, for logs and CLI messages.
#pragma once

#include <string_view>

namespace ltp::ipc {

enum class HeapError {
  heap_missing,  // no heap file at the path
  heap_exists,   // create() found a file already there
  io_error,      // open/stat/ftruncate/mmap/flock failed
  truncated,     // file shorter than its header says
  bad_magic,     // not an OpenLTP heap file
  bad_version,   // heap written by another format version
  bad_geometry,  // header fields inconsistent or out of range
  bad_options,   // create() options unusable (sizes, mode)
  out_of_space,  // allocator has no free block large enough
  log_full,      // transaction wrote more pre-images than the undo log holds
  aborted,       // transaction was aborted (possibly by a nested abort)
  not_in_transaction,
  bad_address,    // offset outside the arena or not an allocated object
  not_found,      // key / root not present
  duplicate_key,  // key already present
  wrong_type,     // offset does not hold the container type asked for
  catalog_full,   // no free root-catalog slot
  name_too_long,  // root name longer than the catalog allows
};

std::string_view to_string(HeapError e);

}  // namespace ltp::ipc
