// Counters of what ltpnetem did in one direction, per datagram category,
// and their rendering as the exit summary (text table or JSON).
//
// DirectionCore counts; the relay adds send refusals; main.cc prints.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/ltpnetem/category.h"

namespace ltpnetem {

// Why a datagram was not forwarded.
enum class DropReason : std::uint8_t { blackout, rule, loss, queue_full, at_exit };
constexpr std::size_t kDropReasonCount = 5;
std::string_view name(DropReason r);  // "blackout", "rule", "loss", "queue_full", "at_exit"

struct Counters {
  std::uint64_t received = 0;
  std::uint64_t forwarded = 0;    // copies handed to the socket, duplicates included
  std::uint64_t duplicated = 0;   // extra copies made
  std::uint64_t reordered = 0;    // held back behind later datagrams
  std::uint64_t delayed = 0;      // waited for --delay/--jitter
  std::uint64_t rate_queued = 0;  // waited for the --rate cap
  std::array<std::uint64_t, kDropReasonCount> dropped{};

  std::uint64_t dropped_total() const;
  void add(const Counters& other);
};

struct DirectionStats {
  std::array<Counters, kCategoryCount> by_category{};
  std::vector<std::uint64_t> rule_hits;  // per DropRule, in command-line order

  Counters& operator[](Category c) { return by_category[static_cast<std::size_t>(c)]; }
  Counters total() const;
};

// What the summary needs to say about one direction besides its counters.
struct DirectionReport {
  std::string name;     // "ab" or "ba"
  std::string listen;   // bound address
  std::string forward;  // where it forwards to
  std::vector<std::string> rules;
  DirectionStats stats;
  std::uint64_t send_refused = 0;  // forwarded, but the kernel refused to send
};

nlohmann::json to_json(const DirectionReport& report);
std::string to_text(const DirectionReport& report);

}  // namespace ltpnetem
