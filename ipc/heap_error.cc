#include "ipc/heap_error.h"

namespace ltp::ipc {

std::string_view to_string(HeapError e) {
  switch (e) {
    case HeapError::heap_missing:
      return "no SDR heap file at the node directory; create the node first (ltpadmin / "
             "ionadmin 1, or ltp::ipc::Heap::create)";
    case HeapError::heap_exists:
      return "an SDR heap file already exists there; attach to it, or remove it to start afresh";
    case HeapError::io_error:
      return "system call on the heap file failed (see errno in the log); check the path, "
             "permissions and free disk space";
    case HeapError::truncated:
      return "heap file is shorter than its header records (truncated copy?); restore it or "
             "re-create the node";
    case HeapError::bad_magic:
      return "file is not an OpenLTP SDR heap (bad magic); check the node directory";
    case HeapError::bad_version:
      return "heap file was written by an incompatible format version; use the matching "
             "OpenLTP release or re-create the node";
    case HeapError::bad_geometry:
      return "heap header is inconsistent (corrupt or garbage file); restore it or re-create "
             "the node";
    case HeapError::bad_options:
      return "heap create options are unusable (size too small, log larger than heap, or mode "
             "other than 0600/0660)";
    case HeapError::out_of_space:
      return "SDR heap has no free block large enough; free objects or re-create the node "
             "with a larger heap";
    case HeapError::log_full:
      return "transaction logged more pre-images than the undo log holds; split the "
             "transaction or re-create the node with a larger log";
    case HeapError::aborted:
      return "transaction was aborted (an inner abort dooms the whole transaction); nothing "
             "it wrote persists";
    case HeapError::not_in_transaction:
      return "operation needs an open transaction; call Heap::begin() first";
    case HeapError::bad_address:
      return "heap offset is outside the arena or not a live object (caller bug or corrupt "
             "heap; run sdrwatch --check)";
    case HeapError::not_found:
      return "key or root name not present";
    case HeapError::duplicate_key:
      return "key already present; use assign() to overwrite";
    case HeapError::wrong_type:
      return "offset does not hold a container of the requested type (stale root or corrupt "
             "heap; run sdrwatch --check)";
    case HeapError::catalog_full:
      return "root catalog is full; remove an unused root";
    case HeapError::name_too_long:
      return "root name is too long for the catalog (max 23 bytes)";
  }
  return "unknown heap error";
}

}  // namespace ltp::ipc
