#include "tools/ltpnetem/parse.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace ltpnetem {
namespace {

using ltp::failure;
using ltp::success;

struct Number {
  double value = 0;
  std::string_view suffix;
};

// A non-negative decimal number and whatever follows it.
std::optional<Number> leading_number(std::string_view text) {
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return std::nullopt;
  return Number{value, text.substr(static_cast<std::size_t>(end - text.data()))};
}

std::optional<double> si_multiplier(std::string_view suffix) {
  if (suffix.empty()) return 1.0;
  if (suffix == "k" || suffix == "K") return 1e3;
  if (suffix == "M") return 1e6;
  if (suffix == "G") return 1e9;
  return std::nullopt;
}

Parsed<std::uint64_t> parse_si(std::string_view text, std::string_view what,
                               std::string_view example) {
  const auto number = leading_number(text);
  const auto multiplier = number ? si_multiplier(number->suffix) : std::nullopt;
  const double value = number && multiplier ? number->value * *multiplier : -1;
  if (value < 1 || value > 1e18) {
    return failure(fmt::format(
        "'{}' is not a {} (a positive number, optionally followed by k, M or G; e.g. {})", text,
        what, example));
  }
  return static_cast<std::uint64_t>(std::llround(value));
}

Parsed<std::uint64_t> parse_index(std::string_view text, std::string_view rule) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0) {
    return failure(fmt::format(
        "drop rule '{}': positions count from 1 (e.g. cp#1..2, data#3, rs#2..4, ra#5..)", rule));
  }
  return value;
}

Parsed<IndexRange> parse_range(std::string_view text, std::string_view rule) {
  const auto dots = text.find("..");
  if (dots == std::string_view::npos) {
    BOOST_OUTCOME_TRY(n, parse_index(text, rule));
    return IndexRange{n, n};
  }
  IndexRange range;
  BOOST_OUTCOME_TRY(first, parse_index(text.substr(0, dots), rule));
  range.first = first;
  if (dots + 2 < text.size()) {
    BOOST_OUTCOME_TRY(last, parse_index(text.substr(dots + 2), rule));
    range.last = last;
  }
  if (range.last < range.first) {
    return failure(fmt::format("drop rule '{}': range {} is empty (write the lower position first)",
                               rule, text));
  }
  return range;
}

}  // namespace

Parsed<double> parse_percent(std::string_view text) {
  const auto number = leading_number(text);
  if (!number || number->suffix != "%" || number->value > 100) {
    return failure(fmt::format("'{}' is not a percentage from 0% to 100% (e.g. 5% or 0.5%)", text));
  }
  return number->value / 100;
}

Parsed<Nanos> parse_duration(std::string_view text) {
  const auto number = leading_number(text);
  struct Unit {
    std::string_view name;
    double nanos;
  };
  constexpr std::array kUnits{Unit{"ns", 1}, Unit{"us", 1e3}, Unit{"ms", 1e6}, Unit{"s", 1e9},
                              Unit{"m", 60e9}};
  if (number) {
    for (const auto& unit : kUnits) {
      const double nanos = number->value * unit.nanos;
      if (number->suffix == unit.name && nanos < 1e18) {
        return Nanos(static_cast<Nanos::rep>(std::llround(nanos)));
      }
    }
  }
  return failure(fmt::format(
      "'{}' is not a duration (a number with a unit ns, us, ms, s or m; e.g. 250ms, 2s)", text));
}

Parsed<std::uint64_t> parse_rate(std::string_view text) {
  return parse_si(text, "rate in bits per second", "10M for 10 Mbit/s");
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
  return parse_si(text, "size in octets", "64k");
}

Parsed<Blackout> parse_blackout(std::string_view text) {
  const auto plus = text.find('+');
  if (plus == std::string_view::npos) {
    return failure(fmt::format(
        "blackout '{}' needs START+LENGTH (e.g. 2s+3s: from 2 s after start, for 3 s)", text));
  }
  BOOST_OUTCOME_TRY(start, parse_duration(text.substr(0, plus)));
  BOOST_OUTCOME_TRY(length, parse_duration(text.substr(plus + 1)));
  return Blackout{start, length};
}

Parsed<DropRule> parse_drop_rule(std::string_view text) {
  const auto hash = text.find('#');
  const auto name = text.substr(0, hash);
  const auto types = type_class(name);
  if (!types) {
    return failure(fmt::format("drop rule '{}': unknown segment type '{}' (use one of {})", text,
                               name, type_class_names()));
  }
  DropRule rule{std::string(text), *types, {}};
  if (hash == std::string_view::npos) return rule;
  std::string_view list = text.substr(hash + 1);
  while (true) {
    const auto comma = list.find(',');
    BOOST_OUTCOME_TRY(range, parse_range(list.substr(0, comma), text));
    rule.ranges.push_back(range);
    if (comma == std::string_view::npos) break;
    list = list.substr(comma + 1);
  }
  return rule;
}

Parsed<void> apply_impairment(DirectionConfigs& configs, std::string_view option,
                              std::string_view value) {
  bool wanted[2] = {true, true};
  if (value.starts_with("ab:") || value.starts_with("ba:")) {
    wanted[value.starts_with("ab:") ? 1 : 0] = false;
    value.remove_prefix(3);
  }
  const auto fail = [&](const std::string& message) -> Parsed<void> {
    return failure(fmt::format("--{}: {}", option, message));
  };
  for (std::size_t d = 0; d < 2; ++d) {
    if (!wanted[d]) continue;
    DirectionConfig& c = configs[d];
    if (option == "loss" || option == "duplicate") {
      auto p = parse_percent(value);
      if (!p) return fail(p.error());
      (option == "loss" ? c.loss : c.duplicate) = p.value();
    } else if (option == "reorder") {
      const auto slash = value.find('/');
      auto p = parse_percent(value.substr(0, slash));
      if (!p) return fail(p.error() + "; the form is P%[/K], e.g. 10%/2");
      c.reorder = p.value();
      c.reorder_distance = 1;
      if (slash != std::string_view::npos) {
        unsigned k = 0;
        const auto tail = value.substr(slash + 1);
        const auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), k);
        if (tail.empty() || ec != std::errc() || end != tail.data() + tail.size() || k == 0 ||
            k > 1000) {
          return fail(fmt::format(
              "'{}' after '/' must be how many later datagrams pass first (1-1000)", tail));
        }
        c.reorder_distance = k;
      }
    } else if (option == "delay" || option == "jitter") {
      auto t = parse_duration(value);
      if (!t) return fail(t.error());
      (option == "delay" ? c.delay : c.jitter) = t.value();
    } else if (option == "rate" || option == "burst" || option == "queue") {
      auto n = option == "rate"    ? parse_rate(value)
               : option == "burst" ? parse_size(value)
                                   : parse_si(value, "number of datagrams", "1000");
      if (!n) return fail(n.error());
      if (option == "rate") c.rate_bps = n.value();
      if (option == "burst") c.burst_bits = n.value() * 8;
      if (option == "queue") c.queue_limit = n.value();
    } else if (option == "blackout") {
      auto b = parse_blackout(value);
      if (!b) return fail(b.error());
      c.blackouts.push_back(b.value());
    } else if (option == "drop") {
      auto r = parse_drop_rule(value);
      if (!r) return fail(r.error());
      c.drops.push_back(std::move(r).value());
    } else {
      return fail("not an impairment option");
    }
  }
  return success();
}

}  // namespace ltpnetem
