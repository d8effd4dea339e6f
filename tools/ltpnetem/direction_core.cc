#include "tools/ltpnetem/direction_core.h"

#include <fmt/format.h>

#include <algorithm>

namespace ltpnetem {
namespace {

// Buffers kept for reuse; beyond this they are freed.
constexpr std::size_t kSpareBuffers = 4096;
// Default burst of the rate cap: one largest UDP datagram.
constexpr std::uint64_t kDefaultBurstBits = 65535 * 8;

enum Stream : unsigned { kLoss, kDuplicate, kReorder, kJitter };

std::mt19937_64 generator(std::uint64_t seed, unsigned direction, Stream purpose) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    direction, static_cast<unsigned>(purpose)};
  return std::mt19937_64(seq);
}

// Uniform in [0, 1), the same on every platform (unlike the std distributions).
double unit_draw(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }

bool selects(const DropRule& rule, std::uint64_t position) {
  if (rule.ranges.empty()) return true;
  return std::any_of(rule.ranges.begin(), rule.ranges.end(), [&](const IndexRange& r) {
    return position >= r.first && position <= r.last;
  });
}

std::string_view reason_text(DropReason reason) {
  switch (reason) {
    case DropReason::blackout:
      return "dropped (blackout)";
    case DropReason::rule:
      return "dropped (rule)";
    case DropReason::loss:
      return "dropped (random loss)";
    case DropReason::queue_full:
      return "dropped (rate queue full)";
    case DropReason::at_exit:
      return "dropped (still queued at exit)";
  }
  return "dropped";
}

}  // namespace

DirectionCore::DirectionCore(DirectionConfig config, std::uint64_t seed, unsigned stream,
                             Nanos start, Log log)
    : config_(std::move(config)),
      start_(start),
      log_(std::move(log)),
      rule_seen_(config_.drops.size()),
      loss_rng_(generator(seed, stream, kLoss)),
      duplicate_rng_(generator(seed, stream, kDuplicate)),
      reorder_rng_(generator(seed, stream, kReorder)),
      jitter_rng_(generator(seed, stream, kJitter)) {
  stats_.rule_hits.resize(config_.drops.size());
  if (config_.rate_bps > 0) {
    bucket_.emplace(config_.rate_bps, config_.burst_bits ? config_.burst_bits : kDefaultBurstBits,
                    start);
  }
}

void DirectionCore::note(const Item& item, std::string_view action) const {
  if (log_)
    log_(fmt::format("#{} {} ({} octets) {}", item.number, label(item.category), item.bytes.size(),
                     action));
}

bool DirectionCore::in_blackout(Nanos now) const {
  const Nanos t = now - start_;
  return std::any_of(config_.blackouts.begin(), config_.blackouts.end(),
                     [&](const Blackout& b) { return t >= b.start && t < b.start + b.length; });
}

std::optional<std::size_t> DirectionCore::matching_rule(Category category) {
  std::optional<std::size_t> hit;
  // Every rule's position advances, whichever rule (if any) drops the datagram.
  for (std::size_t i = 0; i < config_.drops.size(); ++i) {
    if (!contains(config_.drops[i].types, category)) continue;
    if (selects(config_.drops[i], ++rule_seen_[i]) && !hit) hit = i;
  }
  return hit;
}

void DirectionCore::drop(const Item& item, DropReason reason) {
  ++stats_[item.category].dropped[static_cast<std::size_t>(reason)];
  note(item, reason_text(reason));
}

void DirectionCore::receive(std::span<const std::uint8_t> datagram, Nanos now, Sink& sink) {
  const Item item{datagram, classify(datagram), ++received_};
  ++stats_[item.category].received;
  const auto rule = matching_rule(item.category);
  const bool lost = config_.loss > 0 && unit_draw(loss_rng_) < config_.loss;
  if (in_blackout(now)) return drop(item, DropReason::blackout);
  if (rule) {
    ++stats_.rule_hits[*rule];
    note(item, "matches drop rule " + config_.drops[*rule].text);
    return drop(item, DropReason::rule);
  }
  if (lost) return drop(item, DropReason::loss);
  reorder_stage(item, now, sink);
}

void DirectionCore::reorder_stage(Item item, Nanos now, Sink& sink) {
  const bool hold = config_.reorder > 0 && unit_draw(reorder_rng_) < config_.reorder;
  if (hold && !held_) {
    ++stats_[item.category].reordered;
    note(item, fmt::format("held back behind the next {}", config_.reorder_distance));
    held_.emplace(Held{keep(item), config_.reorder_distance, now});
    return;
  }
  duplicate_stage(item, now, sink);
  if (held_ && --held_->remaining == 0) release_held(now, sink);
}

void DirectionCore::release_held(Nanos now, Sink& sink) {
  if (!held_) return;
  Packet packet = std::move(held_->packet);
  held_.reset();
  duplicate_stage({packet.bytes, packet.category, packet.number, &packet}, now, sink);
  // If no stage took the packet (dropped), a duplicate may still point into it.
  if (packet.bytes.capacity() > 0) in_flight_.push_back(std::move(packet));
}

void DirectionCore::duplicate_stage(Item item, Nanos now, Sink& sink) {
  if (config_.duplicate > 0 && unit_draw(duplicate_rng_) < config_.duplicate) {
    ++stats_[item.category].duplicated;
    note(item, "duplicated");
    // The copy goes first and borrows, because the original may be moved.
    delay_stage({item.bytes, item.category, item.number, nullptr}, now, sink);
  }
  delay_stage(item, now, sink);
}

void DirectionCore::delay_stage(Item item, Nanos now, Sink& sink) {
  if (config_.delay <= Nanos(0) && config_.jitter <= Nanos(0)) return rate_stage(item, now, sink);
  Nanos due = now + config_.delay;
  if (config_.jitter > Nanos(0)) {
    const auto width = static_cast<std::uint64_t>(2 * config_.jitter.count() + 1);
    due += Nanos(static_cast<Nanos::rep>(jitter_rng_() % width)) - config_.jitter;
  }
  due = std::max(due, now);
  ++stats_[item.category].delayed;
  note(item, fmt::format("delayed {} us", (due - now).count() / 1000));
  delayed_.emplace(DueKey{due, ++order_}, keep(item));
}

void DirectionCore::rate_stage(Item item, Nanos now, Sink& sink) {
  if (!bucket_) return forward(item, sink);
  const std::uint64_t bits = item.bytes.size() * 8;
  if (rate_queue_.empty() && bucket_->try_take(bits, now)) return forward(item, sink);
  if (rate_queue_.size() >= config_.queue_limit) return drop(item, DropReason::queue_full);
  ++stats_[item.category].rate_queued;
  note(item, "queued for the rate cap");
  rate_queue_.push_back(keep(item));
}

void DirectionCore::forward(Item item, Sink& sink) {
  ++stats_[item.category].forwarded;
  if (log_) note(item, "forwarded");
  sink.forward(item.bytes);
  if (item.owned) in_flight_.push_back(std::move(*item.owned));
}

DirectionCore::Packet DirectionCore::keep(Item item) {
  if (item.owned) return std::move(*item.owned);
  Packet packet;
  if (!spare_buffers_.empty()) {
    packet.bytes = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  packet.bytes.assign(item.bytes.begin(), item.bytes.end());
  packet.category = item.category;
  packet.number = item.number;
  return packet;
}

void DirectionCore::reuse(std::vector<std::uint8_t>&& buffer) {
  if (buffer.capacity() == 0 || spare_buffers_.size() >= kSpareBuffers) return;
  buffer.clear();
  spare_buffers_.push_back(std::move(buffer));
}

void DirectionCore::release_due(Nanos now, Sink& sink) {
  if (held_ && now - held_->since >= kHoldLimit) release_held(now, sink);
  while (!delayed_.empty() && delayed_.begin()->first.due <= now) {
    auto node = delayed_.extract(delayed_.begin());
    Packet& p = node.mapped();
    rate_stage({p.bytes, p.category, p.number, &p}, now, sink);
  }
  while (!rate_queue_.empty() && bucket_->try_take(rate_queue_.front().bytes.size() * 8, now)) {
    Packet& p = rate_queue_.front();
    forward({p.bytes, p.category, p.number, &p}, sink);
    rate_queue_.pop_front();
  }
}

std::optional<Nanos> DirectionCore::next_due(Nanos now) {
  std::optional<Nanos> due;
  const auto consider = [&](Nanos t) { due = due ? std::min(*due, t) : t; };
  if (held_) consider(held_->since + kHoldLimit);
  if (!delayed_.empty()) consider(delayed_.begin()->first.due);
  if (!rate_queue_.empty())
    consider(now + bucket_->wait_time(rate_queue_.front().bytes.size() * 8, now));
  return due;
}

std::size_t DirectionCore::pending() const {
  return (held_ ? 1 : 0) + delayed_.size() + rate_queue_.size();
}

void DirectionCore::discard_pending() {
  const auto discard = [&](Packet& p) {
    drop({p.bytes, p.category, p.number}, DropReason::at_exit);
  };
  if (held_) discard(held_->packet);
  for (auto& [key, p] : delayed_) discard(p);
  for (auto& p : rate_queue_) discard(p);
  held_.reset();
  delayed_.clear();
  rate_queue_.clear();
}

void DirectionCore::recycle() {
  for (auto& p : in_flight_) reuse(std::move(p.bytes));
  in_flight_.clear();
}

}  // namespace ltpnetem
