// The contact plan (ionrc contacts and ranges) and what it says about a
// neighbour's link at a given time.
//
// Pure functions over plain values: ContactPlanStore (contact_plan_store.h)
// loads a ContactPlan from the heap, and the future ltpclock asks link_at()
// for each span's rates, OWLT and transmit/receive state (for the engine's
// link_state() and VolatileDb), and upcoming_changes() for when to ask
// again. A neighbour the plan never names in a contact is always up at an
// unlimited rate with OWLT 0, so a local set-up needs no ionrc.
#pragma once

#include <cstdint>
#include <vector>

namespace ltp::db {

// `a contact`: `from_node` may transmit to `to_node` at `rate` bytes/s
// during [start_ms, end_ms) (unix milliseconds).
struct Contact {
  std::uint64_t from_node;
  std::uint64_t to_node;
  std::uint64_t start_ms;
  std::uint64_t end_ms;
  std::uint64_t rate;
  double confidence;
};

// `a range`: the one-way light time between two nodes (either direction)
// during [start_ms, end_ms).
struct Range {
  std::uint64_t node_a;
  std::uint64_t node_b;
  std::uint64_t start_ms;
  std::uint64_t end_ms;
  std::uint64_t owlt_ms;
};

struct ContactPlan {
  std::vector<Contact> contacts;
  std::vector<Range> ranges;
};

// Same convention as VolatileSpan: rate 0 = no rate limit.
inline constexpr std::uint64_t kUnlimitedRate = 0;

struct LinkView {
  bool planned;                 // some contact names the neighbour (either direction)
  bool transmit_up;             // a contact own -> neighbour covers the time
  std::uint64_t transmit_rate;  // bytes/s (kUnlimitedRate if not planned; 0 when down)
  bool receive_up;              // a contact neighbour -> own covers the time
  std::uint64_t receive_rate;
  std::uint64_t owlt_ms;  // a covering range's OWLT; 0 if none
};

// Where contacts (or ranges) overlap, the link is up if any covers the
// time and the highest rate (or longest OWLT) applies.
LinkView link_at(const ContactPlan& plan, std::uint64_t own_node, std::uint64_t neighbour,
                 std::uint64_t now_ms);

// A time after which link_at() may answer differently for `neighbour`.
struct LinkCue {
  std::uint64_t time_ms;
  std::uint64_t neighbour;
  friend bool operator==(const LinkCue&, const LinkCue&) = default;
};

// Starts and ends of the contacts and ranges between the own node and any
// neighbour, strictly after `after_ms`, in time order (then neighbour).
std::vector<LinkCue> upcoming_changes(const ContactPlan& plan, std::uint64_t own_node,
                                      std::uint64_t after_ms);

}  // namespace ltp::db
