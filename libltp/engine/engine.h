// Engine: the LTP protocol engine (RFC 5326 sections 6-8), both the
// sending and the receiving side, as a stateless view over a node's heap.
//
// Every task of a node (the LSI handling inbound segments, ltpclock firing
// timers, the LSO dequeuing segments, clients sending and taking notices)
// constructs an Engine over the same heap and calls one entry point; each
// call is one transaction (one per inbound batch), so all session state
// lives in the heap (db/records.h) and the volatile segment, none in here
// but the random source of session and serial numbers. Time is injected (`now`, milliseconds
// on the node's clock); wake-ups go out through EngineSignals after commit.
//
// Entry points: handle_inbound (one datagram or a batch), on_timers,
// dequeue (segments for the link; starts their timers), segments_sent
// (the link sent them: timers restart from then), link_state
// (contact start/end cues), send, flush, cancel_export, cancel_import,
// next_notice / read_data / release_data, next_deadline, stats.
// An Engine object is used by one thread at a time (each thread of a task
// makes its own; they share everything through the heap).
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
#include "libltp/engine/notice_cursor.h"
#include "libltp/engine/random_source.h"
#include "libltp/engine/signals.h"

namespace ltp::engine {

using ipc::Addr;
using ipc::HeapError;
template <class T>
using HeapResult = Result<T, HeapError>;

enum class EngineError {
  heap,             // the heap refused (full, log full); nothing changed
  not_initialized,  // no LTP database in the heap
  no_such_span,
  window_full,  // the span's export sessions are all in use: wait
  empty_sdu,
  over_heapmax,  // the node's heapmax would be exceeded: wait
  no_such_session,
  heap_full,        // no room for the block now; blocks in flight will free some: wait
  block_too_large,  // more than half the heap: waiting may never make room
};
std::string_view to_string(EngineError e);

// ltp_send's LTP_ALL_RED.
inline constexpr std::uint64_t kAllRed = UINT64_MAX;

struct Notice {
  db::NoticeType type = db::NoticeType::none;
  codec::SessionId session;
  std::uint8_t reason = 0;
  bool end_of_block = false;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  Addr data = ipc::kNullAddr;    // ChunkedBuffer: read_data, then release_data
  Addr record = ipc::kNullAddr;  // the queued notice, for next_notice's `acknowledge`
};

// Segments handed to the link: headers encoded into the batch's scratch,
// payloads pointing into the mapped heap (scatter/gather, no copy). A
// closed session's block outlives it by NodeConfig::payload_grace_ms (or
// until the link's next dequeue into an exclusive batch), so the link must
// send what it dequeued within that time.
// Which response timer a dequeued segment started (checkpoint, report,
// cancel), so segments_sent() can restart it when the link actually sends.
struct TimerCue {
  bool present = false;
  db::TimerKind kind = db::TimerKind::checkpoint;
  std::uint64_t session_number = 0;
  std::uint64_t serial = 0;  // checkpoint or report serial
};

struct OutboundSegment {
  std::uint64_t span_engine = 0;
  codec::GatherList gather;
  TimerCue cue;
};

class OutboundBatch {
 public:
  explicit OutboundBatch(std::size_t scratch_bytes = 1 << 20) : scratch_(scratch_bytes) {}
  const std::vector<OutboundSegment>& segments() const { return segments_; }
  // The segment's bytes as one datagram (tests, tools).
  static std::vector<std::uint8_t> flatten(const OutboundSegment& segment);
  void clear() {
    segments_.clear();
    used_ = 0;
  }
  // For a link that dequeues each span into this one batch only and sends
  // all of it before the next dequeue into it, which starts cleared (as
  // udplso does): that dequeue then proves the earlier segments left, and
  // closed sessions' blocks are freed at once instead of after the payload
  // grace. A link with several batches per span (threads) must not set it;
  // any dequeue through a batch without it turns the early release off for
  // that span.
  void set_exclusive(bool exclusive) { exclusive_ = exclusive; }

 private:
  friend class Engine;
  std::span<std::uint8_t> free_scratch() { return std::span(scratch_).subspan(used_); }
  std::vector<std::uint8_t> scratch_;
  std::size_t used_ = 0;
  std::vector<OutboundSegment> segments_;
  bool exclusive_ = false;
};

// Which timers on_timers() fires. A node's ltpclock fires all but the
// aggregation timers: each span's ltpmeter closes its own blocks
// (aggregation_deadline() + flush()), as ION's meter does.
enum class TimerScope { all, except_aggregation };

// Which engines a datagram may come from, as its link service input tells
// by its source address (udplsi --peers-only: the engines whose LSO sends
// to that address). Not `pinned`: any engine.
struct DatagramSource {
  bool pinned = false;
  std::span<const std::uint64_t> engines;
};

struct EngineOptions {
  // Seeds session numbers and serials for repeatable tests; 0: a CSPRNG.
  std::uint64_t serial_seed = 0;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>, EngineError> attach(ipc::Heap& heap, db::VolatileDb* vdb,
                                                             EngineSignals& signals,
                                                             EngineOptions options = {});

  // Inbound: malformed or unwanted segments are counted and dropped; only
  // a heap failure is an error (the segment then had no effect).
  // A datagram whose sender (the originator of data, RA, CS and CAR; the
  // engine our export session went to for RS, CR and CAS) is not among
  // its source's engines is dropped too, and counted in the sender's
  // span (VolatileSpan::from_other_addresses). `sources`: empty, or one
  // per datagram.
  Result<void, EngineError> handle_inbound(std::span<const std::uint8_t> datagram,
                                           std::uint64_t now, const DatagramSource& source = {});
  Result<void, EngineError> handle_inbound_batch(
      std::span<const std::span<const std::uint8_t>> datagrams, std::uint64_t now,
      std::span<const DatagramSource> sources = {});

  // Fires every timer in `scope` due at `now`. A timer whose action finds
  // the heap full is put off (heap_full): this Engine skips it for
  // kHeapFullRetryMs while the others fire, and next_deadline() says when
  // to try again, so a full heap never makes the clock spin.
  Result<void, EngineError> on_timers(std::uint64_t now, TimerScope scope = TimerScope::all);
  std::optional<std::uint64_t> next_deadline(TimerScope scope = TimerScope::all);
  static constexpr std::uint64_t kHeapFullRetryMs = 1000;
  // When the span's open block reaches its aggregation time limit; nothing
  // if no block is open (or the span's timers are suspended).
  std::optional<std::uint64_t> aggregation_deadline(std::uint64_t span_engine);

  // Up to max_segments segments of the span (control segments first); the
  // timers they carry start now. Returns how many were appended to `out`.
  // A link that sends later than it dequeues (rate control) reports the
  // actual time with segments_sent(), which restarts those timers then.
  Result<std::size_t, EngineError> segments_sent(std::uint64_t span_engine,
                                                 std::span<const OutboundSegment> segments,
                                                 std::uint64_t now);
  Result<std::size_t, EngineError> dequeue(std::uint64_t span_engine, std::size_t max_segments,
                                           std::uint64_t now, OutboundBatch& out);

  // Contact cues: the remote engine started/stopped transmitting to us.
  // Timers awaiting its answers are suspended while it is silent and
  // resumed, shifted by the outage, when it comes back.
  Result<void, EngineError> link_state(std::uint64_t span_engine, bool remote_up,
                                       std::uint64_t now);

  // ltp_send: appends the SDU to the span's open block (aggregation). The
  // client id need not be open (ION: a sender may leave it to the process
  // that takes the notices); while it is not, its notices are dropped.
  Result<codec::SessionId, EngineError> send(std::uint64_t client_id, std::uint64_t destination,
                                             std::span<const std::uint8_t> sdu,
                                             std::uint64_t red_length, std::uint64_t now);
  // Closes the span's open block now (ltpmeter's aggregation time limit).
  Result<void, EngineError> flush(std::uint64_t span_engine, std::uint64_t now);
  // Cancels a session (USR_CNCLD) that is open; with `client`, only one of
  // that client service (no_such_session otherwise). Cancelling one that is
  // being cancelled already does nothing.
  Result<void, EngineError> cancel_export(std::uint64_t session_number, std::uint64_t now,
                                          std::optional<std::uint64_t> client = std::nullopt);
  Result<void, EngineError> cancel_import(std::uint64_t originator, std::uint64_t session_number,
                                          std::uint64_t now,
                                          std::optional<std::uint64_t> client = std::nullopt);

  // Delivery is a two-step hand-over, for every notice. next_notice()
  // returns the client's next notice past those the holder was handed
  // with data and has not released, and leaves it queued: one with data
  // until release_data(), one without until the holder's next call (or
  // acknowledge_notice(), on close). So a client that dies while it
  // writes a block out, or before it recorded an outcome, leaves it to
  // the next holder of the id. The holder keeps a NoticeCursor, which
  // these calls update.
  Result<std::optional<Notice>, EngineError> next_notice(std::uint64_t client_id,
                                                         NoticeCursor& cursor);
  Result<void, EngineError> acknowledge_notice(std::uint64_t client_id, NoticeCursor& cursor);
  std::vector<std::uint8_t> read_data(Addr data);
  // Ends a hand-over: the notice carrying `data` leaves the client's queue
  // and the buffer is freed. no_such_session if no notice of the client
  // carries it (released already).
  Result<void, EngineError> release_data(std::uint64_t client_id, Addr data, NoticeCursor& cursor);

  Result<db::SpanStats, EngineError> stats(std::uint64_t span_engine);
  db::NodeStats node_stats();
  std::uint64_t own_engine_id() const { return own_engine_id_; }
  // The largest block send() takes: half the heap (more may never fit).
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

  Engine(ipc::Heap& heap, db::VolatileDb* vdb, EngineSignals& signals, db::LtpDb db,
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
  HeapResult<bool> dequeue_data(Ctx& c, Addr span, OutboundBatch& out);
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
// resent, a tail probe's resend included (timeline.cc); 0 for other timers. An answer to a segment
// resent may answer its first copy, so it is no timing or loss evidence.
std::uint64_t times_resent(const ipc::Transaction& txn, const db::TimerRecord& timer);

}  // namespace ltp::engine
