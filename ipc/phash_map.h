// PHashMap: a persistent hash map u64 -> u64 in the SDR heap (separate
// chaining, doubles when the load factor reaches 1).
//
// For the LTP databases' lookups by id (sessions by number, spans by engine
// id). Handle over a header object, like PList. find/insert/erase are O(1)
// expected; a growth step relinks every entry once (amortised O(1)).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ipc/container_registry.h"
#include "ipc/heap_error.h"
#include "ipc/heap_format.h"
#include "ipc/result.h"

namespace ltp::ipc {

class Transaction;

class PHashMap {
 public:
  static Result<PHashMap, HeapError> create(Transaction& txn);
  static Result<PHashMap, HeapError> open(const Transaction& txn, Addr header);

  Addr header() const { return header_; }
  std::uint64_t size(const Transaction& txn) const;

  std::optional<std::uint64_t> find(const Transaction& txn, std::uint64_t key) const;
  // Fails with duplicate_key if present.
  Result<void, HeapError> insert(Transaction& txn, std::uint64_t key, std::uint64_t value);
  // Inserts or overwrites.
  Result<void, HeapError> assign(Transaction& txn, std::uint64_t key, std::uint64_t value);
  // Fails with not_found if absent; returns the removed value.
  Result<std::uint64_t, HeapError> erase(Transaction& txn, std::uint64_t key);

  // Unordered visit of every entry (tools, tests).
  void for_each(const Transaction& txn,
                const std::function<void(std::uint64_t key, std::uint64_t value)>& fn) const;
  Result<void, HeapError> destroy(Transaction& txn);

  static std::uint64_t check(const Transaction& txn, Addr header,
                             std::vector<std::string>& problems);

 private:
  explicit PHashMap(Addr header) : header_(header) {}
  Result<void, HeapError> grow(Transaction& txn);
  // Address of the link that points at `key`'s node (bucket slot or a
  // node's next field), or of the null link ending the chain.
  Addr find_link(const Transaction& txn, std::uint64_t key) const;
  Addr header_;
};

}  // namespace ltp::ipc
