// The persistent records' layouts, pinned to the LTP database format.
//
// A heap file outlives the build that wrote it, so any change to a record
// in records.h changes what a heap means. These checks fail the build when
// a layout changes while kDbFormatVersion stays: bump the version, write
// the migration from the previous format, and pin the new layouts here.
#include <cstddef>
#include <type_traits>

#include "libltp/db/records.h"

namespace ltp::db {
namespace {

static_assert(kDbFormatVersion == 5, "records changed format: re-pin the layouts below");

// Size, then the offset of every field, as format 5 lays them out
// (format 4: SpanConfig without redundancy; format 3: also SpanStats
// without cancels_received_reserved; migration.h).
#define OLTP_PIN_SIZE(T, bytes) \
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) == (bytes), #T " changed size")
#define OLTP_PIN(T, field, at) static_assert(offsetof(T, field) == (at), #T "::" #field " moved")

OLTP_PIN_SIZE(NodeConfig, 64);
OLTP_PIN(NodeConfig, est_max_export_sessions, 0);
OLTP_PIN(NodeConfig, heapmax, 8);
OLTP_PIN(NodeConfig, screening, 16);
OLTP_PIN(NodeConfig, own_queuing_ms, 24);
OLTP_PIN(NodeConfig, maxber, 32);
OLTP_PIN(NodeConfig, maxbacklog, 40);
OLTP_PIN(NodeConfig, closed_memory_ms, 48);
OLTP_PIN(NodeConfig, payload_grace_ms, 56);

OLTP_PIN_SIZE(SpanConfig, 376);
OLTP_PIN(SpanConfig, engine_id, 0);
OLTP_PIN(SpanConfig, max_export_sessions, 8);
OLTP_PIN(SpanConfig, max_import_sessions, 16);
OLTP_PIN(SpanConfig, max_segment_size, 24);
OLTP_PIN(SpanConfig, aggregation_size_threshold, 32);
OLTP_PIN(SpanConfig, aggregation_time_limit_ms, 40);
OLTP_PIN(SpanConfig, queuing_latency_ms, 48);
OLTP_PIN(SpanConfig, purge, 56);
OLTP_PIN(SpanConfig, lso_command, 64);
OLTP_PIN(SpanConfig, checkpoint_limit, 320);
OLTP_PIN(SpanConfig, report_limit, 328);
OLTP_PIN(SpanConfig, cancel_limit, 336);
OLTP_PIN(SpanConfig, checkpoint_every_segments, 344);
OLTP_PIN(SpanConfig, stale_import_ms, 352);
OLTP_PIN(SpanConfig, max_retransmission_cycles, 360);
OLTP_PIN(SpanConfig, redundancy, 368);

OLTP_PIN_SIZE(SpanStats, 272);
OLTP_PIN(SpanStats, segments_sent, 0);
OLTP_PIN(SpanStats, bytes_sent, 8);
OLTP_PIN(SpanStats, segments_received, 16);
OLTP_PIN(SpanStats, bytes_received, 24);
OLTP_PIN(SpanStats, data_segments_retransmitted, 32);
OLTP_PIN(SpanStats, checkpoints_sent, 40);
OLTP_PIN(SpanStats, checkpoints_retransmitted, 48);
OLTP_PIN(SpanStats, checkpoints_received, 56);
OLTP_PIN(SpanStats, reports_sent, 64);
OLTP_PIN(SpanStats, reports_retransmitted, 72);
OLTP_PIN(SpanStats, reports_received, 80);
OLTP_PIN(SpanStats, report_acks_sent, 88);
OLTP_PIN(SpanStats, report_acks_received, 96);
OLTP_PIN(SpanStats, cancels_sent, 104);
OLTP_PIN(SpanStats, cancels_received, 152);
OLTP_PIN(SpanStats, cancel_retransmissions, 200);
OLTP_PIN(SpanStats, export_sessions_completed, 208);
OLTP_PIN(SpanStats, export_sessions_cancelled, 216);
OLTP_PIN(SpanStats, import_sessions_completed, 224);
OLTP_PIN(SpanStats, import_sessions_cancelled, 232);
OLTP_PIN(SpanStats, segments_dropped_closed, 240);
OLTP_PIN(SpanStats, segments_dropped_limit, 248);
OLTP_PIN(SpanStats, segments_dropped_invalid, 256);
OLTP_PIN(SpanStats, cancels_received_reserved, 264);

OLTP_PIN_SIZE(SpanRecord, 736);
OLTP_PIN(SpanRecord, config, 0);
OLTP_PIN(SpanRecord, stats, 376);
OLTP_PIN(SpanRecord, import_sessions, 648);
OLTP_PIN(SpanRecord, closed_imports, 656);
OLTP_PIN(SpanRecord, control_queue, 664);
OLTP_PIN(SpanRecord, data_queue, 672);
OLTP_PIN(SpanRecord, timers, 680);
OLTP_PIN(SpanRecord, releases, 688);
OLTP_PIN(SpanRecord, open_block, 696);
OLTP_PIN(SpanRecord, export_count, 704);
OLTP_PIN(SpanRecord, import_count, 712);
OLTP_PIN(SpanRecord, suspended, 720);
OLTP_PIN(SpanRecord, dequeues, 728);

OLTP_PIN_SIZE(NodeStats, 24);
OLTP_PIN(NodeStats, malformed_dropped, 0);
OLTP_PIN(NodeStats, unknown_span_dropped, 8);
OLTP_PIN(NodeStats, keep_alives, 16);

OLTP_PIN_SIZE(DbRoot, 168);
OLTP_PIN(DbRoot, format_version, 0);
OLTP_PIN(DbRoot, own_engine_id, 8);
OLTP_PIN(DbRoot, config, 16);
OLTP_PIN(DbRoot, stats, 80);
OLTP_PIN(DbRoot, unused_session_counter, 104);
OLTP_PIN(DbRoot, next_timer_sequence, 112);
OLTP_PIN(DbRoot, spans, 120);
OLTP_PIN(DbRoot, clients, 128);
OLTP_PIN(DbRoot, seats, 136);
OLTP_PIN(DbRoot, export_sessions, 144);
OLTP_PIN(DbRoot, closed_exports, 152);
OLTP_PIN(DbRoot, timeline, 160);

OLTP_PIN_SIZE(SeatRecord, 256);
OLTP_PIN(SeatRecord, lsi_command, 0);

OLTP_PIN_SIZE(ClientRecord, 24);
OLTP_PIN(ClientRecord, client_id, 0);
OLTP_PIN(ClientRecord, pid, 8);
OLTP_PIN(ClientRecord, notices, 16);

OLTP_PIN_SIZE(NoticeRecord, 64);
OLTP_PIN(NoticeRecord, type, 0);
OLTP_PIN(NoticeRecord, originator, 8);
OLTP_PIN(NoticeRecord, session_number, 16);
OLTP_PIN(NoticeRecord, reason, 24);
OLTP_PIN(NoticeRecord, end_of_block, 32);
OLTP_PIN(NoticeRecord, offset, 40);
OLTP_PIN(NoticeRecord, length, 48);
OLTP_PIN(NoticeRecord, data, 56);

OLTP_PIN_SIZE(ExportSession, 168);
OLTP_PIN(ExportSession, number, 0);
OLTP_PIN(ExportSession, span_engine, 8);
OLTP_PIN(ExportSession, client_id, 16);
OLTP_PIN(ExportSession, state, 24);
OLTP_PIN(ExportSession, red_length, 32);
OLTP_PIN(ExportSession, block_length, 40);
OLTP_PIN(ExportSession, first_pass_done, 48);
OLTP_PIN(ExportSession, first_pass_cursor, 56);
OLTP_PIN(ExportSession, segments_cut, 64);
OLTP_PIN(ExportSession, next_checkpoint_serial, 72);
OLTP_PIN(ExportSession, cancel_reason, 80);
OLTP_PIN(ExportSession, cancel_retransmissions, 88);
OLTP_PIN(ExportSession, retransmission_cycles, 96);
OLTP_PIN(ExportSession, block, 104);
OLTP_PIN(ExportSession, sdu_lengths, 112);
OLTP_PIN(ExportSession, pending, 120);
OLTP_PIN(ExportSession, queue_node, 128);
OLTP_PIN(ExportSession, checkpoints, 136);
OLTP_PIN(ExportSession, handled_reports, 144);
OLTP_PIN(ExportSession, acknowledged, 152);
OLTP_PIN(ExportSession, timer, 160);

OLTP_PIN_SIZE(RangeRecord, 40);
OLTP_PIN(RangeRecord, start, 0);
OLTP_PIN(RangeRecord, end, 8);
OLTP_PIN(RangeRecord, checkpoint, 16);
OLTP_PIN(RangeRecord, checkpoint_serial, 24);
OLTP_PIN(RangeRecord, report_serial, 32);

OLTP_PIN_SIZE(CheckpointRecord, 56);
OLTP_PIN(CheckpointRecord, serial, 0);
OLTP_PIN(CheckpointRecord, report_serial, 8);
OLTP_PIN(CheckpointRecord, offset, 16);
OLTP_PIN(CheckpointRecord, length, 24);
OLTP_PIN(CheckpointRecord, retransmissions, 32);
OLTP_PIN(CheckpointRecord, timer, 40);
OLTP_PIN(CheckpointRecord, probe, 48);

OLTP_PIN_SIZE(ImportSession, 160);
OLTP_PIN(ImportSession, number, 0);
OLTP_PIN(ImportSession, originator, 8);
OLTP_PIN(ImportSession, client_id, 16);
OLTP_PIN(ImportSession, state, 24);
OLTP_PIN(ImportSession, red_length_known, 32);
OLTP_PIN(ImportSession, red_length, 40);
OLTP_PIN(ImportSession, green_start, 48);
OLTP_PIN(ImportSession, end_of_block, 56);
OLTP_PIN(ImportSession, red_delivered, 64);
OLTP_PIN(ImportSession, red_seen, 72);
OLTP_PIN(ImportSession, next_report_serial, 80);
OLTP_PIN(ImportSession, last_heard_ms, 88);
OLTP_PIN(ImportSession, cancel_reason, 96);
OLTP_PIN(ImportSession, cancel_retransmissions, 104);
OLTP_PIN(ImportSession, buffer, 112);
OLTP_PIN(ImportSession, received, 120);
OLTP_PIN(ImportSession, reports, 128);
OLTP_PIN(ImportSession, reports_by_checkpoint, 136);
OLTP_PIN(ImportSession, unacked_reports, 144);
OLTP_PIN(ImportSession, timer, 152);

OLTP_PIN_SIZE(ReportRecord, 80);
OLTP_PIN(ReportRecord, serial, 0);
OLTP_PIN(ReportRecord, checkpoint_serial, 8);
OLTP_PIN(ReportRecord, split_count, 16);
OLTP_PIN(ReportRecord, lower_bound, 24);
OLTP_PIN(ReportRecord, upper_bound, 32);
OLTP_PIN(ReportRecord, claim_count, 40);
OLTP_PIN(ReportRecord, claims, 48);
OLTP_PIN(ReportRecord, retransmissions, 56);
OLTP_PIN(ReportRecord, acknowledged, 64);
OLTP_PIN(ReportRecord, timer, 72);

OLTP_PIN_SIZE(ControlRecord, 32);
OLTP_PIN(ControlRecord, kind, 0);
OLTP_PIN(ControlRecord, originator, 8);
OLTP_PIN(ControlRecord, session_number, 16);
OLTP_PIN(ControlRecord, serial, 24);

OLTP_PIN_SIZE(TimerRecord, 80);
OLTP_PIN(TimerRecord, kind, 0);
OLTP_PIN(TimerRecord, span_engine, 8);
OLTP_PIN(TimerRecord, session_number, 16);
OLTP_PIN(TimerRecord, owner, 24);
OLTP_PIN(TimerRecord, deadline_ms, 32);
OLTP_PIN(TimerRecord, sequence, 40);
OLTP_PIN(TimerRecord, suspended, 48);
OLTP_PIN(TimerRecord, remaining_ms, 56);
OLTP_PIN(TimerRecord, span_list_node, 64);
OLTP_PIN(TimerRecord, link_epoch, 72);

#undef OLTP_PIN
#undef OLTP_PIN_SIZE

}  // namespace
}  // namespace ltp::db
