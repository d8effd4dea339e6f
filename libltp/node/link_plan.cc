#include "libltp/node/link_plan.h"
#include "libltp/db/volatile_db.h"

#include <spdlog/spdlog.h>

#include "libltp/db/contact_plan_store.h"
#include "libltp/db/ltp_db.h"

namespace ltp::node {

db::ContactPlan load_contact_plan(ipc::Heap& heap) {
  auto txn = heap.begin();
  if (!txn) return {};
  db::ContactPlan plan;
  if (auto store = db::ContactPlanStore::open(txn.value())) plan = store.value().load(txn.value());
  (void)txn.value().commit();
  return plan;
}

bool apply_link_plan(Node& node, engine::Engine& engine, const db::ContactPlan& plan,
                     std::uint64_t now) {
  db::VolatileDb* vdb = node.vdb();
  if (vdb == nullptr) return true;
  std::vector<std::uint64_t> spans;
  {
    auto txn = node.heap().begin();
    if (!txn) return false;
    spans = engine.db().list_spans(txn.value());
    (void)txn.value().commit();
  }
  bool ok = true;
  for (const auto span : spans) {
    const auto view = db::link_at(plan, node.own_engine_id(), span, now);
    db::VolatileSpan* v = vdb->span(span);
    if (v == nullptr) continue;
    v->owlt_ms = view.owlt_ms;
    v->transmit_rate = view.transmit_rate;
    v->receive_rate = view.receive_rate;
    v->local_transmitting = view.transmit_up ? 1 : 0;
    const bool remote_up = view.receive_up;
    if ((v->remote_transmitting != 0) != remote_up) {
      spdlog::info("span {}: remote engine {} transmitting", span, remote_up ? "starts" : "stops");
      if (!engine.link_state(span, remote_up, now)) ok = false;
    }
  }
  return ok;
}

std::optional<std::uint64_t> next_link_change(const Node& node, const db::ContactPlan& plan,
                                              std::uint64_t now) {
  const auto cues = db::upcoming_changes(plan, node.own_engine_id(), now);
  if (cues.empty()) return std::nullopt;
  return cues.front().time_ms;
}

}  // namespace ltp::node
