#include "libltp/db/migration.h"

#include <cstddef>
#include <cstring>
#include <iterator>
#include <vector>

#include "ipc/phash_map.h"
#include "libltp/db/security_db.h"

namespace ltp::db {
namespace {

// Each format after 3 grew every SpanRecord by inserting zeroed octets at
// one place; `at` is where, in the layout of the format it brought
// (this build's offsets, less the growths of later formats before it).
struct SpanRecordGrowth {
  std::uint64_t to_format;
  std::size_t at;
  std::size_t bytes;
};
constexpr std::size_t kFormat5At = offsetof(SpanRecord, config) + offsetof(SpanConfig, redundancy);
constexpr SpanRecordGrowth kGrowths[] = {
    // SpanStats' last counter; format 5's field comes before it.
    {4, offsetof(SpanRecord, stats) + offsetof(SpanStats, cancels_received_reserved) - 8, 8},
    // SpanConfig::redundancy, at the end of the config.
    {5, kFormat5At, 8},
};
static_assert(std::size(kGrowths) == kDbFormatVersion - kOldestMigratableFormat);

// The size of a SpanRecord in `format`.
constexpr std::size_t span_record_bytes(std::uint64_t format) {
  std::size_t bytes = sizeof(SpanRecord);
  for (const auto& growth : kGrowths) {
    if (growth.to_format > format) bytes -= growth.bytes;
  }
  return bytes;
}

Result<void, ipc::HeapError> upgrade_span_records(ipc::Transaction& txn, Addr spans_map,
                                                  std::uint64_t from) {
  BOOST_OUTCOME_TRY(spans, ipc::PHashMap::open(txn, spans_map));
  std::vector<std::pair<std::uint64_t, Addr>> all;
  spans.for_each(txn, [&](std::uint64_t engine, Addr addr) { all.emplace_back(engine, addr); });
  for (const auto& [engine, old_addr] : all) {
    const auto* old_bytes = txn.get<std::uint8_t>(old_addr);
    std::vector<std::uint8_t> bytes(old_bytes, old_bytes + span_record_bytes(from));
    for (const auto& growth : kGrowths) {
      if (growth.to_format <= from) continue;
      bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(growth.at), growth.bytes, 0);
    }
    SpanRecord record;
    std::memcpy(&record, bytes.data(), sizeof record);
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(SpanRecord)));
    BOOST_OUTCOME_TRY(txn.put(addr, record));
    BOOST_OUTCOME_TRY(spans.assign(txn, engine, addr));
    BOOST_OUTCOME_TRY(txn.free(old_addr));
  }
  return success();
}

}  // namespace

Result<std::uint64_t, DbError> upgrade(ipc::Transaction& txn) {
  auto root = txn.root(kDbRootName);
  if (!root) return failure(DbError::not_initialized);
  // The security database keeps its own format (security_records.h).
  BOOST_OUTCOME_TRY(SecurityDb::upgrade(txn));
  const std::uint64_t format = txn.get<DbRoot>(root.value())->format_version;
  if (format == kDbFormatVersion) return format;
  if (format < kOldestMigratableFormat || format > kDbFormatVersion) {
    return failure(DbError::wrong_format);
  }
  // DbRoot's layout is the same in formats 3 to 5.
  if (!upgrade_span_records(txn, txn.get<DbRoot>(root.value())->spans, format)) {
    return failure(DbError::heap);
  }
  if (!txn.put(root.value() + offsetof(DbRoot, format_version), kDbFormatVersion)) {
    return failure(DbError::heap);
  }
  return format;
}

}  // namespace ltp::db
