// Test helper: everything the admin commands can change in a heap (LTP
// database, contact plan, security database with its keys' values, and
// the allocator's count of objects and bytes in use), rendered as text,
// so a test can show that a rejected line left the heap exactly as it
// was — nothing changed, nothing leaked.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>

#include "ipc/allocator.h"
#include "ipc/heap.h"
#include "libltp/admin/ionrc_admin.h"
#include "libltp/db/contact_plan_store.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/security_db.h"

namespace ltp::admin::testing {

inline std::string dump(ipc::Heap& heap) {
  auto txn = heap.begin().value();
  std::string out;
  if (auto ltp = db::LtpDb::open(txn)) {
    const auto& root = ltp.value().root(txn);
    const auto& n = root.config;
    out += fmt::format("engine {} est {} heapmax {} screening {} ownq {} maxber {} backlog {}\n",
                       root.own_engine_id, n.est_max_export_sessions, n.heapmax, n.screening,
                       n.own_queuing_ms, n.maxber, n.maxbacklog);
    for (auto engine : ltp.value().list_spans(txn)) {
      const auto s = ltp.value().span_info(txn, engine).value();
      out += fmt::format("span {} {} {} {} {} {} {} {} '{}'\n", s.engine_id, s.max_export_sessions,
                         s.max_import_sessions, s.max_segment_size, s.aggregation_size_threshold,
                         s.aggregation_time_limit_ms, s.queuing_latency_ms, s.purge,
                         s.lso_command.data());
    }
    for (const auto& seat : ltp.value().list_seats(txn)) out += fmt::format("seat '{}'\n", seat);
  }
  if (auto plan = db::ContactPlanStore::open(txn)) {
    const auto& r = plan.value().root(txn);
    out +=
        fmt::format("node {} horizon {} clockerr {}\n", r.own_node, r.horizon_ms, r.clock_error_ms);
    const auto all = plan.value().load(txn);
    for (const auto& c : all.contacts) out += describe(c) + "\n";
    for (const auto& g : all.ranges) out += describe(g) + "\n";
  }
  if (auto secdb = db::SecurityDb::find(txn)) {
    out += "security database\n";
    for (const auto& key : secdb->list_keys(txn)) {
      const auto value = secdb->key_value(txn, key.name).value();
      out += fmt::format("key '{}' {:02x}\n", key.name, fmt::join(value, ""));
    }
    for (auto direction : {db::AuthDirection::receive, db::AuthDirection::transmit}) {
      for (const auto& r : secdb->list_rules(txn, direction)) {
        out += fmt::format("rule {} {} {} '{}' {} {}\n",
                           direction == db::AuthDirection::receive ? "rx" : "tx", r.engine_id,
                           r.ciphersuite, r.key_name, r.segments_passed, r.segments_refused);
      }
    }
  }
  std::vector<std::string> problems;
  const auto arena = ipc::detail::check_allocator(txn, problems);
  out += fmt::format("arena: {} objects, {} bytes in use, {} problems\n", arena.blocks_in_use,
                     arena.bytes_in_use, problems.size());
  txn.abort();
  return out;
}

}  // namespace ltp::admin::testing
