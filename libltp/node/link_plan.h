// Applying the contact plan to a running node: what each span's link is
// doing now (rates, OWLT, who may transmit) goes into the volatile
// database, and a change in whether the remote engine transmits goes to
// the engine's link_state() so timers awaiting its answers are suspended
// or resumed.
//
// Node start calls it once to seed the volatile database; ltpclock calls
// it at every contact or range boundary (next_link_change()).
#pragma once

#include <cstdint>
#include <optional>

#include "ipc/heap.h"
#include "libltp/db/contact_plan.h"
#include "libltp/engine/engine.h"
#include "libltp/node/node.h"

namespace ltp::node {

// The node's contact plan (empty if ionadmin never ran: every link up).
db::ContactPlan load_contact_plan(ipc::Heap& heap);

// Updates every span's volatile entry for `now`; tells `engine` when a
// remote engine starts or stops transmitting. Returns false on a heap error.
bool apply_link_plan(Node& node, engine::Engine& engine, const db::ContactPlan& plan,
                     std::uint64_t now);

// The next time apply_link_plan() may change something, if any.
std::optional<std::uint64_t> next_link_change(const Node& node, const db::ContactPlan& plan,
                                              std::uint64_t now);

}  // namespace ltp::node
