// The impairments ltpnetem applies to one direction of the relay, as
// plain values. Built from the command line by parse.h, consumed by
// DirectionCore (the decisions) and printed back in the summary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "libltp/udp/clock.h"
#include "tools/ltpnetem/category.h"

namespace ltpnetem {

using ltp::udp::Nanos;

// Which datagrams of a type class a drop rule takes, by their 1-based
// position among the datagrams of that class seen in this direction.
struct IndexRange {
  std::uint64_t first = 1;
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
};

struct DropRule {
  std::string text;  // as given, e.g. "cp#1..2", for the summary
  TypeClass types = 0;
  std::vector<IndexRange> ranges;  // empty: every datagram of the class
};

// The link is down from `start` (time since the relay started) for `length`.
struct Blackout {
  Nanos start{0};
  Nanos length{0};
};

struct DirectionConfig {
  double loss = 0;                // probability, 0..1
  double duplicate = 0;           // probability of a second copy
  double reorder = 0;             // probability of holding a datagram back
  unsigned reorder_distance = 1;  // ... until this many later ones went by
  Nanos delay{0};
  Nanos jitter{0};                 // delay varies uniformly within +-jitter
  std::uint64_t rate_bps = 0;      // 0: no cap
  std::uint64_t burst_bits = 0;    // 0: one largest datagram (65535 octets)
  std::size_t queue_limit = 1000;  // datagrams waiting for the rate cap
  std::vector<Blackout> blackouts;
  std::vector<DropRule> drops;

  // Whether datagrams may have to wait in the relay (else they are
  // forwarded straight from the receive buffer).
  bool queues() const {
    return reorder > 0 || delay > Nanos(0) || jitter > Nanos(0) || rate_bps > 0;
  }
};

// A held-back datagram goes out after this long even if fewer than
// reorder_distance others followed it (the traffic may have stopped).
constexpr Nanos kHoldLimit = std::chrono::seconds(1);

}  // namespace ltpnetem
