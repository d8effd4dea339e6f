// The span's outbound queues: control segments (RS, RA, CS, CR, CAS, CAR)
// are served before data; data is a queue of export sessions with bytes to
// (re)send, those with bytes to resend ahead of those on their first pass,
// each cut into segments only when dequeued, so no heap object exists per
// data segment.
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

HeapResult<void> EngineCore::queue_control(Ctx& c, Addr span, const db::ControlRecord& control) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::ControlRecord)));
  BOOST_OUTCOME_TRY(txn.put(addr, control));
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  BOOST_OUTCOME_TRY(queue, ipc::PList::open(txn, record.control_queue));
  BOOST_OUTCOME_TRY(queue.push_back(txn, addr));
  wakeups_.segments.insert(record.config.engine_id);
  return success();
}

namespace {
bool recovering(const ipc::Transaction& txn, const db::ExportSession& s) {
  return !ipc::PList::open(txn, s.pending).value().empty(txn);
}
}  // namespace

// A session with ranges to resend goes after the recoveries already queued
// but ahead of every first pass, so a block's recovery does not wait out
// the backlog of later blocks (a round trip or more on a long link).
HeapResult<void> EngineCore::queue_data(Ctx& c, Addr span, Addr session) {
  auto& txn = c.txn;
  const db::ExportSession s = load<db::ExportSession>(txn, session);
  if (s.queue_node != ipc::kNullAddr) return success();
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  BOOST_OUTCOME_TRY(queue, ipc::PList::open(txn, record.data_queue));
  Addr before = ipc::kNullAddr;
  if (recovering(txn, s)) {
    before = queue.first(txn);
    while (before != ipc::kNullAddr &&
           recovering(txn, load<db::ExportSession>(txn, queue.value(txn, before)))) {
      before = queue.next(txn, before);
    }
  }
  BOOST_OUTCOME_TRY(node, queue.insert_before(txn, before, session));
  BOOST_OUTCOME_TRY(txn.put(session + offsetof(db::ExportSession, queue_node), node));
  wakeups_.segments.insert(record.config.engine_id);
  return success();
}

HeapResult<void> EngineCore::unqueue_data(Ctx& c, Addr span, Addr session) {
  auto& txn = c.txn;
  const Addr node = load<db::ExportSession>(txn, session).queue_node;
  if (node == ipc::kNullAddr) return success();
  BOOST_OUTCOME_TRY(queue, ipc::PList::open(txn, load<db::SpanRecord>(txn, span).data_queue));
  BOOST_OUTCOME_TRY(queue.erase(txn, node));
  return txn.put(session + offsetof(db::ExportSession, queue_node), ipc::kNullAddr);
}

HeapResult<void> EngineCore::emit(Ctx& c, Addr span, const codec::Segment& segment,
                                  OutboundBatch& out, const TimerCue& cue) {
  // Most nodes have no security database: nothing to add, nothing to ask.
  if (!security(c)) return emit_plain(c, span, segment, out, cue);
  const std::uint64_t peer = load<db::SpanRecord>(c.txn, span).config.engine_id;
  BOOST_OUTCOME_TRY(cookie, outbound_cookie(c, peer, segment.header.session));
  std::array<std::uint8_t, kCookieBytes> cookie_octets{};
  codec::Extension cookie_ext[1];
  codec::Segment with_cookie = segment;
  if (cookie) {
    for (std::size_t i = 0; i < kCookieBytes; ++i) {
      cookie_octets[i] = static_cast<std::uint8_t>(*cookie >> (8 * (kCookieBytes - 1 - i)));
    }
    cookie_ext[0] = {static_cast<std::uint8_t>(codec::ExtensionTag::cookie), cookie_octets};
    with_cookie.header.header_extensions = codec::ExtensionsView(cookie_ext);
  }
  if (const auto sign = signer(c, peer)) return emit_signed(c, span, with_cookie, *sign, out, cue);
  return emit_plain(c, span, with_cookie, out, cue);
}

HeapResult<void> EngineCore::emit_plain(Ctx& c, Addr span, const codec::Segment& segment,
                                        OutboundBatch& out, const TimerCue& cue) {
  auto gathered = codec::encode_gather(segment, out.free_scratch());
  // We built the segment; the codec refusing it is a bug, the scratch
  // running out is the caller's batch being too small for max_segments.
  if (!gathered) return failure(HeapError::bad_address);
  std::size_t header_bytes = 0;
  for (std::size_t i = 0; i < gathered.value().count; ++i) {
    const auto* base = static_cast<const std::uint8_t*>(gathered.value().iov[i].iov_base);
    if (base >= out.scratch_.data() && base < out.scratch_.data() + out.scratch_.size()) {
      header_bytes += gathered.value().iov[i].iov_len;
    }
  }
  out.used_ += header_bytes;
  const db::SpanRecord record = load<db::SpanRecord>(c.txn, span);
  out.segments_.push_back({record.config.engine_id, gathered.value(), cue});
  BOOST_OUTCOME_TRY(stats, span_stats(c, span));
  ++stats->segments_sent;
  stats->bytes_sent += gathered.value().total_size;
  return success();
}

// A report still wanted: the session's record supplies serial, bounds and
// claims; its timer (re)starts as it goes out.
HeapResult<bool> EngineCore::prepare_report(Ctx& c, Addr span, const db::ControlRecord& control,
                                            codec::Segment& segment,
                                            std::vector<codec::Claim>& claims, TimerCue& cue) {
  auto& txn = c.txn;
  const auto session = ipc::PHashMap::open(txn, load<db::SpanRecord>(txn, span).import_sessions)
                           .value()
                           .find(txn, control.session_number);
  if (!session) return false;
  const db::ImportSession s = load<db::ImportSession>(txn, *session);
  if (s.state != db::ImportState::receiving) return false;
  BOOST_OUTCOME_TRY(reports, ipc::PHashMap::open(txn, s.reports));
  const auto found = reports.find(txn, control.serial);
  if (!found) return false;
  const Addr report = *found;
  const db::ReportRecord rs = load<db::ReportRecord>(txn, report);
  if (rs.acknowledged != 0) return false;
  const auto* raw = txn.get<codec::Claim>(rs.claims);
  claims.assign(raw, raw + rs.claim_count);
  segment.header.type = codec::SegmentType::report;
  segment.body = codec::ReportSegment{rs.serial, rs.checkpoint_serial, rs.upper_bound,
                                      rs.lower_bound, codec::ClaimsView(claims)};
  BOOST_OUTCOME_TRY(stop_timer(c, rs.timer));
  BOOST_OUTCOME_TRY(timer, start_timer(c, db::TimerKind::report, span, s.number, report,
                                       response_interval(c, span, codec::encoded_size(segment),
                                                         rs.retransmissions)));
  BOOST_OUTCOME_TRY(txn.put(report + offsetof(db::ReportRecord, timer), timer));
  cue = {true, db::TimerKind::report, s.number, rs.serial};
  BOOST_OUTCOME_TRY(stats, span_stats(c, span));
  ++stats->reports_sent;
  return true;
}

// A CS or CR of a session still cancelling; its timer (re)starts.
HeapResult<bool> EngineCore::prepare_cancel(Ctx& c, Addr span, const db::ControlRecord& control,
                                            codec::Segment& segment, TimerCue& cue) {
  auto& txn = c.txn;
  const bool from_sender = control.kind == db::ControlKind::cancel_from_sender;
  const Addr sessions =
      from_sender ? root(c).export_sessions : load<db::SpanRecord>(txn, span).import_sessions;
  const auto session = ipc::PHashMap::open(txn, sessions).value().find(txn, control.session_number);
  if (!session) return false;
  std::uint64_t reason = 0;
  std::uint64_t resent = 0;
  Addr timer_field = 0;
  if (from_sender) {
    const db::ExportSession s = load<db::ExportSession>(txn, *session);
    if (s.state != db::ExportState::cancelling) return false;
    reason = s.cancel_reason;
    resent = s.cancel_retransmissions;
    timer_field = *session + offsetof(db::ExportSession, timer);
  } else {
    const db::ImportSession s = load<db::ImportSession>(txn, *session);
    if (s.state != db::ImportState::cancelling) return false;
    reason = s.cancel_reason;
    resent = s.cancel_retransmissions;
    timer_field = *session + offsetof(db::ImportSession, timer);
  }
  segment.header.type = from_sender ? codec::SegmentType::cancel_from_sender
                                    : codec::SegmentType::cancel_from_receiver;
  segment.body = codec::Cancel{static_cast<codec::CancelReason>(reason)};
  BOOST_OUTCOME_TRY(stop_timer(c, load<Addr>(txn, timer_field)));
  const auto kind = from_sender ? db::TimerKind::cancel_export : db::TimerKind::cancel_import;
  BOOST_OUTCOME_TRY(timer,
                    start_timer(c, kind, span, control.session_number, *session,
                                response_interval(c, span, codec::encoded_size(segment), resent)));
  BOOST_OUTCOME_TRY(txn.put(timer_field, timer));
  cue = {true, kind, control.session_number, 0};
  BOOST_OUTCOME_TRY(stats, span_stats(c, span));
  ++stats->cancels_sent[std::min<std::uint64_t>(reason, db::kCancelReasons - 1)];
  return true;
}

HeapResult<bool> EngineCore::dequeue_control(Ctx& c, Addr span, OutboundBatch& out) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(queue, ipc::PList::open(txn, load<db::SpanRecord>(txn, span).control_queue));
  while (!queue.empty(txn)) {
    BOOST_OUTCOME_TRY(addr, queue.pop_front(txn));
    const db::ControlRecord control = load<db::ControlRecord>(txn, addr);
    BOOST_OUTCOME_TRY(txn.free(addr));
    codec::Segment segment;
    segment.header.session = {control.originator, control.session_number};
    std::vector<codec::Claim> claims;
    TimerCue cue;
    bool wanted = true;
    switch (control.kind) {
      case db::ControlKind::report: {
        BOOST_OUTCOME_TRY(ok, prepare_report(c, span, control, segment, claims, cue));
        wanted = ok;
        break;
      }
      case db::ControlKind::cancel_from_sender:
      case db::ControlKind::cancel_from_receiver: {
        BOOST_OUTCOME_TRY(ok, prepare_cancel(c, span, control, segment, cue));
        wanted = ok;
        break;
      }
      case db::ControlKind::report_ack: {
        segment.header.type = codec::SegmentType::report_ack;
        segment.body = codec::ReportAck{control.serial};
        BOOST_OUTCOME_TRY(stats, span_stats(c, span));
        ++stats->report_acks_sent;
        break;
      }
      case db::ControlKind::cancel_ack_to_sender:
        segment.header.type = codec::SegmentType::cancel_ack_to_sender;
        segment.body = codec::CancelAck{};
        break;
      case db::ControlKind::cancel_ack_to_receiver:
        segment.header.type = codec::SegmentType::cancel_ack_to_receiver;
        segment.body = codec::CancelAck{};
        break;
    }
    if (!wanted) continue;  // its session closed meanwhile
    BOOST_OUTCOME_TRY(emit(c, span, segment, out, cue));
    return true;
  }
  return false;
}

std::optional<Addr> EngineCore::cue_timer_field(Ctx& c, Addr span, const TimerCue& cue) {
  auto& txn = c.txn;
  const bool exporting =
      cue.kind == db::TimerKind::checkpoint || cue.kind == db::TimerKind::cancel_export;
  const Addr sessions =
      exporting ? root(c).export_sessions : load<db::SpanRecord>(txn, span).import_sessions;
  const auto session = ipc::PHashMap::open(txn, sessions).value().find(txn, cue.session_number);
  if (!session) return std::nullopt;
  switch (cue.kind) {
    case db::TimerKind::checkpoint: {
      const auto cp = ipc::PHashMap::open(txn, load<db::ExportSession>(txn, *session).checkpoints)
                          .value()
                          .find(txn, cue.serial);
      if (!cp) return std::nullopt;
      return *cp + offsetof(db::CheckpointRecord, timer);
    }
    case db::TimerKind::report: {
      const auto rs = ipc::PHashMap::open(txn, load<db::ImportSession>(txn, *session).reports)
                          .value()
                          .find(txn, cue.serial);
      if (!rs) return std::nullopt;
      return *rs + offsetof(db::ReportRecord, timer);
    }
    case db::TimerKind::cancel_export:
      if (load<db::ExportSession>(txn, *session).state != db::ExportState::cancelling)
        return std::nullopt;
      return *session + offsetof(db::ExportSession, timer);
    case db::TimerKind::cancel_import:
      if (load<db::ImportSession>(txn, *session).state != db::ImportState::cancelling)
        return std::nullopt;
      return *session + offsetof(db::ImportSession, timer);
    default:
      return std::nullopt;
  }
}

HeapResult<bool> EngineCore::dequeue_data(Ctx& c, Addr span, OutboundBatch& out,
                                          db::VolatileSpan* startup) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(queue, ipc::PList::open(txn, load<db::SpanRecord>(txn, span).data_queue));
  while (!queue.empty(txn)) {
    const Addr session = queue.value(txn, queue.first(txn));
    if (startup != nullptr && !may_start_block(c, *startup, session)) return false;
    BOOST_OUTCOME_TRY(cut, cut_segment(c, span, session, out));
    if (cut) return true;
    BOOST_OUTCOME_TRY(unqueue_data(c, span, session));
  }
  return false;
}

}  // namespace ltp::engine
