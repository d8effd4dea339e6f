// Parsers for ltpnetem's option values: percentages, durations, rates,
// sizes, blackout windows, drop rules, and the optional "ab:"/"ba:"
// direction prefix that aims an impairment at one direction only.
//
// Pure functions (no I/O), so every spelling is unit-tested. Errors are
// messages that say what was wrong and show a correct example; main.cc
// prints them and exits 2.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/result.h"
#include "tools/ltpnetem/config.h"

namespace ltpnetem {

template <class T>
using Parsed = ltp::Result<T, std::string>;

// "5%", "0.5%", "100%" -> 0.05, 0.005, 1.
Parsed<double> parse_percent(std::string_view text);
// "250ms", "2s", "1.5s", "20us", "100ns", "1m" -> nanoseconds (unit required).
Parsed<Nanos> parse_duration(std::string_view text);
// "10M", "1.5G", "800k", "56000" -> bits per second (SI multipliers).
Parsed<std::uint64_t> parse_rate(std::string_view text);
// "64k", "1500", "2M" -> octets (SI multipliers).
Parsed<std::uint64_t> parse_size(std::string_view text);
// "2s+3s" -> from t=2 s for 3 s.
Parsed<Blackout> parse_blackout(std::string_view text);
// "cp", "cp#1..2", "data#3", "rs#2..4", "ra#5..", "cp#1,3" (see --help).
Parsed<DropRule> parse_drop_rule(std::string_view text);

// Index 0: ab (listen A -> forward to B), 1: ba.
using DirectionConfigs = std::array<DirectionConfig, 2>;

// Applies one impairment option (its long name without dashes, e.g.
// "loss") with its value, which may start with "ab:" or "ba:" to apply
// to one direction; without a prefix it applies to both.
Parsed<void> apply_impairment(DirectionConfigs& configs, std::string_view option,
                              std::string_view value);

// The impairment options apply_impairment() knows, in help order.
constexpr std::array<std::string_view, 10> kImpairmentOptions{
    "loss", "duplicate", "reorder", "delay",    "jitter",
    "rate", "burst",     "queue",   "blackout", "drop"};

}  // namespace ltpnetem
