// The receiving side (RFC 5326 6.7-6.11, 6.21, 7.2-7.3): red data into the
// session's buffer, reports on checkpoints (and asynchronously when the
// red part completes without one), report retransmission and acks, green
// segments delivered one by one, miscolored and unwanted segments, stale
// sessions.
#include <algorithm>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/engine/engine_core.h"
#include "libltp/engine/report_builder.h"
#include "libltp/engine/retransmit_limits.h"

namespace ltp::engine {

namespace {
constexpr std::uint64_t kDefaultStaleImportMs = 60000;
// Resends of a delivered block's report, with nothing heard from its
// sender meanwhile, after which the sender is taken to be done with it.
constexpr std::uint64_t kQuietSenderResends = 3;

std::uint64_t stale_interval(const db::SpanConfig& config) {
  return config.stale_import_ms != 0 ? config.stale_import_ms : kDefaultStaleImportMs;
}
}  // namespace

HeapResult<Addr> EngineCore::open_import(Ctx& c, Addr span, const codec::Segment& segment) {
  auto& txn = c.txn;
  const auto& data = std::get<codec::DataSegment>(segment.body);
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  const bool red = codec::is_red_data(segment.header.type);
  // Sized for the first segment's end, but never more than a chunk: the
  // offset is the peer's word, checked only later.
  const std::uint64_t hint =
      red ? std::min(data.offset + data.length(), db::ChunkedBuffer::kChunkBytes) : 0;
  BOOST_OUTCOME_TRY(buffer, db::ChunkedBuffer::create(txn, hint));
  BOOST_OUTCOME_TRY(received, db::IntervalSet::create(txn));
  BOOST_OUTCOME_TRY(reports, ipc::PHashMap::create(txn));
  BOOST_OUTCOME_TRY(by_checkpoint, ipc::PHashMap::create(txn));
  BOOST_OUTCOME_TRY(serial, next_serial(c));
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::ImportSession)));
  db::ImportSession s{};
  s.number = segment.header.session.number;
  s.originator = segment.header.session.originator;
  s.client_id = data.client_service_id;
  s.state = db::ImportState::receiving;
  s.green_start = UINT64_MAX;
  s.next_report_serial = serial;
  s.last_heard_ms = c.now;
  s.buffer = buffer.header();
  s.received = received.header();
  s.reports = reports.header();
  s.reports_by_checkpoint = by_checkpoint.header();
  BOOST_OUTCOME_TRY(timer, start_timer(c, db::TimerKind::stale_import, span, s.number, addr,
                                       stale_interval(record.config)));
  s.timer = timer;
  BOOST_OUTCOME_TRY(txn.put(addr, s));
  BOOST_OUTCOME_TRY(sessions, ipc::PHashMap::open(txn, record.import_sessions));
  BOOST_OUTCOME_TRY(sessions.insert(txn, s.number, addr));
  BOOST_OUTCOME_TRY(
      txn.put(span + offsetof(db::SpanRecord, import_count), record.import_count + 1));
  BOOST_OUTCOME_TRY(keep_arriving_cookie(c, s.number));
  return addr;
}

HeapResult<void> EngineCore::handle_data(Ctx& c, Addr span, const codec::Segment& segment) {
  auto& txn = c.txn;
  const auto& data = std::get<codec::DataSegment>(segment.body);
  const codec::SegmentType type = segment.header.type;
  const bool red = codec::is_red_data(type);
  const std::uint64_t number = segment.header.session.number;
  const db::SpanRecord record = load<db::SpanRecord>(txn, span);
  if (ipc::PHashMap::open(txn, record.closed_imports).value().find(txn, number)) {
    // Late segments of a closed session must not open a new one.
    BOOST_OUTCOME_TRY(stats, span_stats(c, span));
    ++stats->segments_dropped_closed;
    return success();
  }
  auto session = ipc::PHashMap::open(txn, record.import_sessions).value().find(txn, number);
  if (!session) {
    const bool client_open = db_.client_is_open(txn, data.client_service_id);
    bool slot_free = record.import_count < record.config.max_import_sessions;
    if (!slot_free && red) {
      BOOST_OUTCOME_TRY(yielded, yield_import_slot(c, span, data.length()));
      slot_free = yielded;
    }
    // Red data opens its session even when the heap has no room for it:
    // the session answers its checkpoints, so the sender waits and resends
    // instead of timing out (see "no room" below).
    if ((!red && !client_open) || !slot_free || (!red && over_heapmax(c, data.length()))) {
      BOOST_OUTCOME_TRY(stats, span_stats(c, span));
      ++(client_open || red ? stats->segments_dropped_limit : stats->segments_dropped_invalid);
      return success();
    }
    BOOST_OUTCOME_TRY(opened, open_import(c, span, segment));
    session = opened;
    if (!client_open) return cancel_import_session(c, *session, codec::CancelReason::unreachable);
  }
  db::ImportSession s = load<db::ImportSession>(txn, *session);
  if (s.state != db::ImportState::receiving || data.client_service_id != s.client_id) {
    BOOST_OUTCOME_TRY(stats, span_stats(c, span));
    ++(s.state != db::ImportState::receiving ? stats->segments_dropped_closed
                                             : stats->segments_dropped_invalid);
    return success();
  }
  s.last_heard_ms = c.now;
  const std::uint64_t end = data.offset + data.length();
  auto received = db::IntervalSet::open(s.received);

  if (!red) {
    // Green below red is miscolored.
    if ((s.red_length_known != 0 && data.offset < s.red_length) ||
        data.offset < received.max_end(txn)) {
      return cancel_import_session(c, *session, codec::CancelReason::miscolored);
    }
    s.green_start = std::min(s.green_start, data.offset);
    if (type == codec::SegmentType::green_data_eob) s.end_of_block = 1;
    BOOST_OUTCOME_TRY(txn.put(*session, s));
    BOOST_OUTCOME_TRY(copy, bytes_to_buffer(c, data.payload));
    BOOST_OUTCOME_TRY(post_notice(c, s.client_id,
                                  {db::NoticeType::green_segment, s.originator, s.number, 0,
                                   s.end_of_block, data.offset, data.length(), copy}));
    return maybe_close_import(c, *session);
  }

  // A red part the heap could not hold even alone (or an absurd offset,
  // before the chunk table grows to match it) is the one case a full heap
  // must cancel: waiting for room would wait forever.
  if (end > most_red_data(c)) {
    wakeups_.heap_short[s.originator] = true;
    return cancel_import_session(c, *session, codec::CancelReason::system_cancelled);
  }
  // Red above green, or past the end of the red part, is miscolored.
  if (end > s.green_start || (s.red_length_known != 0 && end > s.red_length)) {
    return cancel_import_session(c, *session, codec::CancelReason::miscolored);
  }
  if (codec::is_end_of_red_part(type)) {
    if (received.max_end(txn) > end) {
      return cancel_import_session(c, *session, codec::CancelReason::miscolored);
    }
    s.red_length_known = 1;
    s.red_length = end;
    if (type == codec::SegmentType::red_checkpoint_eorp_eob) s.end_of_block = 1;
  }
  if (s.red_delivered == 0) {
    s.red_seen = 1;
    BOOST_OUTCOME_TRY(txn.put(*session, s));
    // Only bytes not yet received are written: bytes the received set
    // vouches for are never touched by an unlogged write, so an aborted
    // transaction cannot damage them.
    std::vector<db::ByteRange> fresh;
    std::uint64_t fresh_bytes = 0;
    received.for_each_gap(txn, {data.offset, end}, [&](db::ByteRange gap) {
      fresh.push_back(gap);
      fresh_bytes += gap.length();
    });
    if (fresh_bytes != 0 && !room_to_receive(c, fresh_bytes)) {
      // No room: the bytes are not kept, so no report claims them, and the
      // sender resends them once room frees (the clients releasing
      // delivered blocks). The session stays open and its checkpoint is
      // still answered, which is what keeps the sender from cancelling.
      BOOST_OUTCOME_TRY(stats, span_stats(c, span));
      ++stats->segments_dropped_limit;
      wakeups_.heap_short.try_emplace(s.originator, false);
    } else {
      auto buffer = db::ChunkedBuffer::open(s.buffer);
      for (const auto gap : fresh) {
        BOOST_OUTCOME_TRY(buffer.write_at(
            txn, gap.start, data.payload.subspan(gap.start - data.offset, gap.length())));
      }
      BOOST_OUTCOME_TRY(received.insert(txn, {data.offset, end}));
    }
  } else {
    // A duplicate after delivery: the buffer is the client's now. Its
    // checkpoint, if any, still gets its report again.
    BOOST_OUTCOME_TRY(txn.put(*session, s));
  }
  std::optional<std::uint64_t> fresh_report_lower;
  if (data.checkpoint) {
    BOOST_OUTCOME_TRY(lower, handle_checkpoint(c, span, *session, *data.checkpoint, end));
    fresh_report_lower = lower;
  }

  s = load<db::ImportSession>(txn, *session);
  if (s.red_delivered == 0 && s.red_length_known != 0 && received.covers(txn, {0, s.red_length})) {
    BOOST_OUTCOME_TRY(post_notice(c, s.client_id,
                                  {db::NoticeType::red_part, s.originator, s.number, 0,
                                   s.end_of_block, 0, s.red_length, s.buffer}));
    s.buffer = ipc::kNullAddr;  // now the client's
    s.red_delivered = 1;
    BOOST_OUTCOME_TRY(txn.put(*session, s));
    BOOST_OUTCOME_TRY(stats, span_stats(c, span));
    ++stats->import_sessions_completed;
    // Unless this checkpoint's fresh report already says "all of it" (it
    // reaches the end of a whole red part from 0: see handle_checkpoint),
    // tell the sender now (asynchronous report): a retransmitted
    // checkpoint may arrive after we close and would go unanswered.
    if (fresh_report_lower != 0u) {
      BOOST_OUTCOME_TRY(issue_reports(c, span, *session, 0, 0, s.red_length));
    }
  }
  return maybe_close_import(c, *session);
}

HeapResult<std::optional<std::uint64_t>> EngineCore::handle_checkpoint(
    Ctx& c, Addr span, Addr session, const codec::CheckpointSerials& cp, std::uint64_t end) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(stats, span_stats(c, span));
  ++stats->checkpoints_received;
  const db::ImportSession s = load<db::ImportSession>(txn, session);
  BOOST_OUTCOME_TRY(reports, ipc::PHashMap::open(txn, s.reports));
  const auto by_checkpoint = ipc::PHashMap::open(txn, s.reports_by_checkpoint).value();
  if (const auto first = by_checkpoint.find(txn, cp.checkpoint_serial)) {
    // A checkpoint already reported: send the same report(s) again.
    const auto count = load<db::ReportRecord>(txn, *reports.find(txn, *first)).split_count;
    for (std::uint64_t serial = *first; serial < *first + count; ++serial) {
      BOOST_OUTCOME_TRY(
          queue_control(c, span, {db::ControlKind::report, s.originator, s.number, serial}));
    }
    return std::optional<std::uint64_t>{};
  }
  std::uint64_t lower = 0;
  if (const auto cited = reports.find(txn, cp.report_serial)) {
    lower = load<db::ReportRecord>(txn, *cited).lower_bound;
  } else if (cp.report_serial == 0) {
    // A primary checkpoint after others (discretionary ones) is reported
    // from where the reports so far end: one from 0 would list again the
    // gaps they asked for, whose resends are on their way, and the sender
    // would send them a second time. Their own retransmission cycles
    // recover those gaps.
    reports.for_each(txn, [&](std::uint64_t, std::uint64_t report) {
      lower = std::max(lower, load<db::ReportRecord>(txn, report).upper_bound);
    });
  }
  if (lower >= end) lower = 0;
  // A red part now whole is reported whole, so one report tells the
  // sender it is done.
  if (s.red_length_known != 0 && db::IntervalSet::open(s.received).covers(txn, {0, s.red_length})) {
    end = s.red_length;
    if (cp.report_serial == 0) lower = 0;
  }
  BOOST_OUTCOME_TRY(issue_reports(c, span, session, cp.checkpoint_serial, lower, end));
  return std::optional<std::uint64_t>{lower};
}

HeapResult<void> EngineCore::issue_reports(Ctx& c, Addr span, Addr session,
                                           std::uint64_t checkpoint_serial, std::uint64_t lower,
                                           std::uint64_t upper) {
  auto& txn = c.txn;
  db::ImportSession s = load<db::ImportSession>(txn, session);
  std::vector<db::ByteRange> received;
  db::IntervalSet::open(s.received).for_each_inside(txn, {lower, upper}, [&](db::ByteRange r) {
    received.push_back(r);
  });
  const auto config = load<db::SpanRecord>(txn, span).config;
  const auto planned =
      plan_reports(lower, upper, received, max_claims_per_report(segment_room(c, config), upper));
  BOOST_OUTCOME_TRY(reports, ipc::PHashMap::open(txn, s.reports));
  if (checkpoint_serial != 0) {
    BOOST_OUTCOME_TRY(by_checkpoint, ipc::PHashMap::open(txn, s.reports_by_checkpoint));
    BOOST_OUTCOME_TRY(by_checkpoint.insert(txn, checkpoint_serial, s.next_report_serial));
  }
  for (const auto& p : planned) {
    Addr claims = ipc::kNullAddr;
    if (!p.claims.empty()) {
      BOOST_OUTCOME_TRY(array, txn.alloc(p.claims.size() * sizeof(codec::Claim)));
      BOOST_OUTCOME_TRY(txn.write(array, p.claims.data(), p.claims.size() * sizeof(codec::Claim)));
      claims = array;
    }
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::ReportRecord)));
    const std::uint64_t serial = s.next_report_serial++;
    BOOST_OUTCOME_TRY(txn.put(
        addr, db::ReportRecord{serial, checkpoint_serial, planned.size(), p.lower_bound,
                               p.upper_bound, p.claims.size(), claims, 0, 0, ipc::kNullAddr}));
    BOOST_OUTCOME_TRY(reports.insert(txn, serial, addr));
    ++s.unacked_reports;
    BOOST_OUTCOME_TRY(
        queue_control(c, span, {db::ControlKind::report, s.originator, s.number, serial}));
  }
  return txn.put(session, s);
}

HeapResult<void> EngineCore::handle_report_ack(Ctx& c, const codec::Segment& segment) {
  auto& txn = c.txn;
  const auto span = find_span(c, segment.header.session.originator);
  const auto session = ipc::PHashMap::open(txn, load<db::SpanRecord>(txn, *span).import_sessions)
                           .value()
                           .find(txn, segment.header.session.number);
  if (!session) return success();
  const std::uint64_t serial = std::get<codec::ReportAck>(segment.body).report_serial;
  const db::ImportSession s = load<db::ImportSession>(txn, *session);
  const auto addr = ipc::PHashMap::open(txn, s.reports).value().find(txn, serial);
  if (!addr) return success();
  db::ReportRecord rs = load<db::ReportRecord>(txn, *addr);
  if (rs.acknowledged != 0) return success();
  const std::vector<TimerCue> overtaken = overtaken_by(c, rs.timer);  // reports shown lost
  // The receiving side learns the path from its reports' acknowledgements
  // (its timers would otherwise back off for want of a sample).
  sample_round_trip(c, rs.timer);
  BOOST_OUTCOME_TRY(stop_timer(c, rs.timer));
  rs.timer = ipc::kNullAddr;
  rs.acknowledged = 1;
  BOOST_OUTCOME_TRY(txn.put(*addr, rs));
  BOOST_OUTCOME_TRY(
      txn.put(*session + offsetof(db::ImportSession, unacked_reports), s.unacked_reports - 1));
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->report_acks_received;
  if (claims_whole_red_part(txn, s, rs)) {
    // The sender knows it has everything: the reports before this one
    // can tell it nothing more, and resending them would only keep the
    // session open to their limit.
    BOOST_OUTCOME_TRY(retire_reports(c, *session));
  }
  BOOST_OUTCOME_TRY(maybe_close_import(c, *session));
  return expire_early(c, *span, overtaken);
}

bool EngineCore::claims_whole_red_part(const ipc::Transaction& txn, const db::ImportSession& s,
                                       const db::ReportRecord& rs) const {
  if (s.red_length_known == 0 || rs.lower_bound != 0 || rs.upper_bound != s.red_length ||
      rs.claim_count != 1) {
    return false;
  }
  const codec::Claim claim = *txn.get<codec::Claim>(rs.claims);
  return claim.offset == 0 && claim.length == s.red_length;
}

HeapResult<void> EngineCore::retire_reports(Ctx& c, Addr session) {
  auto& txn = c.txn;
  const db::ImportSession s = load<db::ImportSession>(txn, session);
  std::vector<Addr> open;
  ipc::PHashMap::open(txn, s.reports).value().for_each(txn, [&](std::uint64_t, Addr report) {
    if (load<db::ReportRecord>(txn, report).acknowledged == 0) open.push_back(report);
  });
  for (const Addr report : open) {
    db::ReportRecord rs = load<db::ReportRecord>(txn, report);
    BOOST_OUTCOME_TRY(stop_timer(c, rs.timer));
    rs.timer = ipc::kNullAddr;
    rs.acknowledged = 1;
    BOOST_OUTCOME_TRY(txn.put(report, rs));
  }
  return txn.put(session + offsetof(db::ImportSession, unacked_reports), std::uint64_t{0});
}

HeapResult<void> EngineCore::report_expired(Ctx& c, Addr session, Addr report) {
  auto& txn = c.txn;
  const db::ImportSession s = load<db::ImportSession>(txn, session);
  const auto span = find_span(c, s.originator);
  db::ReportRecord rs = load<db::ReportRecord>(txn, report);
  // A delivered block whose sender has gone quiet through several of our
  // resends has its answer: a sender still waiting would have resent its
  // checkpoint by now. ION keeps no memory of the export sessions it
  // closed and never acknowledges a report for one again, so without this
  // the session would linger to the limit and then cancel a block its
  // client already has.
  if (s.red_delivered != 0 && rs.retransmissions >= kQuietSenderResends &&
      c.now >= s.last_heard_ms + kQuietSenderResends * response_interval(c, *span, 0, 0)) {
    return close_import(c, session);
  }
  const auto limits = retransmit_limits(root(c).config, load<db::SpanRecord>(txn, *span).config);
  if (rs.retransmissions >= limits.report) {
    return cancel_import_session(c, session, codec::CancelReason::retransmission_limit);
  }
  ++rs.retransmissions;
  BOOST_OUTCOME_TRY(txn.put(report, rs));
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->reports_retransmitted;
  return queue_control(c, *span, {db::ControlKind::report, s.originator, s.number, rs.serial});
}

HeapResult<void> EngineCore::stale_import_check(Ctx& c, Addr session) {
  auto& txn = c.txn;
  const db::ImportSession s = load<db::ImportSession>(txn, session);
  const auto span = find_span(c, s.originator);
  const std::uint64_t interval = stale_interval(load<db::SpanRecord>(txn, *span).config);
  const bool awaiting_ack = s.unacked_reports != 0;
  // Report timers govern a session with a report in flight.
  if (s.last_heard_ms + interval > c.now || awaiting_ack) {
    const std::uint64_t wait = std::max<std::uint64_t>(
        1, s.last_heard_ms + interval > c.now ? s.last_heard_ms + interval - c.now : interval);
    BOOST_OUTCOME_TRY(timer,
                      start_timer(c, db::TimerKind::stale_import, *span, s.number, session, wait));
    return txn.put(session + offsetof(db::ImportSession, timer), timer);
  }
  // Delivered, or green only up to its EOB: nothing more will come; close.
  if (s.red_delivered != 0 || (s.red_seen == 0 && s.end_of_block != 0))
    return close_import(c, session);
  return cancel_import_session(c, session, codec::CancelReason::system_cancelled);
}

HeapResult<void> EngineCore::maybe_close_import(Ctx& c, Addr session) {
  auto& txn = c.txn;
  const db::ImportSession s = load<db::ImportSession>(txn, session);
  if (s.state != db::ImportState::receiving) return success();
  if (s.red_seen != 0) {
    if (s.red_delivered == 0 || s.unacked_reports != 0) return success();
    // Green may still follow: the report's ack can overtake green segments
    // queued behind it at the sender. Without the end of block, the stale
    // timer closes the session once the link has been quiet.
    if (s.end_of_block == 0) return success();
    return close_import(c, session);
  }
  // All green: the block has no red part only if green starts at 0 (with
  // reordering, green can arrive before red). Lost green is just lost.
  if (s.end_of_block != 0 && s.green_start == 0) {
    BOOST_OUTCOME_TRY(stats, span_stats(c, *find_span(c, s.originator)));
    ++stats->import_sessions_completed;
    return close_import(c, session);
  }
  return success();
}

HeapResult<void> EngineCore::drop_reports(Ctx& c, db::ImportSession& s) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(reports, ipc::PHashMap::open(txn, s.reports));
  BOOST_OUTCOME_TRY(by_checkpoint, ipc::PHashMap::open(txn, s.reports_by_checkpoint));
  std::vector<std::pair<std::uint64_t, Addr>> all;
  reports.for_each(
      txn, [&](std::uint64_t serial, std::uint64_t addr) { all.emplace_back(serial, addr); });
  for (const auto& [serial, addr] : all) {
    const db::ReportRecord rs = load<db::ReportRecord>(txn, addr);
    BOOST_OUTCOME_TRY(stop_timer(c, rs.timer));
    if (rs.claims != ipc::kNullAddr) {
      BOOST_OUTCOME_TRY(txn.free(rs.claims));
    }
    BOOST_OUTCOME_TRY(txn.free(addr));
    BOOST_OUTCOME_TRY(reports.erase(txn, serial));
    if (by_checkpoint.find(txn, rs.checkpoint_serial)) {
      BOOST_OUTCOME_TRY(by_checkpoint.erase(txn, rs.checkpoint_serial));
    }
  }
  s.unacked_reports = 0;
  return success();
}

HeapResult<void> EngineCore::close_import(Ctx& c, Addr session) {
  const db::ImportSession s = load<db::ImportSession>(c.txn, session);
  const auto span = find_span(c, s.originator);
  BOOST_OUTCOME_TRY(free_import(c, *span, session));
  return remember_closed_import(c, *span, s.number);
}

HeapResult<void> EngineCore::free_import(Ctx& c, Addr span, Addr session) {
  auto& txn = c.txn;
  db::ImportSession s = load<db::ImportSession>(txn, session);
  BOOST_OUTCOME_TRY(stop_timer(c, s.timer));
  BOOST_OUTCOME_TRY(drop_reports(c, s));
  BOOST_OUTCOME_TRY(reports, ipc::PHashMap::open(txn, s.reports));
  BOOST_OUTCOME_TRY(reports.destroy(txn));
  BOOST_OUTCOME_TRY(by_checkpoint, ipc::PHashMap::open(txn, s.reports_by_checkpoint));
  BOOST_OUTCOME_TRY(by_checkpoint.destroy(txn));
  BOOST_OUTCOME_TRY(db::IntervalSet::open(s.received).destroy(txn));
  if (s.buffer != ipc::kNullAddr) {
    BOOST_OUTCOME_TRY(db::ChunkedBuffer::open(s.buffer).destroy(txn));
  }
  db::SpanRecord record = load<db::SpanRecord>(txn, span);
  BOOST_OUTCOME_TRY(sessions, ipc::PHashMap::open(txn, record.import_sessions));
  BOOST_OUTCOME_TRY(sessions.erase(txn, s.number));
  BOOST_OUTCOME_TRY(
      txn.put(span + offsetof(db::SpanRecord, import_count), record.import_count - 1));
  return txn.free(session);
}

}  // namespace ltp::engine
