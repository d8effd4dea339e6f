#include "tests/bench/long_link.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace ltp::bench {

std::vector<std::string> relay_arguments(const std::filesystem::path& ltpnetem,
                                         const LongLink& link, const RelayPorts& ports,
                                         const std::filesystem::path& ready_file,
                                         std::uint64_t gap_starts_ms) {
  std::vector<std::string> argv{
      ltpnetem.string(),
      "--ab",
      fmt::format("127.0.0.1:{}=127.0.0.1:{}", ports.relay_ab, ports.port_b),
      "--ba",
      fmt::format("127.0.0.1:{}=127.0.0.1:{}", ports.relay_ba, ports.port_a),
      "--seed",
      std::to_string(link.seed),
      "--ready-file",
      ready_file.string(),
      "--json"};
  if (link.loss_percent > 0) {
    argv.insert(argv.end(), {"--loss", fmt::format("{}%", link.loss_percent)});
  }
  if (link.owlt_s > 0) argv.insert(argv.end(), {"--delay", fmt::format("{}s", link.owlt_s)});
  if (link.rate_bps > 0) {
    // Room for the rate's worth of a second: the sender paces to the
    // same rate, so the queue only smooths its bursts.
    const std::uint64_t datagrams =
        std::max<std::uint64_t>(1000, link.rate_bps / 8 / link.segment_size);
    argv.insert(argv.end(),
                {"--rate", std::to_string(link.rate_bps), "--queue", std::to_string(datagrams)});
  }
  if (link.gap_length_s != 0) {
    argv.insert(argv.end(), {"--blackout", fmt::format("{}ms+{}ms", gap_starts_ms + 500,
                                                       link.gap_length_s * 1000 - 1000)});
  }
  return argv;
}

bool parse_gap(const std::string& text, LongLink& link) {
  unsigned start = 0, length = 0;
  char plus = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &start, &plus, &length, &extra) != 3 || plus != '+' ||
      length < 2) {
    return false;
  }
  link.gap_start_s = start;
  link.gap_length_s = length;
  return true;
}

double physical_bound(const LongLink& link) {
  const std::uint64_t payload = link.segment_size - 20;
  const double wire_octets = static_cast<double>(link.blocks) *
                             static_cast<double>((link.block_size + payload - 1) / payload) *
                             static_cast<double>(link.segment_size);
  return wire_octets * 8 / static_cast<double>(link.rate_bps) +
         3 * static_cast<double>(link.owlt_s) + static_cast<double>(link.gap_length_s);
}

nlohmann::json relay_drops(const std::string& summary_text) {
  const auto summary = nlohmann::json::parse(summary_text, nullptr, false);
  if (!summary.is_object()) return nullptr;
  nlohmann::json dropped = nlohmann::json::object();
  for (const auto& direction : summary.value("directions", nlohmann::json::array())) {
    for (const auto& [reason, n] : direction["total"]["dropped"].items()) {
      dropped[reason] = dropped.value(reason, std::uint64_t{0}) + n.get<std::uint64_t>();
    }
  }
  return dropped;
}

}  // namespace ltp::bench
