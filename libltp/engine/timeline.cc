// Timeline: the node's deadlines, a POrderedMap keyed (deadline ms,
// sequence) -> TimerRecord, so the clock finds the next one in O(log n).
// Timers waiting for the remote engine (CP, RS, CS, CR) are also listed on
// their span so a contact's end can suspend them and its start resume
// them, shifted by the outage (RFC 5326 6.5, 6.6). Timers that free a
// closed session's block are listed on their span in close order, so the
// link's next dequeue can free them early (release_sent_blocks).
#include <algorithm>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

namespace {
bool suspendable(db::TimerKind kind) {
  return kind == db::TimerKind::checkpoint || kind == db::TimerKind::report ||
         kind == db::TimerKind::cancel_export || kind == db::TimerKind::cancel_import;
}

// The span's list a timer of `kind` is kept on, or null.
Addr span_list(const db::SpanRecord& record, db::TimerKind kind) {
  if (suspendable(kind)) return record.timers;
  if (kind == db::TimerKind::release_block) return record.releases;
  return ipc::kNullAddr;
}

}  // namespace

std::uint64_t times_resent(const ipc::Transaction& txn, const db::TimerRecord& timer) {
  switch (timer.kind) {
    case db::TimerKind::checkpoint: {
      const db::CheckpointRecord cp = load<db::CheckpointRecord>(txn, timer.owner);
      return cp.retransmissions + probes_fired(cp.probe);
    }
    case db::TimerKind::report:
      return load<db::ReportRecord>(txn, timer.owner).retransmissions;
    case db::TimerKind::cancel_export:
      return load<db::ExportSession>(txn, timer.owner).cancel_retransmissions;
    case db::TimerKind::cancel_import:
      return load<db::ImportSession>(txn, timer.owner).cancel_retransmissions;
    default:
      return 0;
  }
}

HeapResult<std::uint64_t> EngineCore::next_serial(Ctx&) {
  // First serial of a session: random below 2^14 like ION, never 0.
  return random_.between(1, 16383);
}

std::uint64_t EngineCore::response_interval(const Ctx& c, Addr span, std::uint64_t segment_bytes,
                                            std::uint64_t resent) const {
  const db::SpanRecord record = load<db::SpanRecord>(c.txn, span);
  std::uint64_t owlt = 0, rate = 0;
  if (vdb_ != nullptr) {
    if (const auto* v = vdb_->find_span(record.config.engine_id)) {
      owlt = v->owlt_ms;
      rate = v->transmit_rate;
    }
  }
  const std::uint64_t radiation = rate == 0 ? 0 : (segment_bytes * 1000 + rate - 1) / rate;
  std::uint64_t interval =
      2 * owlt + root(c).config.own_queuing_ms + record.config.queuing_latency_ms + radiation;
  // The path as measured is a floor: queuing the configuration did not
  // predict (a slower relay, a loaded peer) must not expire timers whose
  // answers are on their way.
  std::uint64_t measured = 0;  // from answers to single copies only (Karn)
  if (vdb_ != nullptr) {
    const auto* v = vdb_->find_span(record.config.engine_id);
    if (v != nullptr && v->path_round_trip_known != 0) {
      const std::uint64_t path = (v->path_round_trip_x8_ms + 7) / 8;
      interval = std::max(interval, path + path / 2 + kPathSlackMs);
    }
    if (v != nullptr && v->round_trip_known != 0) measured = (v->round_trip_x8_ms + 7) / 8;
  }
  // A timer well above an unambiguously measured round trip expired
  // because something was lost: resend at the same pace. Otherwise the
  // path may be slower than the timer (no such sample yet): each resend of
  // the same segment waits twice as long, as TCP backs off (RFC 6298).
  // (The path estimate, which counts ambiguous answers long, must not
  // decide this: on a lossy link it would feed its own growth.)
  if (measured != 0 && interval >= 2 * measured) return interval;
  return interval << std::min<std::uint64_t>(resent, kMaxBackoffShift);
}

HeapResult<Addr> EngineCore::start_timer(Ctx& c, db::TimerKind kind, Addr span,
                                         std::uint64_t number, Addr owner,
                                         std::uint64_t interval_ms) {
  auto& txn = c.txn;
  const db::DbRoot r = root(c);
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::TimerRecord)));
  db::TimerRecord timer{kind,
                        record.config.engine_id,
                        number,
                        owner,
                        c.now + interval_ms,
                        r.next_timer_sequence,
                        0,
                        interval_ms,
                        ipc::kNullAddr,
                        kind == db::TimerKind::release_block ? record.dequeues : 0};
  BOOST_OUTCOME_TRY(txn.put(db_.root_addr() + offsetof(db::DbRoot, next_timer_sequence),
                            r.next_timer_sequence + 1));
  if (const Addr header = span_list(record, kind); header != ipc::kNullAddr) {
    BOOST_OUTCOME_TRY(list, ipc::PList::open(txn, header));
    BOOST_OUTCOME_TRY(node, list.push_back(txn, addr));
    timer.span_list_node = node;
  }
  if (suspendable(kind)) timer.suspended = record.suspended;
  if (timer.suspended == 0) {
    BOOST_OUTCOME_TRY(timeline, ipc::POrderedMap::open(txn, r.timeline));
    BOOST_OUTCOME_TRY(timeline.insert(txn, {timer.deadline_ms, timer.sequence}, addr));
    const auto first = timeline.first(txn);
    if (first && first->value == addr) wakeups_.timeline = true;
  }
  BOOST_OUTCOME_TRY(txn.put(addr, timer));
  return addr;
}

HeapResult<void> EngineCore::stop_timer(Ctx& c, Addr addr) {
  if (addr == ipc::kNullAddr) return success();
  auto& txn = c.txn;
  const db::TimerRecord timer = load<db::TimerRecord>(txn, addr);
  if (timer.suspended == 0) {
    BOOST_OUTCOME_TRY(timeline, ipc::POrderedMap::open(txn, root(c).timeline));
    BOOST_OUTCOME_TRY(timeline.erase(txn, {timer.deadline_ms, timer.sequence}));
  }
  if (timer.span_list_node != ipc::kNullAddr) {
    const auto span = find_span(c, timer.span_engine);
    BOOST_OUTCOME_TRY(
        list, ipc::PList::open(txn, span_list(load<db::SpanRecord>(txn, *span), timer.kind)));
    BOOST_OUTCOME_TRY(list.erase(txn, timer.span_list_node));
  }
  return txn.free(addr);
}

// A link that dequeues a span into one batch only (OutboundBatch::
// set_exclusive) sends all of it before it dequeues into it again, so when
// such a dequeue starts with the batch empty, every segment of the span's
// earlier dequeues has left: a block whose session closed before this
// dequeue (its link_epoch below the new epoch) is no longer read by
// anyone and is freed now rather than at the end of the payload grace.
// Which batches a span has is a fact of the running node (the volatile
// segment's): at a restart no batch of the last run holds anything.
HeapResult<void> EngineCore::release_sent_blocks(Ctx& c, Addr span, bool batch_proves_sent) {
  auto& txn = c.txn;
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  const std::uint64_t epoch = record.dequeues + 1;
  BOOST_OUTCOME_TRY(txn.put(span + offsetof(db::SpanRecord, dequeues), epoch));
  db::VolatileSpan* v = vdb_ == nullptr ? nullptr : vdb_->span(record.config.engine_id);
  if (v == nullptr) return success();  // nowhere to track batches: keep the grace
  if (!batch_proves_sent) v->shared_dequeues = 1;
  if (v->shared_dequeues != 0) return success();
  BOOST_OUTCOME_TRY(list, ipc::PList::open(txn, record.releases));
  for (Addr node = list.first(txn); node != ipc::kNullAddr; node = list.first(txn)) {
    const Addr addr = list.value(txn, node);
    const db::TimerRecord timer = load<db::TimerRecord>(txn, addr);
    if (timer.link_epoch >= epoch) break;
    BOOST_OUTCOME_TRY(stop_timer(c, addr));   // takes it off the list
    BOOST_OUTCOME_TRY(fire_timer(c, timer));  // what its deadline would have done
  }
  return success();
}

HeapResult<void> EngineCore::suspend_timers(Ctx& c, Addr span) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(timeline, ipc::POrderedMap::open(txn, root(c).timeline));
  BOOST_OUTCOME_TRY(list, ipc::PList::open(txn, load<db::SpanRecord>(txn, span).timers));
  for (Addr node = list.first(txn); node != ipc::kNullAddr; node = list.next(txn, node)) {
    const Addr addr = list.value(txn, node);
    db::TimerRecord timer = load<db::TimerRecord>(txn, addr);
    if (timer.suspended != 0) continue;
    BOOST_OUTCOME_TRY(timeline.erase(txn, {timer.deadline_ms, timer.sequence}));
    timer.remaining_ms = timer.deadline_ms > c.now ? timer.deadline_ms - c.now : 0;
    timer.suspended = 1;
    BOOST_OUTCOME_TRY(txn.put(addr, timer));
  }
  return txn.put(span + offsetof(db::SpanRecord, suspended), std::uint64_t{1});
}

HeapResult<void> EngineCore::resume_timers(Ctx& c, Addr span) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(timeline, ipc::POrderedMap::open(txn, root(c).timeline));
  BOOST_OUTCOME_TRY(list, ipc::PList::open(txn, load<db::SpanRecord>(txn, span).timers));
  for (Addr node = list.first(txn); node != ipc::kNullAddr; node = list.next(txn, node)) {
    const Addr addr = list.value(txn, node);
    db::TimerRecord timer = load<db::TimerRecord>(txn, addr);
    if (timer.suspended == 0) continue;
    timer.deadline_ms = c.now + timer.remaining_ms;
    timer.suspended = 0;
    BOOST_OUTCOME_TRY(timeline.insert(txn, {timer.deadline_ms, timer.sequence}, addr));
    BOOST_OUTCOME_TRY(txn.put(addr, timer));
  }
  wakeups_.timeline = true;
  return txn.put(span + offsetof(db::SpanRecord, suspended), std::uint64_t{0});
}

// The timer record is already gone; its owner still names it, so clear
// that first, then act.
HeapResult<void> EngineCore::fire_timer(Ctx& c, const db::TimerRecord& timer) {
  auto& txn = c.txn;
  switch (timer.kind) {
    case db::TimerKind::checkpoint: {
      BOOST_OUTCOME_TRY(
          txn.put(timer.owner + offsetof(db::CheckpointRecord, timer), ipc::kNullAddr));
      const auto session =
          ipc::PHashMap::open(txn, root(c).export_sessions).value().find(txn, timer.session_number);
      return checkpoint_expired(c, *session, timer.owner);
    }
    case db::TimerKind::report: {
      BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::ReportRecord, timer), ipc::kNullAddr));
      const auto span = find_span(c, timer.span_engine);
      const auto session =
          ipc::PHashMap::open(txn, load<db::SpanRecord>(txn, *span).import_sessions)
              .value()
              .find(txn, timer.session_number);
      return report_expired(c, *session, timer.owner);
    }
    case db::TimerKind::aggregation: {
      BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::ExportSession, timer), ipc::kNullAddr));
      return close_block(c, timer.owner);
    }
    case db::TimerKind::stale_import: {
      BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::ImportSession, timer), ipc::kNullAddr));
      return stale_import_check(c, timer.owner);
    }
    case db::TimerKind::cancel_export: {
      BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::ExportSession, timer), ipc::kNullAddr));
      return cancel_expired(c, timer);
    }
    case db::TimerKind::cancel_import: {
      BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::ImportSession, timer), ipc::kNullAddr));
      return cancel_expired(c, timer);
    }
    case db::TimerKind::closed_export:
    case db::TimerKind::closed_import:
      return forget_closed(c, timer);
    case db::TimerKind::release_block:
      return db::ChunkedBuffer::open(timer.owner).destroy(txn);
    case db::TimerKind::held_retransmission: {
      BOOST_OUTCOME_TRY(txn.put(timer.owner + offsetof(db::ExportSession, timer), ipc::kNullAddr));
      return release_held_retransmission(c, timer.owner);
    }
  }
  return success();
}

// Answers come back in the order their segments went out: one link, and
// each side answers segments in the order they arrive, its control queue
// first in, first out. So when the answer to a checkpoint (or report)
// comes, the ones of the same span sent just before it and still
// unanswered were lost, or their answers were. Only an answer to a segment
// sent once is evidence (otherwise it may answer the earlier copy), and
// only segments sent once are resent early: a link that reorders costs at
// most one early resend per checkpoint or report. The walk goes back from
// the answered timer (the span's list is in start order) and stops at the
// first one of its kind already resent: earlier answers looked at those
// before it. So it costs about what it finds (plus the span's timers of
// other kinds in between), not the span's whole list.
std::vector<TimerCue> EngineCore::overtaken_by(Ctx& c, Addr answered) {
  std::vector<TimerCue> cues;
  if (answered == ipc::kNullAddr) return cues;
  auto& txn = c.txn;
  const db::TimerRecord timer = load<db::TimerRecord>(txn, answered);
  if (timer.suspended != 0 || times_resent(txn, timer) != 0) return cues;
  const auto span = find_span(c, timer.span_engine);
  const auto list = ipc::PList::open(txn, load<db::SpanRecord>(txn, *span).timers).value();
  for (Addr node = list.prev(txn, timer.span_list_node); node != ipc::kNullAddr;
       node = list.prev(txn, node)) {
    const db::TimerRecord older = load<db::TimerRecord>(txn, list.value(txn, node));
    if (older.kind != timer.kind) continue;
    if (older.suspended != 0 || times_resent(txn, older) != 0) break;
    const std::uint64_t serial = older.kind == db::TimerKind::checkpoint
                                     ? load<db::CheckpointRecord>(txn, older.owner).serial
                                     : load<db::ReportRecord>(txn, older.owner).serial;
    cues.push_back({true, older.kind, older.session_number, serial});
  }
  std::reverse(cues.begin(), cues.end());  // oldest first
  return cues;
}

HeapResult<void> EngineCore::expire_early(Ctx& c, Addr span, const std::vector<TimerCue>& cues) {
  auto& txn = c.txn;
  // Handling the answer may have closed sessions, and firing one timer
  // can cancel a session: each is looked up again through its owner.
  for (const TimerCue& cue : cues) {
    const auto field = cue_timer_field(c, span, cue);
    if (!field) continue;
    const Addr addr = load<Addr>(txn, *field);
    if (addr == ipc::kNullAddr) continue;
    const db::TimerRecord timer = load<db::TimerRecord>(txn, addr);
    BOOST_OUTCOME_TRY(stop_timer(c, addr));
    BOOST_OUTCOME_TRY(fire_timer(c, timer));
  }
  return success();
}

}  // namespace ltp::engine
