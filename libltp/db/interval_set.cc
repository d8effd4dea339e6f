#include "libltp/db/interval_set.h"

#include <algorithm>

namespace ltp::db {

namespace {
ipc::OrderedKey key(std::uint64_t end) { return {0, end}; }
}  // namespace

Result<IntervalSet, ipc::HeapError> IntervalSet::create(ipc::Transaction& txn) {
  BOOST_OUTCOME_TRY(map, ipc::POrderedMap::create(txn));
  return IntervalSet(map.header());
}

ipc::POrderedMap IntervalSet::map(const ipc::Transaction& txn) const {
  return ipc::POrderedMap::open(txn, header_).value();
}

Result<void, ipc::HeapError> IntervalSet::insert(ipc::Transaction& txn, ByteRange range) {
  if (range.start >= range.end) return success();
  auto m = map(txn);
  // The first range with end >= start is the lowest that can touch the new
  // one; if it does, it absorbs the new range and every later one it now
  // touches, and moves to its new end in place: segments arriving in order
  // extend one range without allocating.
  const auto first = m.lower_bound(txn, key(range.start));
  if (!first || first->value > range.end) return m.insert(txn, key(range.end), range.start);
  if (first->value <= range.start && first->key.lo >= range.end) return success();  // already in
  range.start = std::min(range.start, first->value);
  range.end = std::max(range.end, first->key.lo);
  for (auto e = m.upper_bound(txn, first->key); e && e->value <= range.end;
       e = m.upper_bound(txn, first->key)) {
    range.end = std::max(range.end, e->key.lo);
    BOOST_OUTCOME_TRY(m.erase(txn, e->key));
  }
  return m.rekey(txn, first->key, key(range.end), range.start);
}

bool IntervalSet::covers(const ipc::Transaction& txn, ByteRange range) const {
  if (range.start >= range.end) return true;
  const auto e = map(txn).upper_bound(txn, key(range.start));
  return e && e->value <= range.start && e->key.lo >= range.end;
}

void IntervalSet::for_each_inside(const ipc::Transaction& txn, ByteRange window,
                                  const std::function<void(ByteRange)>& fn) const {
  auto m = map(txn);
  for (auto e = m.upper_bound(txn, key(window.start)); e && e->value < window.end;
       e = m.upper_bound(txn, e->key)) {
    fn({std::max(e->value, window.start), std::min(e->key.lo, window.end)});
  }
}

void IntervalSet::for_each_gap(const ipc::Transaction& txn, ByteRange window,
                               const std::function<void(ByteRange)>& fn) const {
  std::uint64_t cursor = window.start;
  for_each_inside(txn, window, [&](ByteRange have) {
    if (have.start > cursor) fn({cursor, have.start});
    cursor = have.end;
  });
  if (cursor < window.end) fn({cursor, window.end});
}

std::uint64_t IntervalSet::max_end(const ipc::Transaction& txn) const {
  const auto e = map(txn).last(txn);
  return e ? e->key.lo : 0;
}

std::uint64_t IntervalSet::range_count(const ipc::Transaction& txn) const {
  return map(txn).size(txn);
}

Result<void, ipc::HeapError> IntervalSet::destroy(ipc::Transaction& txn) {
  auto m = map(txn);
  return m.destroy(txn);
}

}  // namespace ltp::db
