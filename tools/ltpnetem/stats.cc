#include "tools/ltpnetem/stats.h"

#include <fmt/format.h>

namespace ltpnetem {
namespace {

nlohmann::json counters_json(const Counters& c) {
  nlohmann::json dropped = {{"total", c.dropped_total()}};
  for (std::size_t r = 0; r < kDropReasonCount; ++r) {
    dropped[std::string(name(static_cast<DropReason>(r)))] = c.dropped[r];
  }
  return {{"received", c.received},       {"forwarded", c.forwarded},
          {"duplicated", c.duplicated},   {"reordered", c.reordered},
          {"delayed", c.delayed},         {"rate_queued", c.rate_queued},
          {"dropped", std::move(dropped)}};
}

std::string counters_row(std::string_view label, const Counters& c) {
  return fmt::format("  {:<12} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9} {:>11}\n", label, c.received,
                     c.forwarded, c.dropped_total(), c.duplicated, c.reordered, c.delayed,
                     c.rate_queued);
}

}  // namespace

std::string_view name(DropReason r) {
  constexpr std::array<std::string_view, kDropReasonCount> kNames{"blackout", "rule", "loss",
                                                                  "queue_full", "at_exit"};
  return kNames[static_cast<std::size_t>(r)];
}

std::uint64_t Counters::dropped_total() const {
  std::uint64_t total = 0;
  for (auto d : dropped) total += d;
  return total;
}

void Counters::add(const Counters& o) {
  received += o.received;
  forwarded += o.forwarded;
  duplicated += o.duplicated;
  reordered += o.reordered;
  delayed += o.delayed;
  rate_queued += o.rate_queued;
  for (std::size_t r = 0; r < kDropReasonCount; ++r) dropped[r] += o.dropped[r];
}

Counters DirectionStats::total() const {
  Counters sum;
  for (const auto& c : by_category) sum.add(c);
  return sum;
}

nlohmann::json to_json(const DirectionReport& report) {
  nlohmann::json by_type = nlohmann::json::object();
  for (std::size_t i = 0; i < kCategoryCount; ++i) {
    const Counters& c = report.stats.by_category[i];
    if (c.received > 0) by_type[std::string(label(static_cast<Category>(i)))] = counters_json(c);
  }
  nlohmann::json rules = nlohmann::json::array();
  for (std::size_t i = 0; i < report.rules.size(); ++i) {
    rules.push_back({{"rule", report.rules[i]}, {"dropped", report.stats.rule_hits[i]}});
  }
  return {{"direction", report.name},           {"listen", report.listen},
          {"forward", report.forward},          {"total", counters_json(report.stats.total())},
          {"by_type", std::move(by_type)},      {"drop_rules", std::move(rules)},
          {"send_refused", report.send_refused}};
}

std::string to_text(const DirectionReport& report) {
  std::string text = fmt::format("{} {} -> {}\n", report.name, report.listen, report.forward);
  text +=
      fmt::format("  {:<12} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9} {:>11}\n", "type", "received",
                  "forwarded", "dropped", "duplicated", "reordered", "delayed", "rate-queued");
  for (std::size_t i = 0; i < kCategoryCount; ++i) {
    const Counters& c = report.stats.by_category[i];
    if (c.received > 0) text += counters_row(label(static_cast<Category>(i)), c);
  }
  const Counters total = report.stats.total();
  text += counters_row("total", total);
  if (total.dropped_total() > 0) {
    text += "  dropped by:";
    for (std::size_t r = 0; r < kDropReasonCount; ++r) {
      if (total.dropped[r] > 0)
        text += fmt::format(" {} {}", name(static_cast<DropReason>(r)), total.dropped[r]);
    }
    text += "\n";
  }
  for (std::size_t i = 0; i < report.rules.size(); ++i) {
    text += fmt::format("  rule {}: dropped {}\n", report.rules[i], report.stats.rule_hits[i]);
  }
  if (report.send_refused > 0)
    text += fmt::format("  refused by the kernel on sending: {}\n", report.send_refused);
  return text;
}

}  // namespace ltpnetem
