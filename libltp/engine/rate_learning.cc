// The engine's side of the learned sending rate (rate_model.h): each
// report a span's export sessions act on is evidence of what the peer
// received; the span's dequeues start flights and run dry; and until the
// first estimate a span sends a megabyte of blocks at a time, since a
// sender with many blocks queued (unpaced, or at a contact plan's rate,
// which is the link's, not the receiver's) would overrun a slow receiver
// by all of them before the first report could say so.
#include <algorithm>

#include "ipc/phash_map.h"
#include "libltp/engine/engine_core.h"
#include "libltp/engine/retransmit_limits.h"

namespace ltp::engine {

void EngineCore::learn_rate(Ctx& c, Addr span, rate_model::ReportEvidence evidence) {
  if (vdb_ == nullptr) return;
  const db::SpanConfig config = load<db::SpanRecord>(c.txn, span).config;
  db::VolatileSpan* v = vdb_->span(config.engine_id);
  if (v == nullptr) return;
  evidence.now_ms = c.now;
  evidence.round_trip_ms = v->round_trip_known != 0 ? (v->round_trip_x8_ms + 7) / 8 : 0;
  evidence.explained_loss = segment_loss(root(c).config.maxber, config.max_segment_size);
  rate_model::on_report(v->learned, evidence);
}

db::VolatileSpan* EngineCore::holding_for_first_estimate(std::uint64_t span_engine) {
  db::VolatileSpan* v = vdb_ != nullptr ? vdb_->span(span_engine) : nullptr;
  if (v == nullptr || v->learned.lso_learns == 0) return nullptr;
  return v->learned.bottleneck == 0 ? v : nullptr;
}

bool EngineCore::may_start_block(Ctx& c, db::VolatileSpan& v, Addr session) {
  const db::ExportSession s = load<db::ExportSession>(c.txn, session);
  if (s.first_pass_cursor != 0) return true;
  const auto last = rate_model::first_block(v.learned);
  const bool last_open =
      last && *last != s.number &&
      ipc::PHashMap::open(c.txn, root(c).export_sessions).value().find(c.txn, *last).has_value();
  return rate_model::may_start_block(v.learned, s.number, s.block_length, last_open);
}

}  // namespace ltp::engine
