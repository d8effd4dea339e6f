#include "libltp/db/migration.h"

#include <cstring>
#include <vector>

#include "ipc/phash_map.h"
#include "libltp/db/security_db.h"

namespace ltp::db {
namespace {

// Format 3's SpanRecord: this build's, less the counter format 4 added
// at the end of SpanStats.
constexpr std::size_t kGrowthAt =
    offsetof(SpanRecord, stats) + offsetof(SpanStats, cancels_received_reserved);
constexpr std::size_t kGrowth = sizeof(std::uint64_t);
constexpr std::size_t kFormat3SpanRecordBytes = sizeof(SpanRecord) - kGrowth;

Result<void, ipc::HeapError> span_records_3_to_4(ipc::Transaction& txn, Addr spans_map) {
  BOOST_OUTCOME_TRY(spans, ipc::PHashMap::open(txn, spans_map));
  std::vector<std::pair<std::uint64_t, Addr>> all;
  spans.for_each(txn, [&](std::uint64_t engine, Addr addr) { all.emplace_back(engine, addr); });
  for (const auto& [engine, old_addr] : all) {
    const auto* old_bytes = txn.get<std::uint8_t>(old_addr);
    std::vector<std::uint8_t> bytes(sizeof(SpanRecord), 0);
    std::memcpy(bytes.data(), old_bytes, kGrowthAt);
    std::memcpy(bytes.data() + kGrowthAt + kGrowth, old_bytes + kGrowthAt,
                kFormat3SpanRecordBytes - kGrowthAt);
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
  // DbRoot's layout is the same in formats 3 and 4.
  if (!span_records_3_to_4(txn, txn.get<DbRoot>(root.value())->spans)) {
    return failure(DbError::heap);
  }
  if (!txn.put(root.value() + offsetof(DbRoot, format_version), kDbFormatVersion)) {
    return failure(DbError::heap);
  }
  return format;
}

}  // namespace ltp::db
