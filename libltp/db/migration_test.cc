// Upgrading heaps made by OpenLTP's previous LTP database formats. The
// fixtures in testdata/ were written by the builds of those formats:
// format3-export-in-flight.heap.gz by format 3 (engine 1 with a span to
// engine 2 and a 20 000-octet block whose last checkpoint was lost, its
// export session in flight); format4-export-in-flight.heap.xz by format 4
// (ionstart, then `ltpsend --no-wait` of a 20 000-octet block to engine 2,
// which is not there; the node stopped with the session in flight).
#include "libltp/db/migration.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "ipc/heap.h"
#include "ipc/heap_check.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/testing/temp_dir.h"

namespace ltp::db {
namespace {

// A fixture, unpacked into a fresh directory (the upgrade writes it).
std::filesystem::path unpack_fixture(const ipc::testing::TempDir& dir,
                                     const std::string& name = "format3-export-in-flight.heap.gz") {
  const auto heap = dir.path() / "sdr.heap";
  const std::string tool = name.ends_with(".xz") ? "xz" : "gzip";
  const std::string command =
      tool + " -dc '" + OPENLTP_DB_TESTDATA + "/" + name + "' > '" + heap.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return heap;
}

// Upgrades the fixture `name` (written by format `format`) in place and
// checks what every fixture holds: engine 1's one span, to engine 2, with
// its block's export session in flight, at this format's offsets. Then
// `more` checks the fixture's own figures; a second upgrade does nothing.
void expect_upgraded(const std::string& name, std::uint64_t format,
                     const std::function<void(const SpanRecord&)>& more) {
  ipc::testing::TempDir dir;
  auto heap = ipc::Heap::attach(unpack_fixture(dir, name)).value();
  {
    auto txn = heap->begin().value();
    EXPECT_EQ(LtpDb::open(txn).error(), DbError::wrong_format);
    const Addr root = txn.root(kDbRootName).value();
    EXPECT_EQ(txn.get<DbRoot>(root)->format_version, format);
    EXPECT_EQ(upgrade(txn).value(), format);
    ASSERT_TRUE(txn.commit());
  }
  auto txn = heap->begin().value();
  auto db = LtpDb::open(txn).value();
  EXPECT_EQ(db.own_engine_id(txn), 1u);
  EXPECT_EQ(db.list_spans(txn), std::vector<std::uint64_t>{2});
  const SpanRecord span = *txn.get<SpanRecord>(db.find_span(txn, 2).value());
  EXPECT_EQ(span.config.engine_id, 2u);
  EXPECT_EQ(span.config.redundancy, 0u);
  EXPECT_EQ(span.stats.cancels_received_reserved, 0u);
  EXPECT_EQ(span.export_count, 1u);
  more(span);
  EXPECT_EQ(ipc::PHashMap::open(txn, db.root(txn).export_sessions).value().size(txn), 1u);
  EXPECT_TRUE(ipc::PList::open(txn, span.timers).has_value());
  EXPECT_TRUE(ipc::check_heap(txn).empty());
  EXPECT_EQ(upgrade(txn).value(), kDbFormatVersion);
  ASSERT_TRUE(txn.commit());
}

TEST(Migration, AFormat3HeapIsUpgradedInPlaceKeepingWhatIsInFlight) {
  expect_upgraded("format3-export-in-flight.heap.gz", 3,
                  [](const SpanRecord& span) { EXPECT_EQ(span.stats.segments_sent, 15u); });
}

TEST(Migration, AFormat4HeapIsUpgradedInPlaceKeepingWhatIsInFlight) {
  expect_upgraded("format4-export-in-flight.heap.xz", 4, [](const SpanRecord& span) {
    EXPECT_EQ(span.config.max_export_sessions, 32u);
    EXPECT_EQ(span.config.max_retransmission_cycles, 0u);
    EXPECT_EQ(std::string(span.config.lso_command.data()), "udplso 127.0.0.1:47911");
    // What ltpstat showed before the node stopped: 16 segments, one
    // checkpoint and its tail probe.
    EXPECT_EQ(span.stats.segments_sent, 16u);
    EXPECT_EQ(span.stats.checkpoints_sent, 1u);
    EXPECT_EQ(span.stats.checkpoints_retransmitted, 1u);
  });
}

TEST(Migration, AFormatTooOldOrTooNewIsLeftAlone) {
  ipc::testing::TempDir dir;
  auto heap = ipc::Heap::attach(unpack_fixture(dir)).value();
  for (const std::uint64_t format : {std::uint64_t{2}, kDbFormatVersion + 1}) {
    auto txn = heap->begin().value();
    const Addr root = txn.root(kDbRootName).value();
    ASSERT_TRUE(txn.put(root + offsetof(DbRoot, format_version), format));
    EXPECT_EQ(upgrade(txn).error(), DbError::wrong_format) << format;
    txn.abort();
  }
}

}  // namespace
}  // namespace ltp::db
