// Cancellation from either side (RFC 5326 6.15-6.20, 7.4-7.5): the cancel
// segment and its retransmission, the acks, notices with the reason, and
// the memory of closed sessions that answers late CS with CAS, CR with CAR
// (and, in export_session.cc, RS with RA) without reopening anything.
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"
#include "libltp/engine/retransmit_limits.h"

namespace ltp::engine {

namespace {
// Reserved codes are counted apart: a peer sending them is worth seeing,
// and must not pass for RXMTCYCEXC.
void count_received(db::SpanStats& stats, codec::CancelReason reason) {
  if (static_cast<std::size_t>(reason) < db::kCancelReasons) {
    ++stats.cancels_received[static_cast<std::size_t>(reason)];
  } else {
    ++stats.cancels_received_reserved;
  }
}
}  // namespace

HeapResult<void> EngineCore::cancel_export_session(Ctx& c, Addr session,
                                                   codec::CancelReason reason) {
  auto& txn = c.txn;
  db::ExportSession s = load<db::ExportSession>(txn, session);
  if (s.state == db::ExportState::cancelling) return success();
  const auto span = find_span(c, s.span_engine);
  BOOST_OUTCOME_TRY(notify_sdus(c, session, db::NoticeType::export_cancelled,
                                static_cast<std::uint64_t>(reason)));
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->export_sessions_cancelled;
  BOOST_OUTCOME_TRY(pending, ipc::PList::open(txn, s.pending));
  if (s.first_pass_cursor == 0 && pending.empty(txn)) {
    // Nothing went out: the peer knows nothing to cancel.
    return close_export(c, session);
  }
  BOOST_OUTCOME_TRY(stop_timer(c, s.timer));
  BOOST_OUTCOME_TRY(unqueue_data(c, *span, session));
  BOOST_OUTCOME_TRY(drop_retransmissions(c, s));
  if (load<db::SpanRecord>(txn, *span).open_block == session) {
    BOOST_OUTCOME_TRY(txn.put(*span + offsetof(db::SpanRecord, open_block), ipc::kNullAddr));
  }
  s = load<db::ExportSession>(txn, session);
  s.state = db::ExportState::cancelling;
  s.cancel_reason = static_cast<std::uint64_t>(reason);
  s.timer = ipc::kNullAddr;
  BOOST_OUTCOME_TRY(txn.put(session, s));
  return queue_control(c, *span,
                       {db::ControlKind::cancel_from_sender, own_engine_id_, s.number, 0});
}

HeapResult<void> EngineCore::cancel_import_session(Ctx& c, Addr session,
                                                   codec::CancelReason reason) {
  auto& txn = c.txn;
  db::ImportSession s = load<db::ImportSession>(txn, session);
  if (s.state == db::ImportState::cancelling) return success();
  const auto span = find_span(c, s.originator);
  if (s.red_delivered == 0) {
    // A client that has its red part already had its one outcome.
    BOOST_OUTCOME_TRY(post_notice(c, s.client_id,
                                  {db::NoticeType::import_cancelled, s.originator, s.number,
                                   static_cast<std::uint64_t>(reason), 0, 0, 0, ipc::kNullAddr}));
    BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
    ++stats->import_sessions_cancelled;
  }
  BOOST_OUTCOME_TRY(stop_timer(c, s.timer));
  BOOST_OUTCOME_TRY(drop_reports(c, s));
  if (s.buffer != ipc::kNullAddr) {
    BOOST_OUTCOME_TRY(db::ChunkedBuffer::open(s.buffer).destroy(txn));
  }
  s.buffer = ipc::kNullAddr;
  s.state = db::ImportState::cancelling;
  s.cancel_reason = static_cast<std::uint64_t>(reason);
  s.timer = ipc::kNullAddr;
  BOOST_OUTCOME_TRY(txn.put(session, s));
  return queue_control(c, *span,
                       {db::ControlKind::cancel_from_receiver, s.originator, s.number, 0});
}

HeapResult<void> EngineCore::handle_cancel(Ctx& c, const codec::Segment& segment) {
  auto& txn = c.txn;
  const auto reason = std::get<codec::Cancel>(segment.body).reason;
  const std::uint64_t number = segment.header.session.number;
  if (segment.header.type == codec::SegmentType::cancel_from_sender) {
    const auto span = find_span(c, segment.header.session.originator);
    BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
    count_received(*stats, reason);
    const auto session = ipc::PHashMap::open(txn, load<db::SpanRecord>(txn, *span).import_sessions)
                             .value()
                             .find(txn, number);
    if (session) {
      const db::ImportSession s = load<db::ImportSession>(txn, *session);
      if (s.state == db::ImportState::receiving && s.red_delivered == 0) {
        BOOST_OUTCOME_TRY(
            post_notice(c, s.client_id,
                        {db::NoticeType::import_cancelled, s.originator, s.number,
                         static_cast<std::uint64_t>(reason), 0, 0, 0, ipc::kNullAddr}));
        BOOST_OUTCOME_TRY(stats2, span_stats(c, *span));
        ++stats2->import_sessions_cancelled;
      }
      BOOST_OUTCOME_TRY(close_import(c, *session));
    }
    // Closed, unknown or just closed: the sender needs its CAS all the same.
    return queue_control(
        c, *span,
        {db::ControlKind::cancel_ack_to_sender, segment.header.session.originator, number, 0});
  }
  // CR: for one of our export sessions.
  const auto session = ipc::PHashMap::open(txn, root(c).export_sessions).value().find(txn, number);
  std::optional<Addr> span;
  if (session) {
    const db::ExportSession s = load<db::ExportSession>(txn, *session);
    span = find_span(c, s.span_engine);
    if (s.state != db::ExportState::cancelling) {
      BOOST_OUTCOME_TRY(notify_sdus(c, *session, db::NoticeType::export_cancelled,
                                    static_cast<std::uint64_t>(reason)));
      BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
      ++stats->export_sessions_cancelled;
    }
    BOOST_OUTCOME_TRY(close_export(c, *session));
  } else if (const auto closed =
                 ipc::PHashMap::open(txn, root(c).closed_exports).value().find(txn, number)) {
    span = find_span(c, *closed);
  }
  if (!span) {
    BOOST_OUTCOME_TRY(stats, node_stats(c));
    ++stats->unknown_span_dropped;
    return success();
  }
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->segments_received;
  count_received(*stats, reason);
  return queue_control(c, *span,
                       {db::ControlKind::cancel_ack_to_receiver, own_engine_id_, number, 0});
}

HeapResult<void> EngineCore::handle_cancel_ack(Ctx& c, const codec::Segment& segment) {
  auto& txn = c.txn;
  const std::uint64_t number = segment.header.session.number;
  if (segment.header.type == codec::SegmentType::cancel_ack_to_sender) {
    const auto session =
        ipc::PHashMap::open(txn, root(c).export_sessions).value().find(txn, number);
    if (session && load<db::ExportSession>(txn, *session).state == db::ExportState::cancelling) {
      return close_export(c, *session);
    }
    return success();
  }
  const auto span = find_span(c, segment.header.session.originator);
  const auto session = ipc::PHashMap::open(txn, load<db::SpanRecord>(txn, *span).import_sessions)
                           .value()
                           .find(txn, number);
  if (session && load<db::ImportSession>(txn, *session).state == db::ImportState::cancelling) {
    return close_import(c, *session);
  }
  return success();
}

HeapResult<void> EngineCore::cancel_expired(Ctx& c, const db::TimerRecord& timer) {
  auto& txn = c.txn;
  const auto span = find_span(c, timer.span_engine);
  const auto limits = retransmit_limits(root(c).config, load<db::SpanRecord>(txn, *span).config);
  const bool exporting = timer.kind == db::TimerKind::cancel_export;
  const Addr counter =
      timer.owner + (exporting ? offsetof(db::ExportSession, cancel_retransmissions)
                               : offsetof(db::ImportSession, cancel_retransmissions));
  const std::uint64_t tries = load<std::uint64_t>(txn, counter);
  if (tries >= limits.cancel) {
    return exporting ? close_export(c, timer.owner) : close_import(c, timer.owner);
  }
  BOOST_OUTCOME_TRY(txn.put(counter, tries + 1));
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->cancel_retransmissions;
  if (exporting) {
    return queue_control(
        c, *span, {db::ControlKind::cancel_from_sender, own_engine_id_, timer.session_number, 0});
  }
  return queue_control(
      c, *span,
      {db::ControlKind::cancel_from_receiver, timer.span_engine, timer.session_number, 0});
}

HeapResult<void> EngineCore::remember_closed_export(Ctx& c, Addr span, std::uint64_t number) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(closed, ipc::PHashMap::open(txn, root(c).closed_exports));
  BOOST_OUTCOME_TRY(closed.assign(txn, number, load<db::SpanRecord>(txn, span).config.engine_id));
  BOOST_OUTCOME_TRY(start_timer(c, db::TimerKind::closed_export, span, number, ipc::kNullAddr,
                                root(c).config.closed_memory_ms));
  return success();
}

HeapResult<void> EngineCore::remember_closed_import(Ctx& c, Addr span, std::uint64_t number) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(closed,
                    ipc::PHashMap::open(txn, load<db::SpanRecord>(txn, span).closed_imports));
  BOOST_OUTCOME_TRY(closed.assign(txn, number, 1));
  BOOST_OUTCOME_TRY(start_timer(c, db::TimerKind::closed_import, span, number, ipc::kNullAddr,
                                root(c).config.closed_memory_ms));
  return success();
}

HeapResult<void> EngineCore::forget_closed(Ctx& c, const db::TimerRecord& timer) {
  auto& txn = c.txn;
  Addr map = root(c).closed_exports;
  if (timer.kind == db::TimerKind::closed_import) {
    const auto span = find_span(c, timer.span_engine);
    if (!span) return success();
    map = load<db::SpanRecord>(txn, *span).closed_imports;
  }
  BOOST_OUTCOME_TRY(closed, ipc::PHashMap::open(txn, map));
  if (closed.find(txn, timer.session_number)) {
    BOOST_OUTCOME_TRY(closed.erase(txn, timer.session_number));
  }
  // The cookie answered late segments until now (a CAS, a CAR).
  return forget_cookie(c, timer.span_engine, timer.session_number,
                       timer.kind == db::TimerKind::closed_export);
}

}  // namespace ltp::engine
