// records.h: the persistent LTP database's record layouts in the SDR heap.
//
// Plain structs addressed by Addr, read with Transaction::get and written
// whole with Transaction::put (logged). The engine (libltp/engine) changes
// them inside its transactions; ltpadmin reads them through LtpDb
// (ltp_db.h). Changing a struct here changes the heap format: bump
// kDbFormatVersion (records_layout_test.cc pins every layout to it and
// fails the build otherwise).
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>

#include "ipc/heap_format.h"

namespace ltp::db {

using ipc::Addr;

inline constexpr std::uint64_t kDbFormatVersion = 5;
inline constexpr char kDbRootName[] = "ltpdb";
inline constexpr std::size_t kLsoCommandBytes = 256;
inline constexpr std::size_t kCancelReasons = 6;

// `1`/`m` commands of ltprc.
struct NodeConfig {
  std::uint64_t est_max_export_sessions = 100;
  std::uint64_t heapmax = 0;  // bytes of heap LTP may use; 0 = no limit
  std::uint64_t screening = 0;
  std::uint64_t own_queuing_ms = 1000;  // ownqtime
  double maxber = 1e-6;                 // ION 4.1.3's default
  std::uint64_t maxbacklog = 0;
  // How long a closed session is remembered so late segments cannot
  // reopen it.
  std::uint64_t closed_memory_ms = 60000;
  // How long a closed export session's block stays allocated after the
  // session closes, because the link may still be sending segments that
  // point into it (dequeue hands out payload pointers, not copies).
  std::uint64_t payload_grace_ms = 1000;
};

// `a span` of ltprc, plus OpenLTP's per-span overrides (0 = default).
struct SpanConfig {
  std::uint64_t engine_id = 0;
  std::uint64_t max_export_sessions = 10;
  std::uint64_t max_import_sessions = 10;
  std::uint64_t max_segment_size = 1400;  // whole segment, header included
  std::uint64_t aggregation_size_threshold = 100000;
  std::uint64_t aggregation_time_limit_ms = 1000;
  std::uint64_t queuing_latency_ms = 1000;  // remote engine's queuing time
  std::uint64_t purge = 0;                  // negative qtime in ltprc
  std::array<char, kLsoCommandBytes> lso_command{};
  // Retransmission limits; 0 derives them from maxber (retransmit_limits.h).
  std::uint64_t checkpoint_limit = 0;
  std::uint64_t report_limit = 0;
  std::uint64_t cancel_limit = 0;
  // A discretionary checkpoint every N first-pass red segments; 0 = none.
  std::uint64_t checkpoint_every_segments = 0;
  // Import session with nothing heard for this long is cancelled; 0 = 60 s.
  std::uint64_t stale_import_ms = 0;
  // Reports that may each trigger a round of retransmission before the
  // session is cancelled (RXMTCYCEXC); 0 = no limit.
  std::uint64_t max_retransmission_cycles = 0;
  // Redundant copies on a long link (engine/idle_redundancy.cc); only for
  // peers that deliver once whatever arrives twice (not ION 4.1.3).
  std::uint64_t redundancy = 0;
};

struct SpanStats {
  std::uint64_t segments_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t segments_received = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t data_segments_retransmitted = 0;
  std::uint64_t checkpoints_sent = 0;
  std::uint64_t checkpoints_retransmitted = 0;
  std::uint64_t checkpoints_received = 0;
  std::uint64_t reports_sent = 0;
  std::uint64_t reports_retransmitted = 0;
  std::uint64_t reports_received = 0;
  std::uint64_t report_acks_sent = 0;
  std::uint64_t report_acks_received = 0;
  std::array<std::uint64_t, kCancelReasons> cancels_sent{};
  std::array<std::uint64_t, kCancelReasons> cancels_received{};
  std::uint64_t cancel_retransmissions = 0;
  std::uint64_t export_sessions_completed = 0;
  std::uint64_t export_sessions_cancelled = 0;
  std::uint64_t import_sessions_completed = 0;
  std::uint64_t import_sessions_cancelled = 0;
  std::uint64_t segments_dropped_closed = 0;   // for a session already closed
  std::uint64_t segments_dropped_limit = 0;    // import session limit, heapmax, heap full
  std::uint64_t segments_dropped_invalid = 0;  // well-formed but nonsensical
  // Cancels received with a reason code RFC 5326 leaves unassigned (6-255);
  // format 4.
  std::uint64_t cancels_received_reserved = 0;
};

struct SpanRecord {
  SpanConfig config;
  SpanStats stats;
  Addr import_sessions;            // PHashMap session number -> ImportSession
  Addr closed_imports;             // PHashMap session number -> 1 (aged by a closed_import timer)
  Addr control_queue;              // PList of ControlRecord
  Addr data_queue;                 // PList of ExportSession with ranges to send
  Addr timers;                     // PList of suspendable TimerRecord (CP, RS, CS, CR)
  Addr releases;                   // PList of release_block TimerRecord, in close order
  Addr open_block;                 // ExportSession still aggregating, or 0
  std::uint64_t export_count = 0;  // open, including open_block
  std::uint64_t import_count = 0;
  std::uint64_t suspended = 0;  // timers suspended: remote not transmitting
  // Engine::dequeue calls on this span so far: the link's epoch, which
  // dates each closed block against what the link may still be sending.
  std::uint64_t dequeues = 0;
};

// Node-wide counters for what cannot be charged to a span.
struct NodeStats {
  std::uint64_t malformed_dropped = 0;
  std::uint64_t unknown_span_dropped = 0;
  std::uint64_t keep_alives = 0;
};

struct DbRoot {
  std::uint64_t format_version;
  std::uint64_t own_engine_id;
  NodeConfig config;
  NodeStats stats;
  std::uint64_t unused_session_counter;  // format 1-3 counted sessions here; now random
  std::uint64_t next_timer_sequence;
  Addr spans;            // PHashMap engine id -> SpanRecord
  Addr clients;          // PHashMap client service id -> ClientRecord
  Addr seats;            // PList of SeatRecord
  Addr export_sessions;  // PHashMap session number -> ExportSession
  Addr closed_exports;   // PHashMap session number -> span engine id (aged by a timer)
  Addr timeline;         // POrderedMap (deadline ms, sequence) -> TimerRecord
};

struct SeatRecord {
  std::array<char, kLsoCommandBytes> lsi_command{};
};

struct ClientRecord {
  std::uint64_t client_id;
  // 0 = not open (closed by its holder); kHolderDied = not open, its
  // holder died: the outcomes of what it sent wait for the next holder.
  std::uint64_t pid;
  Addr notices;  // PList of NoticeRecord
};
inline constexpr std::uint64_t kHolderDied = UINT64_MAX;

// ION's notice numbering.
enum class NoticeType : std::uint64_t {
  none = 0,
  export_start = 1,
  transmission_complete = 2,
  export_cancelled = 3,
  export_complete = 4,
  green_segment = 5,
  red_part = 6,
  import_cancelled = 7,
};

struct NoticeRecord {
  NoticeType type;
  std::uint64_t originator;
  std::uint64_t session_number;
  std::uint64_t reason;
  std::uint64_t end_of_block;
  std::uint64_t offset;
  std::uint64_t length;
  Addr data;  // ChunkedBuffer the client reads and releases, or 0
};

enum class ExportState : std::uint64_t { aggregating, transmitting, cancelling };

struct ExportSession {
  std::uint64_t number;
  std::uint64_t span_engine;
  std::uint64_t client_id;
  ExportState state;
  std::uint64_t red_length;
  std::uint64_t block_length;
  std::uint64_t first_pass_done;  // every first-pass segment dequeued
  std::uint64_t first_pass_cursor;
  std::uint64_t segments_cut;  // first-pass red segments (discretionary CPs)
  std::uint64_t next_checkpoint_serial;
  std::uint64_t cancel_reason;
  std::uint64_t cancel_retransmissions;
  std::uint64_t retransmission_cycles;  // reports that asked for data again
  Addr block;                           // ChunkedBuffer
  Addr sdu_lengths;                     // PList of SDU lengths, in block order
  Addr pending;                         // PList of RangeRecord: retransmissions to send
  Addr queue_node;                      // node in the span's data queue, 0 if not queued
  Addr checkpoints;                     // PHashMap serial -> CheckpointRecord awaiting a report
  Addr handled_reports;                 // PHashMap report serial -> lower bound + 1 (acted on)
  Addr acknowledged;                    // IntervalSet of red bytes claimed by reports
  Addr timer;  // aggregation timer, then a held retransmission's, then the cancel timer
};

// Bytes of a block still to (re)send; the last segment cut from it is a
// checkpoint when checkpoint != none.
// How a range to resend ends: without a checkpoint, with a new one, with
// the checkpoint whose timer expired (same serial), or with the second
// sending of a checkpoint that has just gone out (engine/idle_redundancy.cc).
enum class RangeCheckpoint : std::uint64_t { none, new_serial, same_serial, copy };

struct RangeRecord {
  std::uint64_t start;
  std::uint64_t end;
  RangeCheckpoint checkpoint;
  std::uint64_t checkpoint_serial;  // for same_serial
  std::uint64_t report_serial;      // the report this retransmission answers
};

// A checkpoint's tail probe (engine/tail_probe.cc): at most one per copy.
enum class ProbeState : std::uint64_t {
  none,         // its timer runs the full interval
  armed,        // its timer is cut short to the probe interval
  fired,        // the probe resent it (not counted in `retransmissions`)
  armed_again,  // the probe's copy, its timer cut to twice the interval
  fired_again,  // resent by that second probe (not counted either)
};

struct CheckpointRecord {
  std::uint64_t serial;
  std::uint64_t report_serial;
  std::uint64_t offset;
  std::uint64_t length;
  std::uint64_t retransmissions;
  Addr timer;  // 0 while not yet (re)transmitted
  ProbeState probe;
};

enum class ImportState : std::uint64_t { receiving, cancelling };

struct ImportSession {
  std::uint64_t number;
  std::uint64_t originator;
  std::uint64_t client_id;
  ImportState state;
  std::uint64_t red_length_known;  // EORP seen
  std::uint64_t red_length;
  std::uint64_t green_start;   // lowest green offset seen (UINT64_MAX: none)
  std::uint64_t end_of_block;  // green EOB or red EOB seen
  std::uint64_t red_delivered;
  std::uint64_t red_seen;  // any red data received
  std::uint64_t next_report_serial;
  std::uint64_t last_heard_ms;
  std::uint64_t cancel_reason;
  std::uint64_t cancel_retransmissions;
  Addr buffer;                 // ChunkedBuffer of the red part (moved to the notice on delivery)
  Addr received;               // IntervalSet of red bytes received
  Addr reports;                // PHashMap serial -> ReportRecord
  Addr reports_by_checkpoint;  // PHashMap checkpoint serial -> first serial of its reports
  std::uint64_t unacked_reports;
  Addr timer;  // stale-session timer, then the cancel timer
};

struct ReportRecord {
  std::uint64_t serial;
  std::uint64_t checkpoint_serial;
  std::uint64_t split_count;  // reports issued together, consecutive serials from the first
  std::uint64_t lower_bound;
  std::uint64_t upper_bound;
  std::uint64_t claim_count;
  Addr claims;  // claim_count x {offset relative to lower bound, length}
  std::uint64_t retransmissions;
  std::uint64_t acknowledged;
  Addr timer;
};

enum class ControlKind : std::uint64_t {
  report,                  // RS of an import session (serial)
  report_ack,              // RA (serial)
  cancel_from_sender,      // CS of an export session
  cancel_from_receiver,    // CR of an import session
  cancel_ack_to_sender,    // CAS
  cancel_ack_to_receiver,  // CAR
};

// A control segment waiting for the link: the queue names it, the session
// (looked up again at dequeue) supplies its content, so a session closed in
// the meantime simply yields nothing.
struct ControlRecord {
  ControlKind kind;
  std::uint64_t originator;
  std::uint64_t session_number;
  std::uint64_t serial;  // report serial for RS and RA
};

enum class TimerKind : std::uint64_t {
  checkpoint,     // owner CheckpointRecord
  report,         // owner ReportRecord
  cancel_export,  // CS awaiting CAS; owner ExportSession
  cancel_import,  // CR awaiting CAR; owner ImportSession
  aggregation,    // owner ExportSession (open block)
  stale_import,   // owner ImportSession
  closed_export,  // forget a closed export session
  closed_import,  // forget a closed import session
  release_block,  // free a closed export session's block; owner ChunkedBuffer
  // retransmissions waiting out a receiver out of room (stall_hold.cc);
  // owner ExportSession (its `timer` while transmitting)
  held_retransmission,
};

struct TimerRecord {
  TimerKind kind;
  std::uint64_t span_engine;
  std::uint64_t session_number;  // export: ours; import: the originator's
  Addr owner;
  std::uint64_t deadline_ms;
  std::uint64_t sequence;
  std::uint64_t suspended;  // 1: off the timeline, `remaining_ms` left
  std::uint64_t remaining_ms;
  Addr span_list_node;           // node in the span's list for its kind (timers, releases), or 0
  std::uint64_t link_epoch = 0;  // release_block: the span's dequeues when the block closed
};

// Records are copied in and out of the mapped heap as bytes.
static_assert(std::is_trivially_copyable_v<NodeConfig>);
static_assert(std::is_trivially_copyable_v<SpanConfig>);
static_assert(std::is_trivially_copyable_v<SpanStats>);
static_assert(std::is_trivially_copyable_v<SpanRecord>);
static_assert(std::is_trivially_copyable_v<NodeStats>);
static_assert(std::is_trivially_copyable_v<DbRoot>);
static_assert(std::is_trivially_copyable_v<SeatRecord>);
static_assert(std::is_trivially_copyable_v<ClientRecord>);
static_assert(std::is_trivially_copyable_v<NoticeRecord>);
static_assert(std::is_trivially_copyable_v<ExportSession>);
static_assert(std::is_trivially_copyable_v<RangeRecord>);
static_assert(std::is_trivially_copyable_v<CheckpointRecord>);
static_assert(std::is_trivially_copyable_v<ImportSession>);
static_assert(std::is_trivially_copyable_v<ReportRecord>);
static_assert(std::is_trivially_copyable_v<ControlRecord>);
static_assert(std::is_trivially_copyable_v<TimerRecord>);

}  // namespace ltp::db
