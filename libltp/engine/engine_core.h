// EngineCore: the procedures behind the Engine face (engine.h) and the
// state one Engine holds — the heap, the volatile segment, the random
// source, the wake-ups of the open transaction. Only the engine's own
// files (libltp/engine/*.cc) include this; each defines the procedures of
// its part of the protocol (export_session.cc, import_session.cc,
// timeline.cc, ...). Every entry point runs one transaction through
// transact(), and each procedure takes that transaction as its Ctx.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "ipc/heap.h"
#include "ipc/transaction.h"
#include "libltp/codec/auth.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/segment.h"
#include "libltp/db/chunked_buffer.h"
#include "libltp/db/interval_set.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/records.h"
#include "libltp/db/security_db.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/engine.h"
#include "libltp/engine/notice_cursor.h"
#include "libltp/engine/random_source.h"
#include "libltp/engine/rate_model.h"
#include "libltp/engine/signals.h"

namespace ltp::engine {

using ipc::HeapError;
template <class T>
using HeapResult = Result<T, HeapError>;

class EngineCore {
 public:
  // Engine's entry points (engine.h says what each does); it forwards here.
  static Result<std::unique_ptr<EngineCore>, EngineError> attach(ipc::Heap& heap,
                                                                 db::VolatileDb* vdb,
                                                                 EngineSignals& signals,
                                                                 EngineOptions options = {});

  Result<void, EngineError> handle_inbound(std::span<const std::uint8_t> datagram,
                                           std::uint64_t now, const DatagramSource& source = {});
  Result<void, EngineError> handle_inbound_batch(
      std::span<const std::span<const std::uint8_t>> datagrams, std::uint64_t now,
      std::span<const DatagramSource> sources = {});

  Result<void, EngineError> on_timers(std::uint64_t now, TimerScope scope = TimerScope::all);
  std::optional<std::uint64_t> next_deadline(TimerScope scope = TimerScope::all);
  static constexpr std::uint64_t kHeapFullRetryMs = Engine::kHeapFullRetryMs;
  std::optional<std::uint64_t> aggregation_deadline(std::uint64_t span_engine);

  Result<std::size_t, EngineError> segments_sent(std::uint64_t span_engine,
                                                 std::span<const OutboundSegment> segments,
                                                 std::uint64_t now);
  Result<std::size_t, EngineError> dequeue(std::uint64_t span_engine, std::size_t max_segments,
                                           std::uint64_t now, OutboundBatch& out);

  Result<void, EngineError> link_state(std::uint64_t span_engine, bool remote_up,
                                       std::uint64_t now);

  Result<codec::SessionId, EngineError> send(std::uint64_t client_id, std::uint64_t destination,
                                             std::span<const std::uint8_t> sdu,
                                             std::uint64_t red_length, std::uint64_t now);
  Result<void, EngineError> flush(std::uint64_t span_engine, std::uint64_t now);
  Result<void, EngineError> cancel_export(std::uint64_t session_number, std::uint64_t now,
                                          std::optional<std::uint64_t> client = std::nullopt);
  Result<void, EngineError> cancel_import(std::uint64_t originator, std::uint64_t session_number,
                                          std::uint64_t now,
                                          std::optional<std::uint64_t> client = std::nullopt);

  Result<std::optional<Notice>, EngineError> next_notice(std::uint64_t client_id,
                                                         NoticeCursor& cursor);
  Result<void, EngineError> acknowledge_notice(std::uint64_t client_id, NoticeCursor& cursor);
  std::vector<std::uint8_t> read_data(Addr data);
  Result<void, EngineError> release_data(std::uint64_t client_id, Addr data, NoticeCursor& cursor);

  Result<db::SpanStats, EngineError> stats(std::uint64_t span_engine);
  db::NodeStats node_stats();
  std::uint64_t own_engine_id() const { return own_engine_id_; }
  std::uint64_t max_block_bytes() const { return heap_.header().arena_size / 2; }
  db::LtpDb& db() { return db_; }
  ipc::Heap& heap() { return heap_; }

 private:
  struct Wakeups {
    std::set<std::uint64_t> segments, notices, windows, opened;
    // Spans whose red data found no room; true if a session was cancelled
    // because its red part could never fit.
    std::map<std::uint64_t, bool> heap_short;
    bool timeline = false;
  };
  // Everything one entry point needs while its transaction is open.
  struct Ctx {
    ipc::Transaction& txn;
    std::uint64_t now;
  };

  EngineCore(ipc::Heap& heap, db::VolatileDb* vdb, EngineSignals& signals, db::LtpDb db,
             std::uint64_t own, EngineOptions options);
  // Runs `body` in one transaction, commits, then sends the wake-ups.
  template <class T, class F>
  Result<T, EngineError> transact(F&& body);
  void send_wakeups();

  // engine.cc: inbound dispatch.
  HeapResult<void> handle_segment(Ctx& c, std::span<const std::uint8_t> datagram,
                                  const DatagramSource& source);
  // Whether a pinned source may send as `sender`; counts it if not.
  bool from_senders_address(std::optional<std::uint64_t> sender, const DatagramSource& source);
  const db::DbRoot& root(const Ctx& c) const { return *c.txn.get<db::DbRoot>(db_.root_addr()); }
  HeapResult<db::SpanStats*> span_stats(Ctx& c, Addr span);
  HeapResult<db::NodeStats*> node_stats(Ctx& c);
  std::optional<Addr> find_span(const Ctx& c, std::uint64_t engine) const;

  // timeline.cc: deadlines.
  HeapResult<Addr> start_timer(Ctx& c, db::TimerKind kind, Addr span, std::uint64_t number,
                               Addr owner, std::uint64_t interval_ms);
  HeapResult<void> stop_timer(Ctx& c, Addr timer);
  // Starts a dequeue's epoch on `span`; frees the blocks the link can no
  // longer be sending if `batch_proves_sent` (OutboundBatch::set_exclusive).
  HeapResult<void> release_sent_blocks(Ctx& c, Addr span, bool batch_proves_sent);
  // How long to wait for the answer to a segment of `segment_bytes` sent
  // for the (resent + 1)th time: the configured times, floored by the
  // measured path, doubled per resend (at most 16 times).
  std::uint64_t response_interval(const Ctx& c, Addr span, std::uint64_t segment_bytes,
                                  std::uint64_t resent = 0) const;
  static constexpr std::uint64_t kMaxBackoffShift = 4;
  static constexpr std::uint64_t kPathSlackMs = 10;
  HeapResult<void> suspend_timers(Ctx& c, Addr span);
  HeapResult<void> resume_timers(Ctx& c, Addr span);
  HeapResult<void> fire_timer(Ctx& c, const db::TimerRecord& timer);
  // Checkpoint or report timers of the span that the answer stopping
  // `answered` (still running) shows were overtaken: their segments, or
  // the answers to them, were lost. expire_early() fires them now.
  std::vector<TimerCue> overtaken_by(Ctx& c, Addr answered);
  // What the answers to the outstanding checkpoints (the map at
  // `checkpoints`) of a block a report has just acknowledged whole would
  // have shown overtaken.
  std::vector<TimerCue> answered_by_completion(Ctx& c, Addr checkpoints);
  HeapResult<void> expire_early(Ctx& c, Addr span, const std::vector<TimerCue>& cues);
  HeapResult<std::uint64_t> next_serial(Ctx& c);
  // A session number drawn at random below 2^32 (CCSDS), neither open nor
  // remembered as closed here.
  std::uint64_t new_session_number(Ctx& c);

  // tail_probe.cc: a lost last (or resent) checkpoint costs about a round
  // trip, not a timer interval. The report answering `answered` (a
  // checkpoint timer) gives a round-trip sample; while the span's data
  // queue is empty (checked after the dequeue that emptied it and after
  // each report), its newest checkpoint timer is shortened to a probe
  // interval, once per copy.
  // `answered` may also be a report timer that an RA stopped.
  void sample_round_trip(Ctx& c, Addr answered);
  HeapResult<void> probe_tail(Ctx& c, Addr span);

  // span_queue.cc: the span's outbound queues.
  HeapResult<void> queue_control(Ctx& c, Addr span, const db::ControlRecord& control);
  HeapResult<void> queue_data(Ctx& c, Addr span, Addr session);
  HeapResult<void> unqueue_data(Ctx& c, Addr span, Addr session);
  HeapResult<bool> dequeue_control(Ctx& c, Addr span, OutboundBatch& out);
  HeapResult<bool> prepare_report(Ctx& c, Addr span, const db::ControlRecord& control,
                                  codec::Segment& segment, std::vector<codec::Claim>& claims,
                                  TimerCue& cue);
  HeapResult<bool> prepare_cancel(Ctx& c, Addr span, const db::ControlRecord& control,
                                  codec::Segment& segment, TimerCue& cue);
  // `startup`: the span's learned rate holds new blocks for its first
  // estimate (holding_for_first_estimate), which dequeue asks once.
  HeapResult<bool> dequeue_data(Ctx& c, Addr span, OutboundBatch& out, db::VolatileSpan* startup);
  // Appends the segment to the batch, signed if the span's engine has a
  // transmit rule (segment_auth.cc).
  HeapResult<void> emit(Ctx& c, Addr span, const codec::Segment& segment, OutboundBatch& out,
                        const TimerCue& cue = {});
  HeapResult<void> emit_plain(Ctx& c, Addr span, const codec::Segment& segment, OutboundBatch& out,
                              const TimerCue& cue);
  // The owner's timer field for a cue, if its timer is still wanted.
  std::optional<Addr> cue_timer_field(Ctx& c, Addr span, const TimerCue& cue);

  // segment_auth.cc: RFC 5327 authentication by the security database.
  std::optional<db::SecurityDb> security(const Ctx& c);
  // The engine an export session's segments come from (open or closed).
  std::optional<std::uint64_t> export_peer(const Ctx& c, std::uint64_t number) const;
  // Whether a decoded inbound segment from `sender` may touch any session:
  // no receive rule in `secdb` for its sender, or a MAC that verifies.
  // Counted in the rule.
  HeapResult<bool> authentic(Ctx& c, const db::SecurityDb& secdb,
                             std::span<const std::uint8_t> datagram, const codec::Segment& segment,
                             std::optional<std::uint64_t> sender);
  struct Signer {
    codec::Ciphersuite suite;
    std::span<const std::uint8_t> key;
    Addr rule;
  };
  std::optional<Signer> signer(Ctx& c, std::uint64_t engine);
  // The span's segment size less what authentication adds to each segment.
  std::uint64_t segment_room(Ctx& c, const db::SpanConfig& config);
  HeapResult<void> emit_signed(Ctx& c, Addr span, const codec::Segment& segment, const Signer& sign,
                               OutboundBatch& out, const TimerCue& cue);

 public:
  // segment_cookies.cc: RFC 5327 cookies by the security database's rules.
  static constexpr std::size_t kCookieBytes = 8;
  // Tag, length and value in a segment's header.
  static constexpr std::size_t kCookieOverhead = 2 + kCookieBytes;

 private:
  std::optional<Addr> cookie_rule(Ctx& c, std::uint64_t engine);
  // Whether a decoded inbound segment from `sender` carries its session's
  // cookie, if a cookie rule asks for one; counted in the rule. A segment
  // of an import session not yet open may set it (arriving_cookie_).
  HeapResult<bool> cookie_admits(Ctx& c, const db::SecurityDb& secdb, const codec::Segment& segment,
                                 std::optional<std::uint64_t> sender, bool to_our_export);
  // open_import: the cookie of the segment that opened the session.
  HeapResult<void> keep_arriving_cookie(Ctx& c, std::uint64_t session_number);
  // The cookie a segment of `session` to `peer` carries, if any (an export
  // session's is drawn with its first segment).
  HeapResult<std::optional<std::uint64_t>> outbound_cookie(Ctx& c, std::uint64_t peer,
                                                           const codec::SessionId& session);
  // With the closed session's memory (forget_closed).
  HeapResult<void> forget_cookie(Ctx& c, std::uint64_t peer, std::uint64_t session_number,
                                 bool ours);

  // export_session.cc: the sending side.
  HeapResult<Addr> open_export(Ctx& c, Addr span, std::uint64_t client);
  HeapResult<void> close_block(Ctx& c, Addr session);
  struct Cut;
  HeapResult<bool> cut_segment(Ctx& c, Addr span, Addr session, OutboundBatch& out);
  HeapResult<bool> cut_retransmission(Ctx& c, db::ExportSession& s, std::uint64_t limit, Cut& cut);
  HeapResult<void> cut_first_pass(Ctx& c, db::ExportSession& s, const db::SpanConfig& config,
                                  std::uint64_t limit, Cut& cut);
  HeapResult<Addr> new_checkpoint(Ctx& c, db::ExportSession& s, std::uint64_t offset,
                                  std::uint64_t length, std::uint64_t report_serial);
  HeapResult<void> handle_report(Ctx& c, const codec::Segment& segment);
  HeapResult<void> maybe_complete_export(Ctx& c, Addr session);
  // Queues `gaps` for retransmission, the last with a new checkpoint
  // citing `report_serial`; they go out once `hold_ms` has passed.
  HeapResult<void> queue_retransmission(Ctx& c, Addr span, Addr session,
                                        const std::vector<db::ByteRange>& gaps,
                                        std::uint64_t report_serial, std::uint64_t hold_ms = 0);

  // resend_under_way.cc: whether the gaps a report asks for (the last
  // ending at gaps.back().end, its scope from `report_lower_bound`) are
  // being resent already, so that the report asks for nothing.
  bool resend_under_way(Ctx& c, const db::ExportSession& s, const std::vector<db::ByteRange>& gaps,
                        std::uint64_t report_lower_bound);
  // idle_redundancy.cc: redundancy on a long link to a peer that takes it
  // (SpanConfig::redundancy): the span's volatile state if it is one.
  // Whether a retransmission of `gaps` goes out twice (what the span has
  // queued goes out within a round trip); queuing the copy of checkpoint
  // `cp` of `session` just sent.
  const db::VolatileSpan* redundant_long_link(const db::SpanRecord& record) const;
  bool resend_twice(Ctx& c, Addr span, const std::vector<db::ByteRange>& gaps);
  HeapResult<void> copy_checkpoint(Ctx& c, Addr span, Addr session, const db::CheckpointRecord& cp);

  // rate_learning.cc: what a report (not a repeated one) tells the span's
  // rate model (rate_model.h), the model's time and round trip filled in;
  // the span's volatile state if its LSO paces by the learned rate and it
  // has no estimate yet (else null); then whether
  // `session`'s first pass may start (a megabyte of blocks goes).
  void learn_rate(Ctx& c, Addr span, rate_model::ReportEvidence evidence);
  db::VolatileSpan* holding_for_first_estimate(std::uint64_t span_engine);
  bool may_start_block(Ctx& c, db::VolatileSpan& v, Addr session);

  // stall_hold.cc: a receiver out of room.
  // How long the retransmission a report asks for should wait, given
  // whether the report claimed anything new (kept per span).
  std::uint64_t stall_hold_ms(std::uint64_t span_engine, bool progress);
  HeapResult<void> hold_retransmission(Ctx& c, Addr span, Addr session, std::uint64_t hold_ms);
  HeapResult<void> release_held_retransmission(Ctx& c, Addr session);
  // A transmitting session must always have something that will move it
  // (a checkpoint awaiting its report, or data queued): one left with
  // neither (a part of a split report lost, or a report that claimed less
  // than its checkpoint asked for, e.g. a forgery that used up the real
  // report's serial) asks the receiver for a report on all it holds.
  HeapResult<void> keep_export_moving(Ctx& c, Addr span, Addr session);
  HeapResult<void> checkpoint_expired(Ctx& c, Addr session, Addr checkpoint);
  HeapResult<void> close_export(Ctx& c, Addr session);
  // Empties the session's retransmission ranges and checkpoints (timers stopped).
  HeapResult<void> drop_retransmissions(Ctx& c, const db::ExportSession& s);
  HeapResult<void> notify_sdus(Ctx& c, Addr session, db::NoticeType type, std::uint64_t reason);

  // import_session.cc: the receiving side.
  HeapResult<void> handle_data(Ctx& c, Addr span, const codec::Segment& segment);
  HeapResult<Addr> open_import(Ctx& c, Addr span, const codec::Segment& segment);
  // Returns the lower bound of the fresh report(s) issued, or nothing if
  // the checkpoint was answered by resending reports already made.
  HeapResult<std::optional<std::uint64_t>> handle_checkpoint(Ctx& c, Addr span, Addr session,
                                                             const codec::CheckpointSerials& cp,
                                                             std::uint64_t end);
  HeapResult<void> issue_reports(Ctx& c, Addr span, Addr session, std::uint64_t checkpoint_serial,
                                 std::uint64_t lower, std::uint64_t upper);
  HeapResult<void> handle_report_ack(Ctx& c, const codec::Segment& segment);
  // Whether report `rs` of `s` claims its whole red part, from 0.
  bool claims_whole_red_part(const ipc::Transaction& txn, const db::ImportSession& s,
                             const db::ReportRecord& rs) const;
  // Marks every report of the session acknowledged, its timer stopped.
  HeapResult<void> retire_reports(Ctx& c, Addr session);
  HeapResult<void> report_expired(Ctx& c, Addr session, Addr report);
  HeapResult<void> stale_import_check(Ctx& c, Addr session);
  HeapResult<void> maybe_close_import(Ctx& c, Addr session);
  HeapResult<void> close_import(Ctx& c, Addr session);
  // Frees the session and its slot without remembering it as closed.
  HeapResult<void> free_import(Ctx& c, Addr span, Addr session);

  // import_slots.cc: with every import slot of `span` taken, frees the one
  // held by the session with the least progress (no checkpoint yet, fewest
  // red bytes, heard from longest ago), if it has fewer bytes than a
  // newcomer bringing `newcomer_bytes` or has been silent for a response
  // interval. True if a slot is free now.
  HeapResult<bool> yield_import_slot(Ctx& c, Addr span, std::uint64_t newcomer_bytes);
  // Empties the session's report list (timers stopped, claims freed).
  HeapResult<void> drop_reports(Ctx& c, db::ImportSession& s);

  // cancellation.cc: cancel from either side, acks, closed-session memory.
  HeapResult<void> cancel_export_session(Ctx& c, Addr session, codec::CancelReason reason);
  HeapResult<void> cancel_import_session(Ctx& c, Addr session, codec::CancelReason reason);
  HeapResult<void> handle_cancel(Ctx& c, const codec::Segment& segment);
  HeapResult<void> handle_cancel_ack(Ctx& c, const codec::Segment& segment);
  HeapResult<void> cancel_expired(Ctx& c, const db::TimerRecord& timer);
  HeapResult<void> remember_closed_export(Ctx& c, Addr span, std::uint64_t number);
  HeapResult<void> remember_closed_import(Ctx& c, Addr span, std::uint64_t number);
  HeapResult<void> forget_closed(Ctx& c, const db::TimerRecord& timer);

  // notices.cc
  HeapResult<void> post_notice(Ctx& c, std::uint64_t client, const db::NoticeRecord& notice);
  HeapResult<Addr> copy_to_buffer(Ctx& c, Addr block, std::uint64_t offset, std::uint64_t length);
  HeapResult<Addr> bytes_to_buffer(Ctx& c, std::span<const std::uint8_t> bytes);
  bool over_heapmax(const Ctx& c, std::uint64_t more_bytes) const;
  // Whether `bytes` more would still leave 1/reserve_fraction of the heap
  // free. New blocks stop short of the last 16th, so that blocks in flight
  // always have room to finish (reports, notices, session records).
  // Optional copies and received red data stop at the last 32nd.
  static constexpr std::uint64_t kSendReserve = 16;
  static constexpr std::uint64_t kCopyReserve = 32;
  static constexpr std::uint64_t kReceiveReserve = 32;
  bool heap_has_room(std::uint64_t bytes, std::uint64_t reserve_fraction) const;
  // Whether `bytes` more of red data can be kept (heapmax and the reserve).
  bool room_to_receive(const Ctx& c, std::uint64_t bytes) const;
  // The largest red part this heap could hold with nothing else in it.
  std::uint64_t most_red_data(const Ctx& c) const;

  ipc::Heap& heap_;
  db::VolatileDb* vdb_;
  EngineSignals& signals_;
  db::LtpDb db_;
  std::uint64_t own_engine_id_;
  RandomSource random_;
  Wakeups wakeups_;
  Addr security_root_ = ipc::kNullAddr;  // once found (security())
  // The cookie rule and cookie of the inbound segment being handled, when
  // it may open a session (cookie_admits, then open_import).
  struct ArrivingCookie {
    Addr rule;
    std::uint64_t cookie;
  };
  std::optional<ArrivingCookie> arriving_cookie_;
  // Timeline keys (deadline, sequence) of timers put off by on_timers()
  // until deferred_until_.
  std::set<std::pair<std::uint64_t, std::uint64_t>> deferred_timers_;
  std::uint64_t deferred_until_ = 0;
};

// Record helpers shared by the engine's files.
template <class T>
T load(const ipc::Transaction& txn, Addr addr) {
  return *txn.get<T>(addr);
}
// How often the checkpoint, report or cancel a response timer waits on was
// resent, tail probes' resends included (timeline.cc); 0 for other timers.
// An answer to a segment resent may answer its first copy, so it is no
// timing or loss evidence.
std::uint64_t times_resent(const ipc::Transaction& txn, const db::TimerRecord& timer);
// A checkpoint's tail probe (tail_probe.cc): whether its timer is cut to a
// probe interval now, and how many of its sendings the probes made.
inline bool probe_armed(db::ProbeState p) {
  return p == db::ProbeState::armed || p == db::ProbeState::armed_again;
}
inline std::uint64_t probes_fired(db::ProbeState p) {
  return p == db::ProbeState::fired || p == db::ProbeState::armed_again ? 1
         : p == db::ProbeState::fired_again                             ? 2
                                                                        : 0;
}

}  // namespace ltp::engine
