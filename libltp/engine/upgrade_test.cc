// The engine carries on, after an upgrade, with what a heap of the
// previous LTP database format held in flight (the fixture in
// libltp/db/testdata: engine 1's 20 000-octet block to engine 2, its last
// checkpoint lost). Its checkpoint timer fires and the resent checkpoint
// carries the block's own bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "ipc/heap.h"
#include "ipc/testing/temp_dir.h"
#include "libltp/codec/decode.h"
#include "libltp/db/migration.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

TEST(Upgrade, ABlockInFlightInAFormat3HeapIsStillSent) {
  ipc::testing::TempDir dir;
  const auto path = dir.path() / "sdr.heap";
  const std::string command = std::string("gzip -dc '") + OPENLTP_DB_TESTDATA +
                              "/format3-export-in-flight.heap.gz' > '" + path.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto heap = ipc::Heap::attach(path).value();
  {
    auto txn = heap->begin().value();
    ASSERT_EQ(db::upgrade(txn).value(), 3u);
    ASSERT_TRUE(txn.commit());
  }
  testing::CountingSignals signals;
  auto engine = Engine::attach(*heap, nullptr, signals).value();
  // Long after the fixture's clock: every timer is due.
  const std::uint64_t later = 10'000'000;
  ASSERT_TRUE(engine->on_timers(later));
  OutboundBatch batch;
  ASSERT_GT(engine->dequeue(2, 100, later, batch).value(), 0u);
  const auto block = testing::Lockstep::pattern(20000, 42);
  bool checkpoint = false;
  for (const auto& segment : batch.segments()) {
    const auto bytes = OutboundBatch::flatten(segment);
    const auto decoded = codec::decode(bytes).value();
    const auto* data = std::get_if<codec::DataSegment>(&decoded.body);
    if (data == nullptr || !data->checkpoint) continue;
    checkpoint = true;
    ASSERT_LE(data->offset + data->payload.size(), block.size());
    EXPECT_TRUE(std::equal(data->payload.begin(), data->payload.end(),
                           block.begin() + static_cast<std::ptrdiff_t>(data->offset)));
  }
  EXPECT_TRUE(checkpoint) << "no checkpoint was resent";
}

}  // namespace
}  // namespace ltp::engine
