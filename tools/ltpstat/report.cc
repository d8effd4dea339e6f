#include "tools/ltpstat/report.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <optional>

#include "ipc/heap_check.h"
#include "ipc/transaction.h"
#include "libltp/admin/ciphersuites.h"
#include "libltp/codec/segment.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/records.h"
#include "libltp/db/security_db.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/rate_model.h"
#include "libltp/node/node.h"

namespace ltp::ltpstat {
namespace {

using json = Report;

// {"USR_CNCLD": n, ...} in reason-code order.
json by_reason(const std::array<std::uint64_t, db::kCancelReasons>& counts) {
  json out = json::object();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    out[std::string(codec::reason_name(static_cast<codec::CancelReason>(i)))] = counts[i];
  }
  return out;
}

json counters(const db::SpanStats& s) {
  return {
      {"segments_sent", s.segments_sent},
      {"bytes_sent", s.bytes_sent},
      {"segments_received", s.segments_received},
      {"bytes_received", s.bytes_received},
      {"data_segments_retransmitted", s.data_segments_retransmitted},
      {"checkpoints_sent", s.checkpoints_sent},
      {"checkpoints_retransmitted", s.checkpoints_retransmitted},
      {"checkpoints_received", s.checkpoints_received},
      {"reports_sent", s.reports_sent},
      {"reports_retransmitted", s.reports_retransmitted},
      {"reports_received", s.reports_received},
      {"report_acks_sent", s.report_acks_sent},
      {"report_acks_received", s.report_acks_received},
      {"cancels_sent", by_reason(s.cancels_sent)},
      {"cancels_received", by_reason(s.cancels_received)},
      {"cancels_received_reserved", s.cancels_received_reserved},
      {"cancel_retransmissions", s.cancel_retransmissions},
      {"export_sessions_completed", s.export_sessions_completed},
      {"export_sessions_cancelled", s.export_sessions_cancelled},
      {"import_sessions_completed", s.import_sessions_completed},
      {"import_sessions_cancelled", s.import_sessions_cancelled},
      {"segments_dropped_closed", s.segments_dropped_closed},
      {"segments_dropped_limit", s.segments_dropped_limit},
      {"segments_dropped_invalid", s.segments_dropped_invalid},
  };
}

std::string text_of(const std::array<char, db::kLsoCommandBytes>& field) {
  return std::string(field.data(), strnlen(field.data(), field.size()));
}

// What the span learned of its peer (engine/rate_model.h); null until
// its first estimate since the node started. The pace is what the LSO
// sends at under the contact plan's rate (its txbps may be lower); null
// while the estimate only measured a sender short of data (unpaced).
json learned_rate(const db::LearnedRate& learned, std::uint64_t plan_rate) {
  if (learned.bottleneck == 0) return nullptr;
  const std::uint64_t pace = engine::rate_model::sending_rate(learned, plan_rate);
  return {
      {"bottleneck_bytes_per_second", learned.bottleneck},
      {"pace_bytes_per_second", pace != 0 ? json(pace) : json(nullptr)},
      {"phase", std::string(engine::rate_model::phase_name(learned))},
      {"backoffs", learned.loss_events},
  };
}

json span_report(const db::SpanRecord& r, const db::VolatileSpan* link, bool lso_running) {
  const auto& c = r.config;
  json span = {
      {"engine", c.engine_id},
      {"lso_command", text_of(c.lso_command)},
      {"max_export_sessions", c.max_export_sessions},
      {"max_import_sessions", c.max_import_sessions},
      {"max_segment_size", c.max_segment_size},
      {"aggregation_size_threshold", c.aggregation_size_threshold},
      {"aggregation_time_limit_ms", c.aggregation_time_limit_ms},
      {"queuing_latency_ms", c.queuing_latency_ms},
      {"purge", c.purge != 0},
      {"redundancy", c.redundancy != 0},
      {"sessions",
       {{"export", r.export_count},
        {"import", r.import_count},
        {"aggregating", r.open_block != 0}}},
      {"suspended_timers", r.suspended},
      {"counters", counters(r.stats)},
  };
  if (link != nullptr) {
    span["link"] = {
        {"local_transmitting", link->local_transmitting != 0},
        {"remote_transmitting", link->remote_transmitting != 0},
        {"transmit_rate", link->transmit_rate},
        {"receive_rate", link->receive_rate},
        {"owlt_ms", link->owlt_ms},
        // Smoothed from checkpoints sent once to their reports (the tail
        // probe's); null until the first answer since the node started.
        {"round_trip_ms",
         link->round_trip_known != 0 ? json((link->round_trip_x8_ms + 7) / 8) : json(nullptr)},
        {"learned_rate", learned_rate(link->learned, link->transmit_rate)},
        {"lso_pid", link->lso_pid},
        {"lso_running", lso_running},
        {"meter_pid", link->meter_pid},
        {"imports_yielded", link->imports_yielded},
        {"from_other_addresses", link->from_other_addresses},
    };
  } else {
    span["link"] = nullptr;  // stopped: the link state lives with the running node
  }
  return span;
}

// A rule as JSON: the key is null for the NULL ciphersuite; a transmit
// rule counts the segments it signed, a receive rule those it let through
// and those it dropped.
json rule_report(db::AuthDirection direction, const db::AuthRule& rule) {
  json out = {
      {"ciphersuite", rule.ciphersuite},
      {"ciphersuite_name", std::string(admin::ciphersuite_name(rule.ciphersuite))},
      {"key", rule.key_name.empty() ? json(nullptr) : json(rule.key_name)},
  };
  if (direction == db::AuthDirection::receive) {
    out["passed"] = rule.segments_passed;
    out["refused"] = rule.segments_refused;
  } else {
    out["signed"] = rule.segments_passed;
  }
  return out;
}

// {"receive": {...}, "transmit": {...}}, each present only with its rule;
// nothing at all when the span has neither.
std::optional<json> auth_report(const ipc::Transaction& txn,
                                const std::optional<db::SecurityDb>& secdb, std::uint64_t engine) {
  if (!secdb) return std::nullopt;
  json out = json::object();
  if (auto rule = secdb->rule_info(txn, db::AuthDirection::receive, engine)) {
    out["receive"] = rule_report(db::AuthDirection::receive, *rule);
  }
  if (auto rule = secdb->rule_info(txn, db::AuthDirection::transmit, engine)) {
    out["transmit"] = rule_report(db::AuthDirection::transmit, *rule);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Every registered task (daemons and clients), with how often the node's
// supervisor restarted it; then each planned daemon that is not running
// now ("running": false: it died and is about to be restarted, or keeps
// dying).
json daemons_report(node::Node& n) {
  json daemons = json::array();
  const auto plan = n.daemon_plan();
  const auto planned = plan ? plan->daemons() : std::vector<node::PlannedDaemon>{};
  auto registry = n.registry();
  const auto tasks = registry ? registry->list() : std::vector<ipc::TaskInfo>{};
  for (const auto& task : tasks) {
    std::uint64_t restarts = 0;
    for (const auto& d : planned) {
      if (d.pid == task.pid) restarts = d.restarts;
    }
    daemons.push_back(
        {{"role", task.role}, {"pid", task.pid}, {"running", true}, {"restarts", restarts}});
  }
  for (const auto& d : planned) {
    if (d.pid != 0 && ipc::process_alive(d.pid, d.start_time)) continue;
    daemons.push_back(
        {{"role", d.role}, {"pid", d.pid}, {"running", false}, {"restarts", d.restarts}});
  }
  return daemons;
}

json heap_report(const ipc::HeapStats& s) {
  return {
      {"file_size", s.file_size},       {"arena_size", s.arena_size},
      {"bytes_in_use", s.bytes_in_use}, {"free_bytes", s.free_bytes},
      {"objects", s.objects},           {"largest_free_block", s.largest_free_block},
  };
}

}  // namespace

Result<Report, std::string> collect_report(const ipc::NodeDir& dir) {
  auto attached = node::Node::attach(dir, {.require_running = false});
  if (!attached) return failure(attached.error().message);
  node::Node& n = *attached.value();
  const bool running = n.engine_started();

  json report = {
      {"node", dir.dir().string()},
      {"engine", n.own_engine_id()},
      {"state", running ? "running" : "stopped"},
      {"time_ms", node::now_ms()},
  };
  auto txn = n.heap().begin();
  if (!txn) {
    return failure(fmt::format("cannot read the heap: {}", ipc::to_string(txn.error())));
  }
  auto ltp = db::LtpDb::open(txn.value());
  if (!ltp) return failure(std::string("the heap has no LTP database: run ltpadmin's `1` first"));
  const db::DbRoot& root = ltp.value().root(txn.value());
  const auto& c = root.config;
  report["config"] = {
      {"est_max_export_sessions", c.est_max_export_sessions},
      {"heapmax", c.heapmax},
      {"screening", c.screening != 0},
      {"ownqtime_ms", c.own_queuing_ms},
      {"maxber", c.maxber},
      {"maxbacklog", c.maxbacklog},
  };
  report["seats"] = ltp.value().list_seats(txn.value());
  json spans = json::array();
  const auto secdb = db::SecurityDb::find(txn.value());
  for (const auto engine : ltp.value().list_spans(txn.value())) {
    const auto addr = ltp.value().find_span(txn.value(), engine);
    if (!addr) continue;
    const db::VolatileSpan* link = n.vdb() ? n.vdb()->find_span(engine) : nullptr;
    const auto registry = n.registry();
    const bool lso_running = registry && registry->is_alive(node::lso_role(engine));
    json span = span_report(*txn.value().get<db::SpanRecord>(*addr), link, lso_running);
    if (auto auth = auth_report(txn.value(), secdb, engine)) span["auth"] = std::move(*auth);
    if (const auto cookies = secdb ? secdb->cookie_rule_info(txn.value(), engine) : std::nullopt) {
      span["cookies"] = {{"passed", cookies->segments_passed},
                         {"refused", cookies->segments_refused},
                         {"sessions", cookies->sessions}};
    }
    spans.push_back(std::move(span));
  }
  report["spans"] = std::move(spans);
  report["node_counters"] = {
      {"malformed_dropped", root.stats.malformed_dropped},
      {"unknown_span_dropped", root.stats.unknown_span_dropped},
      {"keep_alives", root.stats.keep_alives},
  };
  report["heap"] = heap_report(ipc::heap_stats(txn.value()));
  (void)txn.value().commit();

  report["daemons"] = daemons_report(n);
  return success(std::move(report));
}

}  // namespace ltp::ltpstat
