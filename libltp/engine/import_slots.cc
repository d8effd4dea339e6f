// A span's import slots (max_import_sessions) under a flood: anyone who can
// send a datagram can open an import session with one forged segment, and
// such a session would hold its slot until the stale-import timer (60 s).
// So when every slot is taken, the session that has made the least
// progress — no checkpoint answered yet, fewest red bytes, heard from
// longest ago — gives its slot to a newcomer that brings more bytes, or to
// any newcomer once it has been silent for a response interval (the time
// in which its sender, if real, would have sent more or resent its
// checkpoint). A real block's session gains bytes with every segment and
// soon has a checkpoint, so it does not yield to a flood of one-segment
// sessions, and two real blocks competing for the last slot do not evict
// each other at their first segments.
// The yielded session is freed without a cancel (the peer named in a
// forged segment knows nothing of it) and without being remembered as
// closed (a real one recovers: its sender's checkpoint opens it again),
// its cookie forgotten with it.
#include "ipc/phash_map.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

namespace {

struct Progress {
  std::uint64_t bytes = 0;
  std::uint64_t last_heard_ms = 0;
  bool operator<(const Progress& o) const {
    return bytes != o.bytes ? bytes < o.bytes : last_heard_ms < o.last_heard_ms;
  }
};

}  // namespace

HeapResult<bool> EngineCore::yield_import_slot(Ctx& c, Addr span, std::uint64_t newcomer_bytes) {
  auto& txn = c.txn;
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  Addr victim = ipc::kNullAddr;
  Progress least;
  ipc::PHashMap::open(txn, record.import_sessions)
      .value()
      .for_each(txn, [&](std::uint64_t, std::uint64_t addr) {
        const db::ImportSession s = load<db::ImportSession>(txn, addr);
        if (s.state != db::ImportState::receiving) return;
        if (ipc::PHashMap::open(txn, s.reports).value().size(txn) != 0) return;
        Progress p{0, s.last_heard_ms};
        const auto received = db::IntervalSet::open(s.received);
        received.for_each_inside(txn, {0, received.max_end(txn)},
                                 [&](db::ByteRange r) { p.bytes += r.length(); });
        if (victim == ipc::kNullAddr || p < least) {
          victim = addr;
          least = p;
        }
      });
  if (victim == ipc::kNullAddr) return false;
  const bool idle = c.now - least.last_heard_ms >= response_interval(c, span, 0);
  if (least.bytes >= newcomer_bytes && !idle) return false;
  const std::uint64_t number = load<db::ImportSession>(txn, victim).number;
  BOOST_OUTCOME_TRY(free_import(c, span, victim));
  // Not remembered, so its cookie goes now (a real session's next segment
  // brings it again).
  BOOST_OUTCOME_TRY(forget_cookie(c, record.config.engine_id, number, false));
  if (vdb_ != nullptr) {
    if (auto* v = vdb_->span(record.config.engine_id)) ++v->imports_yielded;
  }
  return true;
}

}  // namespace ltp::engine
