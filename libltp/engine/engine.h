// Engine: the LTP protocol engine (RFC 5326 sections 6-8), both the
// sending and the receiving side, as a stateless view over a node's heap.
// This is its face: what the APIs, the daemons and the tests call. The
// procedures behind it, and the transaction context they share, are
// EngineCore's (engine_core.h), which only the engine's own files include.
//
// Every task of a node (the LSI handling inbound segments, ltpclock firing
// timers, the LSO dequeuing segments, clients sending and taking notices)
// constructs an Engine over the same heap and calls one entry point; each
// call is one transaction (one per inbound batch), so all session state
// lives in the heap (db/records.h) and the volatile segment, none in here
// but the random source of session and serial numbers. Time is injected
// (`now`, milliseconds on the node's clock); wake-ups go out through
// EngineSignals after commit.
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
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ipc/heap_format.h"
#include "ipc/result.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/segment.h"
#include "libltp/db/records.h"
#include "libltp/engine/notice_cursor.h"
#include "libltp/engine/signals.h"

namespace ltp::ipc {
class Heap;
}
namespace ltp::db {
class LtpDb;
class VolatileDb;
}  // namespace ltp::db

namespace ltp::engine {

using ipc::Addr;

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
  bool operator==(const TimerCue&) const = default;
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
  friend class EngineCore;
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

class EngineCore;

class Engine {
 public:
  static Result<std::unique_ptr<Engine>, EngineError> attach(ipc::Heap& heap, db::VolatileDb* vdb,
                                                             EngineSignals& signals,
                                                             EngineOptions options = {});
  ~Engine();

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
  std::uint64_t own_engine_id() const;
  // The largest block send() takes: half the heap (more may never fit).
  std::uint64_t max_block_bytes() const;
  db::LtpDb& db();
  ipc::Heap& heap();

 private:
  explicit Engine(std::unique_ptr<EngineCore> core);
  std::unique_ptr<EngineCore> core_;
};

}  // namespace ltp::engine
