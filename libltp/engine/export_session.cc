// The sending side (RFC 5326 6.1-6.6, 6.12-6.15 for the export session):
// aggregation of SDUs into blocks, segmentation at dequeue time, the
// checkpoints, the reaction to reports (retransmit exactly the gaps, the
// last retransmitted segment a checkpoint citing the report), completion.
#include <algorithm>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "libltp/codec/sdnv.h"
#include "libltp/engine/engine_core.h"
#include "libltp/engine/retransmit_limits.h"

namespace ltp::engine {

namespace {

// Payload octets that fit in one segment of the span, the header being as
// large as this session can make it.
std::uint64_t max_payload(std::uint64_t max_segment_size, std::uint64_t own,
                          const db::ExportSession& s) {
  const std::uint64_t header = 1 + codec::sdnv_size(own) + codec::sdnv_size(s.number) + 1 +
                               codec::sdnv_size(s.client_id) + codec::sdnv_size(s.block_length) +
                               codec::sdnv_size(max_segment_size) +
                               2 * codec::sdnv_size(UINT32_MAX);
  return max_segment_size > header ? max_segment_size - header : 1;
}

codec::SegmentType red_type(bool checkpoint, std::uint64_t end, const db::ExportSession& s) {
  if (end == s.red_length) {
    return s.red_length == s.block_length ? codec::SegmentType::red_checkpoint_eorp_eob
                                          : codec::SegmentType::red_checkpoint_eorp;
  }
  return checkpoint ? codec::SegmentType::red_checkpoint : codec::SegmentType::red_data;
}

}  // namespace

HeapResult<Addr> EngineCore::open_export(Ctx& c, Addr span, std::uint64_t client) {
  auto& txn = c.txn;
  const db::DbRoot r = root(c);
  BOOST_OUTCOME_TRY(block, db::ChunkedBuffer::create(txn, 0));
  BOOST_OUTCOME_TRY(lengths, ipc::PList::create(txn));
  BOOST_OUTCOME_TRY(pending, ipc::PList::create(txn));
  BOOST_OUTCOME_TRY(checkpoints, ipc::PHashMap::create(txn));
  BOOST_OUTCOME_TRY(handled, ipc::PHashMap::create(txn));
  BOOST_OUTCOME_TRY(acknowledged, db::IntervalSet::create(txn));
  BOOST_OUTCOME_TRY(serial, next_serial(c));
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::ExportSession)));
  db::SpanRecord record = load<db::SpanRecord>(txn, span);
  db::ExportSession s{};
  s.number = new_session_number(c);
  s.span_engine = record.config.engine_id;
  s.client_id = client;
  s.state = db::ExportState::aggregating;
  s.next_checkpoint_serial = serial;
  s.block = block.header();
  s.sdu_lengths = lengths.header();
  s.pending = pending.header();
  s.checkpoints = checkpoints.header();
  s.handled_reports = handled.header();
  s.acknowledged = acknowledged.header();
  BOOST_OUTCOME_TRY(timer, start_timer(c, db::TimerKind::aggregation, span, s.number, addr,
                                       record.config.aggregation_time_limit_ms));
  s.timer = timer;
  BOOST_OUTCOME_TRY(txn.put(addr, s));
  BOOST_OUTCOME_TRY(sessions, ipc::PHashMap::open(txn, r.export_sessions));
  BOOST_OUTCOME_TRY(sessions.insert(txn, s.number, addr));
  record = load<db::SpanRecord>(txn, span);
  record.open_block = addr;
  ++record.export_count;
  wakeups_.opened.insert(record.config.engine_id);
  BOOST_OUTCOME_TRY(txn.put(span, record));
  BOOST_OUTCOME_TRY(post_notice(
      c, client,
      {db::NoticeType::export_start, own_engine_id_, s.number, 0, 0, 0, 0, ipc::kNullAddr}));
  return addr;
}

std::uint64_t EngineCore::new_session_number(Ctx& c) {
  const db::DbRoot r = root(c);
  const auto open = ipc::PHashMap::open(c.txn, r.export_sessions).value();
  const auto closed = ipc::PHashMap::open(c.txn, r.closed_exports).value();
  for (;;) {
    const std::uint64_t number = random_.between(1, UINT32_MAX);
    if (!open.find(c.txn, number) && !closed.find(c.txn, number)) return number;
  }
}

HeapResult<void> EngineCore::close_block(Ctx& c, Addr session) {
  auto& txn = c.txn;
  db::ExportSession s = load<db::ExportSession>(txn, session);
  if (s.state != db::ExportState::aggregating) return success();
  const auto span = find_span(c, s.span_engine);
  BOOST_OUTCOME_TRY(stop_timer(c, s.timer));
  s.timer = ipc::kNullAddr;
  s.state = db::ExportState::transmitting;
  BOOST_OUTCOME_TRY(txn.put(session, s));
  if (load<db::SpanRecord>(txn, *span).open_block == session) {
    BOOST_OUTCOME_TRY(txn.put(*span + offsetof(db::SpanRecord, open_block), ipc::kNullAddr));
  }
  return queue_data(c, *span, session);
}

// One data segment about to be encoded.
struct EngineCore::Cut {
  codec::DataSegment data;
  codec::SegmentType type = codec::SegmentType::red_data;
  Addr checkpoint = ipc::kNullAddr;  // record whose timer starts as it goes out
  bool resent_checkpoint = false;
  bool copy = false;  // the second sending of a checkpoint (idle_redundancy.cc)
  bool first_pass_finished = false;
};

HeapResult<Addr> EngineCore::new_checkpoint(Ctx& c, db::ExportSession& s, std::uint64_t offset,
                                            std::uint64_t length, std::uint64_t report_serial) {
  BOOST_OUTCOME_TRY(checkpoints, ipc::PHashMap::open(c.txn, s.checkpoints));
  BOOST_OUTCOME_TRY(addr, c.txn.alloc(sizeof(db::CheckpointRecord)));
  const std::uint64_t serial = s.next_checkpoint_serial++;
  BOOST_OUTCOME_TRY(checkpoints.insert(c.txn, serial, addr));
  BOOST_OUTCOME_TRY(c.txn.put(addr, db::CheckpointRecord{serial, report_serial, offset, length, 0,
                                                         ipc::kNullAddr, db::ProbeState::none}));
  return addr;
}

// From the first range still to resend. False if that range was only the
// resend of a checkpoint a report has answered meanwhile (range dropped).
HeapResult<bool> EngineCore::cut_retransmission(Ctx& c, db::ExportSession& s, std::uint64_t limit,
                                                Cut& cut) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(pending, ipc::PList::open(txn, s.pending));
  const Addr node = pending.first(txn);
  const Addr range_addr = pending.value(txn, node);
  db::RangeRecord range = load<db::RangeRecord>(txn, range_addr);
  cut.data.offset = range.start;
  cut.data.payload = db::ChunkedBuffer::open(s.block).contiguous(
      txn, range.start, std::min(limit, range.end - range.start));
  const std::uint64_t end = range.start + cut.data.payload.size();
  const bool last = end == range.end;
  if (last) {
    BOOST_OUTCOME_TRY(pending.erase(txn, node));
    BOOST_OUTCOME_TRY(txn.free(range_addr));
  } else {
    range.start = end;
    BOOST_OUTCOME_TRY(txn.put(range_addr, range));
  }
  if (last && (range.checkpoint == db::RangeCheckpoint::same_serial ||
               range.checkpoint == db::RangeCheckpoint::copy)) {
    BOOST_OUTCOME_TRY(checkpoints, ipc::PHashMap::open(txn, s.checkpoints));
    const auto cp = checkpoints.find(txn, range.checkpoint_serial);
    if (!cp) return false;
    cut.checkpoint = *cp;
    cut.resent_checkpoint = true;
    cut.copy = range.checkpoint == db::RangeCheckpoint::copy;
  } else if (last && range.checkpoint == db::RangeCheckpoint::new_serial) {
    BOOST_OUTCOME_TRY(
        cp, new_checkpoint(c, s, range.start, cut.data.payload.size(), range.report_serial));
    cut.checkpoint = cp;
  }
  cut.type = red_type(cut.checkpoint != ipc::kNullAddr, end, s);
  return true;
}

HeapResult<void> EngineCore::cut_first_pass(Ctx& c, db::ExportSession& s,
                                            const db::SpanConfig& config, std::uint64_t limit,
                                            Cut& cut) {
  const std::uint64_t at = s.first_pass_cursor;
  const auto block = db::ChunkedBuffer::open(s.block);
  cut.data.offset = at;
  if (at < s.red_length) {
    cut.data.payload = block.contiguous(c.txn, at, std::min(limit, s.red_length - at));
    const std::uint64_t end = at + cut.data.payload.size();
    ++s.segments_cut;
    const bool discretionary = config.checkpoint_every_segments != 0 &&
                               s.segments_cut % config.checkpoint_every_segments == 0;
    if (end == s.red_length || discretionary) {
      BOOST_OUTCOME_TRY(cp, new_checkpoint(c, s, at, cut.data.payload.size(), 0));
      cut.checkpoint = cp;
    }
    cut.type = red_type(cut.checkpoint != ipc::kNullAddr, end, s);
  } else {
    cut.data.payload = block.contiguous(c.txn, at, std::min(limit, s.block_length - at));
    cut.type = at + cut.data.payload.size() == s.block_length ? codec::SegmentType::green_data_eob
                                                              : codec::SegmentType::green_data;
  }
  s.first_pass_cursor = at + cut.data.payload.size();
  if (s.first_pass_cursor == s.block_length) {
    s.first_pass_done = 1;
    cut.first_pass_finished = true;
  }
  return success();
}

HeapResult<bool> EngineCore::cut_segment(Ctx& c, Addr span, Addr session, OutboundBatch& out) {
  auto& txn = c.txn;
  db::ExportSession s = load<db::ExportSession>(txn, session);
  if (s.state != db::ExportState::transmitting) return false;
  const db::SpanConfig config = load<db::SpanRecord>(txn, span).config;
  const std::uint64_t limit = max_payload(segment_room(c, config), own_engine_id_, s);
  Cut cut;
  cut.data.client_service_id = s.client_id;
  if (!ipc::PList::open(txn, s.pending).value().empty(txn)) {
    BOOST_OUTCOME_TRY(wanted, cut_retransmission(c, s, limit, cut));
    if (!wanted) {
      BOOST_OUTCOME_TRY(txn.put(session, s));
      return cut_segment(c, span, session, out);
    }
    // A checkpoint's copy is redundancy, not a retransmission: counted
    // only among the segments sent.
    if (!cut.copy) {
      BOOST_OUTCOME_TRY(stats, span_stats(c, span));
      ++stats->data_segments_retransmitted;
    }
  } else if (s.first_pass_cursor < s.block_length) {
    BOOST_OUTCOME_TRY(cut_first_pass(c, s, config, limit, cut));
  } else {
    return false;
  }
  const Addr checkpoint = cut.checkpoint;
  if (checkpoint != ipc::kNullAddr) {
    const db::CheckpointRecord cp = load<db::CheckpointRecord>(txn, checkpoint);
    cut.data.checkpoint = codec::CheckpointSerials{cp.serial, cp.report_serial};
  }
  BOOST_OUTCOME_TRY(txn.put(session, s));
  codec::Segment segment;
  segment.header.type = cut.type;
  segment.header.session = {own_engine_id_, s.number};
  segment.body = cut.data;
  TimerCue cue;
  if (checkpoint != ipc::kNullAddr) {
    cue = {true, db::TimerKind::checkpoint, s.number, cut.data.checkpoint->checkpoint_serial};
  }
  BOOST_OUTCOME_TRY(emit(c, span, segment, out, cue));

  if (checkpoint != ipc::kNullAddr) {
    // The checkpoint timer starts now, as the segment goes to the link.
    const db::CheckpointRecord cp = load<db::CheckpointRecord>(txn, checkpoint);
    BOOST_OUTCOME_TRY(stop_timer(c, cp.timer));
    BOOST_OUTCOME_TRY(timer, start_timer(c, db::TimerKind::checkpoint, span, s.number, checkpoint,
                                         response_interval(c, span, codec::encoded_size(segment),
                                                           cp.retransmissions)));
    BOOST_OUTCOME_TRY(txn.put(checkpoint + offsetof(db::CheckpointRecord, timer), timer));
    if (!cut.copy) {
      BOOST_OUTCOME_TRY(stats, span_stats(c, span));
      ++(cut.resent_checkpoint ? stats->checkpoints_retransmitted : stats->checkpoints_sent);
      BOOST_OUTCOME_TRY(copy_checkpoint(c, span, session, cp));
    }
  }
  if (cut.first_pass_finished) {
    BOOST_OUTCOME_TRY(post_notice(c, s.client_id,
                                  {db::NoticeType::transmission_complete, own_engine_id_, s.number,
                                   0, 0, 0, s.block_length, ipc::kNullAddr}));
    BOOST_OUTCOME_TRY(maybe_complete_export(c, session));
  }
  return true;
}

HeapResult<void> EngineCore::handle_report(Ctx& c, const codec::Segment& segment) {
  auto& txn = c.txn;
  const auto& rs = std::get<codec::ReportSegment>(segment.body);
  const std::uint64_t number = segment.header.session.number;
  const auto session = ipc::PHashMap::open(txn, root(c).export_sessions).value().find(txn, number);
  if (!session) {
    // A report for a session already closed still gets its RA, so the
    // receiver can close too.
    const auto closed = ipc::PHashMap::open(txn, root(c).closed_exports).value().find(txn, number);
    const auto span = closed ? find_span(c, *closed) : std::nullopt;
    if (!span) {
      BOOST_OUTCOME_TRY(stats, node_stats(c));
      ++stats->unknown_span_dropped;
      return success();
    }
    BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
    ++stats->segments_received;
    ++stats->reports_received;
    ++stats->segments_dropped_closed;
    return queue_control(c, *span,
                         {db::ControlKind::report_ack, own_engine_id_, number, rs.report_serial});
  }
  db::ExportSession s = load<db::ExportSession>(txn, *session);
  const auto span = find_span(c, s.span_engine);
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->segments_received;
  ++stats->reports_received;
  BOOST_OUTCOME_TRY(queue_control(
      c, *span, {db::ControlKind::report_ack, own_engine_id_, number, rs.report_serial}));
  if (s.state != db::ExportState::transmitting) return success();
  // Serials are 32-bit (ION's are; ours count up from below 16384): a wider
  // one is forged or broken, and a retransmission checkpoint citing it
  // would outgrow the segment size max_payload() allows for.
  if (rs.upper_bound > s.red_length || rs.report_serial > UINT32_MAX ||
      rs.checkpoint_serial > UINT32_MAX) {
    BOOST_OUTCOME_TRY(stats2, span_stats(c, *span));
    ++stats2->segments_dropped_invalid;
    return success();
  }
  // A report already acted on (sent again by its receiver, or forged with
  // its serial) still counts for its claims and its checkpoint, but asks
  // for no retransmission a second time.
  BOOST_OUTCOME_TRY(handled, ipc::PHashMap::open(txn, s.handled_reports));
  const bool repeated = handled.find(txn, rs.report_serial).has_value();
  if (!repeated) {
    // Its lower bound + 1 (resend_under_way compares scopes).
    BOOST_OUTCOME_TRY(handled.insert(txn, rs.report_serial, rs.lower_bound + 1));
  }

  BOOST_OUTCOME_TRY(checkpoints, ipc::PHashMap::open(txn, s.checkpoints));
  std::vector<TimerCue> overtaken;       // checkpoints this answer shows lost
  std::uint64_t checkpoint_sent_ms = 0;  // when the checkpoint it answers last left
  std::uint64_t late_answer_ms = 0;      // answering a resent checkpoint: its last copy's wait
  const auto cp = checkpoints.find(txn, rs.checkpoint_serial);
  // Only the report reaching the checkpoint's end answers it: the earlier
  // parts of a split answer leave it waiting for the rest.
  if (cp && rs.upper_bound >= load<db::CheckpointRecord>(txn, *cp).offset +
                                  load<db::CheckpointRecord>(txn, *cp).length) {
    const Addr timer = load<db::CheckpointRecord>(txn, *cp).timer;
    overtaken = overtaken_by(c, timer);
    sample_round_trip(c, timer);
    const db::TimerRecord running = load<db::TimerRecord>(txn, timer);
    if (running.suspended == 0) {
      const std::uint64_t last_copy_ms =
          std::min(c.now, running.deadline_ms - running.remaining_ms);
      if (times_resent(txn, running) != 0) {
        late_answer_ms = std::max<std::uint64_t>(c.now - last_copy_ms, 1);
      }
      // What its timer had to resend left a whole interval before its last
      // copy: the losses it shows are too old to judge the pace by.
      if (load<db::CheckpointRecord>(txn, *cp).retransmissions == 0) {
        checkpoint_sent_ms = last_copy_ms;
      }
    }
    BOOST_OUTCOME_TRY(stop_timer(c, timer));
    BOOST_OUTCOME_TRY(checkpoints.erase(txn, rs.checkpoint_serial));
    BOOST_OUTCOME_TRY(txn.free(*cp));
  }
  auto acknowledged = db::IntervalSet::open(s.acknowledged);
  std::uint64_t newly_claimed = 0;
  for (const codec::Claim claim : rs.claims) {
    const db::ByteRange claimed{rs.lower_bound + claim.offset,
                                rs.lower_bound + claim.offset + claim.length};
    std::uint64_t known = 0;
    acknowledged.for_each_inside(txn, claimed, [&](db::ByteRange r) { known += r.length(); });
    newly_claimed += claimed.length() - std::min(known, claimed.length());
    BOOST_OUTCOME_TRY(acknowledged.insert(txn, claimed));
  }
  const bool progress = newly_claimed != 0;  // whether the report claims anything new
  // Only where copies are sent: elsewhere a block completes through the
  // answer to its own checkpoint, and a receiver out of room answers late.
  if (overtaken.empty() && acknowledged.covers(txn, {0, s.red_length}) &&
      redundant_long_link(load<db::SpanRecord>(txn, *span)) != nullptr) {
    overtaken = answered_by_completion(c, s.checkpoints);
  }
  if (!repeated) {
    std::vector<db::ByteRange> gaps;
    std::uint64_t missing = 0;
    acknowledged.for_each_gap(txn, {rs.lower_bound, rs.upper_bound}, [&](db::ByteRange gap) {
      gaps.push_back(gap);
      missing += gap.length();
    });
    learn_rate(c, *span,
               {.newly_claimed = newly_claimed,
                .missing = missing,
                .late_answer_ms = late_answer_ms,
                .checkpoint_sent_ms = checkpoint_sent_ms});
    if (resend_under_way(c, load<db::ExportSession>(txn, *session), gaps, rs.lower_bound)) {
      gaps.clear();
    }
    if (!gaps.empty()) {
      const std::uint64_t cycle_limit =
          load<db::SpanRecord>(txn, *span).config.max_retransmission_cycles;
      const std::uint64_t cycles = load<db::ExportSession>(txn, *session).retransmission_cycles + 1;
      if (cycle_limit != 0 && cycles > cycle_limit) {
        return cancel_export_session(c, *session, codec::CancelReason::retransmission_cycles);
      }
      BOOST_OUTCOME_TRY(
          txn.put(*session + offsetof(db::ExportSession, retransmission_cycles), cycles));
      BOOST_OUTCOME_TRY(queue_retransmission(c, *span, *session, gaps, rs.report_serial,
                                             stall_hold_ms(s.span_engine, progress)));
    } else {
      (void)stall_hold_ms(s.span_engine, true);
    }
  }
  // Before completion, which frees the session.
  BOOST_OUTCOME_TRY(keep_export_moving(c, *span, *session));
  BOOST_OUTCOME_TRY(maybe_complete_export(c, *session));
  BOOST_OUTCOME_TRY(expire_early(c, *span, overtaken));
  return probe_tail(c, *span);
}

// A report that leaves no red octet unacknowledged answers every
// checkpoint the block still has outstanding, whichever it cites: a
// receiver reports as soon as the red part is whole, which a duplicate
// resend (idle_redundancy.cc) can make it ahead of the checkpoint, and the
// session then closes without its checkpoints' answers. What those answers
// would have shown lost (overtaken_by), this one shows.
std::vector<TimerCue> EngineCore::answered_by_completion(Ctx& c, Addr checkpoints) {
  std::vector<TimerCue> cues;
  ipc::PHashMap::open(c.txn, checkpoints)
      .value()
      .for_each(c.txn, [&](std::uint64_t, std::uint64_t addr) {
        for (const TimerCue& cue : overtaken_by(c, load<db::CheckpointRecord>(c.txn, addr).timer)) {
          if (std::find(cues.begin(), cues.end(), cue) == cues.end()) cues.push_back(cue);
        }
      });
  return cues;
}

HeapResult<void> EngineCore::queue_retransmission(Ctx& c, Addr span, Addr session,
                                                  const std::vector<db::ByteRange>& gaps,
                                                  std::uint64_t report_serial,
                                                  std::uint64_t hold_ms) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(pending, ipc::PList::open(txn, load<db::ExportSession>(txn, session).pending));
  const auto push = [&](db::ByteRange gap, db::RangeCheckpoint checkpoint) -> HeapResult<void> {
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::RangeRecord)));
    BOOST_OUTCOME_TRY(
        txn.put(addr, db::RangeRecord{gap.start, gap.end, checkpoint, 0, report_serial}));
    BOOST_OUTCOME_TRY(pending.push_back(txn, addr));
    return success();
  };
  // idle_redundancy.cc's copy goes first, without a checkpoint.
  if (hold_ms == 0 && resend_twice(c, span, gaps)) {
    for (const auto& gap : gaps) {
      BOOST_OUTCOME_TRY(push(gap, db::RangeCheckpoint::none));
    }
  }
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    const bool last = i + 1 == gaps.size();
    BOOST_OUTCOME_TRY(
        push(gaps[i], last ? db::RangeCheckpoint::new_serial : db::RangeCheckpoint::none));
  }
  if (hold_ms != 0) return hold_retransmission(c, span, session, hold_ms);
  return queue_data(c, span, session);
}

HeapResult<void> EngineCore::keep_export_moving(Ctx& c, Addr span, Addr session) {
  auto& txn = c.txn;
  const db::ExportSession s = load<db::ExportSession>(txn, session);
  if (s.state != db::ExportState::transmitting || s.first_pass_done == 0) return success();
  if (!ipc::PList::open(txn, s.pending).value().empty(txn) ||
      ipc::PHashMap::open(txn, s.checkpoints).value().size(txn) != 0) {
    return success();
  }
  std::optional<db::ByteRange> last_gap;
  db::IntervalSet::open(s.acknowledged)
      .for_each_gap(txn, {0, s.red_length}, [&](db::ByteRange gap) { last_gap = gap; });
  if (!last_gap) return success();
  // Most often the gaps are the scope of one part of a split report that
  // was lost, data the receiver holds. So not the gaps but their last
  // octet goes again, as a checkpoint that cites no report: its answer
  // reports the whole red part up to there, and asks for what is missing.
  return queue_retransmission(c, span, session, {{last_gap->end - 1, last_gap->end}}, 0);
}

HeapResult<void> EngineCore::maybe_complete_export(Ctx& c, Addr session) {
  auto& txn = c.txn;
  const db::ExportSession s = load<db::ExportSession>(txn, session);
  if (s.state != db::ExportState::transmitting || s.first_pass_done == 0) return success();
  if (!db::IntervalSet::open(s.acknowledged).covers(txn, {0, s.red_length})) return success();
  BOOST_OUTCOME_TRY(notify_sdus(c, session, db::NoticeType::export_complete, 0));
  BOOST_OUTCOME_TRY(stats, span_stats(c, *find_span(c, s.span_engine)));
  ++stats->export_sessions_completed;
  return close_export(c, session);
}

HeapResult<void> EngineCore::checkpoint_expired(Ctx& c, Addr session, Addr checkpoint) {
  auto& txn = c.txn;
  const db::ExportSession s = load<db::ExportSession>(txn, session);
  const auto span = find_span(c, s.span_engine);
  db::CheckpointRecord cp = load<db::CheckpointRecord>(txn, checkpoint);
  const auto limits = retransmit_limits(root(c).config, load<db::SpanRecord>(txn, *span).config);
  if (probe_armed(cp.probe)) {  // not counted against the limit
    cp.probe =
        cp.probe == db::ProbeState::armed ? db::ProbeState::fired : db::ProbeState::fired_again;
  } else if (cp.retransmissions >= limits.checkpoint) {
    return cancel_export_session(c, session, codec::CancelReason::retransmission_limit);
  } else {
    ++cp.retransmissions;
    cp.probe = db::ProbeState::none;  // the new copy may be probed (tail_probe.cc)
  }
  BOOST_OUTCOME_TRY(txn.put(checkpoint, cp));
  // Resend the checkpoint segment itself, same serial, ahead of other data.
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(db::RangeRecord)));
  BOOST_OUTCOME_TRY(txn.put(
      addr, db::RangeRecord{cp.offset, cp.offset + cp.length, db::RangeCheckpoint::same_serial,
                            cp.serial, cp.report_serial}));
  BOOST_OUTCOME_TRY(pending, ipc::PList::open(txn, s.pending));
  BOOST_OUTCOME_TRY(pending.push_front(txn, addr));
  return queue_data(c, *span, session);
}

HeapResult<void> EngineCore::notify_sdus(Ctx& c, Addr session, db::NoticeType type,
                                         std::uint64_t reason) {
  auto& txn = c.txn;
  const db::ExportSession s = load<db::ExportSession>(txn, session);
  BOOST_OUTCOME_TRY(lengths, ipc::PList::open(txn, s.sdu_lengths));
  std::uint64_t offset = 0;
  for (Addr n = lengths.first(txn); n != ipc::kNullAddr; n = lengths.next(txn, n)) {
    const std::uint64_t length = lengths.value(txn, n);
    Addr data = ipc::kNullAddr;
    if (type == db::NoticeType::export_cancelled) {
      // The SDU goes back to the client with the reason when the heap has
      // room for the copy; a full heap must not stop the cancellation, so
      // then the notice comes without it.
      if (heap_has_room(length, kCopyReserve)) {
        BOOST_OUTCOME_TRY(copy, copy_to_buffer(c, s.block, offset, length));
        data = copy;
      }
    }
    BOOST_OUTCOME_TRY(post_notice(
        c, s.client_id, {type, own_engine_id_, s.number, reason, 0, offset, length, data}));
    offset += length;
  }
  return success();
}

HeapResult<void> EngineCore::drop_retransmissions(Ctx& c, const db::ExportSession& s) {
  auto& txn = c.txn;
  BOOST_OUTCOME_TRY(pending, ipc::PList::open(txn, s.pending));
  while (!pending.empty(txn)) {
    BOOST_OUTCOME_TRY(range, pending.pop_front(txn));
    BOOST_OUTCOME_TRY(txn.free(range));
  }
  BOOST_OUTCOME_TRY(checkpoints, ipc::PHashMap::open(txn, s.checkpoints));
  std::vector<std::pair<std::uint64_t, Addr>> outstanding;
  checkpoints.for_each(
      txn, [&](std::uint64_t serial, std::uint64_t cp) { outstanding.emplace_back(serial, cp); });
  for (const auto& [serial, cp] : outstanding) {
    BOOST_OUTCOME_TRY(stop_timer(c, load<db::CheckpointRecord>(txn, cp).timer));
    BOOST_OUTCOME_TRY(checkpoints.erase(txn, serial));
    BOOST_OUTCOME_TRY(txn.free(cp));
  }
  return success();
}

HeapResult<void> EngineCore::close_export(Ctx& c, Addr session) {
  auto& txn = c.txn;
  const db::ExportSession s = load<db::ExportSession>(txn, session);
  const auto span = find_span(c, s.span_engine);
  BOOST_OUTCOME_TRY(stop_timer(c, s.timer));
  BOOST_OUTCOME_TRY(unqueue_data(c, *span, session));
  BOOST_OUTCOME_TRY(drop_retransmissions(c, s));
  BOOST_OUTCOME_TRY(pending, ipc::PList::open(txn, s.pending));
  BOOST_OUTCOME_TRY(pending.destroy(txn));
  BOOST_OUTCOME_TRY(checkpoints, ipc::PHashMap::open(txn, s.checkpoints));
  BOOST_OUTCOME_TRY(checkpoints.destroy(txn));
  BOOST_OUTCOME_TRY(handled, ipc::PHashMap::open(txn, s.handled_reports));
  BOOST_OUTCOME_TRY(handled.destroy(txn));
  BOOST_OUTCOME_TRY(lengths, ipc::PList::open(txn, s.sdu_lengths));
  BOOST_OUTCOME_TRY(lengths.destroy(txn));
  BOOST_OUTCOME_TRY(db::IntervalSet::open(s.acknowledged).destroy(txn));
  if (s.first_pass_cursor == 0) {
    BOOST_OUTCOME_TRY(db::ChunkedBuffer::open(s.block).destroy(txn));
  } else {
    // The link may still be sending segments that point into the block.
    BOOST_OUTCOME_TRY(start_timer(c, db::TimerKind::release_block, *span, s.number, s.block,
                                  root(c).config.payload_grace_ms));
  }
  BOOST_OUTCOME_TRY(sessions, ipc::PHashMap::open(txn, root(c).export_sessions));
  BOOST_OUTCOME_TRY(sessions.erase(txn, s.number));
  db::SpanRecord record = load<db::SpanRecord>(txn, *span);
  if (record.open_block == session) record.open_block = ipc::kNullAddr;
  --record.export_count;
  BOOST_OUTCOME_TRY(txn.put(*span, record));
  BOOST_OUTCOME_TRY(txn.free(session));
  wakeups_.windows.insert(s.span_engine);
  return remember_closed_export(c, *span, s.number);
}

}  // namespace ltp::engine
