#include "libltp/engine/testing/link_models.h"

#include <algorithm>
#include <map>
#include <random>

namespace ltp::engine::testing {

namespace {
bool dropped_at_random(std::mt19937_64& rng, double loss) {
  if (loss <= 0) return false;
  std::uniform_real_distribution<double> u(0, 1);
  return u(rng) < loss;
}
}  // namespace

LinkFilter bottleneck_filter(Bottleneck spec, std::shared_ptr<LinkCounts> counts) {
  auto busy_until_us = std::make_shared<std::map<std::uint64_t, std::uint64_t>>();
  auto rng = std::make_shared<std::mt19937_64>(spec.seed);
  return [=](const Crossing& c) {
    const bool counted = c.from == Lockstep::kA && codec::is_data(c.type);
    const std::uint64_t rate = std::max<std::uint64_t>(spec.rate(c.sent_at), 1);
    std::uint64_t& busy = (*busy_until_us)[c.from];
    const std::uint64_t at = c.sent_at * 1000;
    const std::uint64_t queued_us = busy > at ? busy - at : 0;
    if (queued_us * rate / 1'000'000 + c.bytes.size() > spec.buffer) {
      if (counted) ++counts->data_dropped;
      return Verdict{0, 0};
    }
    busy = std::max(busy, at) + c.bytes.size() * 1'000'000 / rate;
    if (dropped_at_random(*rng, spec.loss)) {
      if (counted) ++counts->data_dropped;
      return Verdict{0, 0};
    }
    return Verdict{1, (busy - at) / 1000};
  };
}

LinkFilter lossy_filter(double loss, std::uint64_t seed, std::shared_ptr<LinkCounts> counts) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [=](const Crossing& c) {
    if (!dropped_at_random(*rng, loss)) return Verdict{};
    if (c.from == Lockstep::kA && codec::is_data(c.type)) ++counts->data_dropped;
    return Verdict{0, 0};
  };
}

}  // namespace ltp::engine::testing
