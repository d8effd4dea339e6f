// The long-link benchmark's link, shared by the two programs that run it
// over the same relay: ltpbench (an OpenLTP pair, tests/bench/ltpbench.cc)
// and ionbench (an ION 4.1.3 pair, tests/ion/ion_bench.cc). Both start
// ltpnetem with relay_arguments(), report against physical_bound(), and
// read what the relay dropped with relay_drops(); so their figures in one
// scripts/bench run are for the same link.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ltp::bench {

struct LongLink {
  std::uint64_t owlt_s = 1;              // each way
  std::uint64_t rate_bps = 50'000'000;   // each way
  double loss_percent = 0;               // each way
  std::uint64_t seed = 1;                // ltpnetem's
  std::uint64_t segment_size = 1400;     // whole segment, header counted as 20 octets
  std::uint64_t block_size = 1'000'000;  // every block all red
  int blocks = 50;
  std::uint64_t gap_start_s = 0, gap_length_s = 0;  // a contact gap, or none
};

// What relays each direction: datagrams to 127.0.0.1:`relay_ab` go on to
// 127.0.0.1:`port_b`, to `relay_ba` on to `port_a`.
struct RelayPorts {
  int relay_ab = 0, port_b = 0, relay_ba = 0, port_a = 0;
};

// ltpnetem's command line (program first) for `link`: its loss, light
// time and rate each way (a queue of a second's worth at the rate), and,
// with a gap, a blackout from 0.5 s after the gap starts to 0.5 s before
// it ends; `gap_starts_ms` is when the contacts end, in ms after the relay
// starts. It writes `ready_file` once listening and its --json summary
// to standard output when stopped.
std::vector<std::string> relay_arguments(const std::filesystem::path& ltpnetem,
                                         const LongLink& link, const RelayPorts& ports,
                                         const std::filesystem::path& ready_file,
                                         std::uint64_t gap_starts_ms);

// Reads `--gap START+LENGTH` (whole seconds, LENGTH at least 2: the
// blackout leaves half a second at each end) into `link`; false if it
// does not parse.
bool parse_gap(const std::string& text, LongLink& link);

// Seconds no engine can beat: the first pass's octets at the rate, the
// light time for its last octets to arrive, one round trip for the report
// and the retransmission it asks for, and the gap.
double physical_bound(const LongLink& link);

// What the relay dropped, by reason, both directions together, from its
// --json summary's text (null if it is none).
nlohmann::json relay_drops(const std::string& summary);

}  // namespace ltp::bench
