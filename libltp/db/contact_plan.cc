#include "libltp/db/contact_plan.h"

#include <algorithm>

namespace ltp::db {

namespace {

bool covers(std::uint64_t start_ms, std::uint64_t end_ms, std::uint64_t t) {
  return start_ms <= t && t < end_ms;
}

bool between(std::uint64_t a, std::uint64_t b, std::uint64_t x, std::uint64_t y) {
  return (a == x && b == y) || (a == y && b == x);
}

}  // namespace

LinkView link_at(const ContactPlan& plan, std::uint64_t own_node, std::uint64_t neighbour,
                 std::uint64_t now_ms) {
  LinkView view{};
  for (const Contact& c : plan.contacts) {
    const bool out = c.from_node == own_node && c.to_node == neighbour;
    const bool in = c.from_node == neighbour && c.to_node == own_node;
    if (!out && !in) continue;
    view.planned = true;
    if (!covers(c.start_ms, c.end_ms, now_ms)) continue;
    if (out) {
      view.transmit_up = true;
      view.transmit_rate = std::max(view.transmit_rate, c.rate);
    }
    if (in) {
      view.receive_up = true;
      view.receive_rate = std::max(view.receive_rate, c.rate);
    }
  }
  if (!view.planned) {
    return LinkView{false, true, kUnlimitedRate, true, kUnlimitedRate, 0};
  }
  for (const Range& r : plan.ranges) {
    if (between(r.node_a, r.node_b, own_node, neighbour) && covers(r.start_ms, r.end_ms, now_ms)) {
      view.owlt_ms = std::max(view.owlt_ms, r.owlt_ms);
    }
  }
  return view;
}

std::vector<LinkCue> upcoming_changes(const ContactPlan& plan, std::uint64_t own_node,
                                      std::uint64_t after_ms) {
  std::vector<LinkCue> cues;
  const auto add = [&](std::uint64_t a, std::uint64_t b, std::uint64_t start, std::uint64_t end) {
    if (a != own_node && b != own_node) return;
    const std::uint64_t neighbour = a == own_node ? b : a;
    for (std::uint64_t t : {start, end}) {
      if (t > after_ms) cues.push_back(LinkCue{t, neighbour});
    }
  };
  for (const Contact& c : plan.contacts) add(c.from_node, c.to_node, c.start_ms, c.end_ms);
  for (const Range& r : plan.ranges) add(r.node_a, r.node_b, r.start_ms, r.end_ms);
  std::sort(cues.begin(), cues.end(), [](const LinkCue& x, const LinkCue& y) {
    return x.time_ms != y.time_ms ? x.time_ms < y.time_ms : x.neighbour < y.neighbour;
  });
  cues.erase(std::unique(cues.begin(), cues.end()), cues.end());
  return cues;
}

}  // namespace ltp::db
