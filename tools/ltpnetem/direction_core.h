// DirectionCore: every impairment decision for one direction of the
// relay, with no sockets and no clock of its own (the caller passes the
// time), so unit tests drive it datagram by datagram on a made-up clock.
//
// Order of treatment of a received datagram:
//   classify (codec) -> blackout? -> drop rule? -> random loss?
//   -> reorder (hold back until K later ones passed) -> duplicate?
//   -> delay + jitter -> rate cap (bounded queue) -> Sink
// Each random impairment draws from its own seeded generator, once per
// datagram that reaches it, so a seed gives the same run every time.
//
// A datagram that needs no waiting goes to the Sink straight from the
// caller's buffer (no copy); one that waits is copied into a pooled
// buffer. Bytes handed to the Sink stay valid until recycle(). Used by
// relay.cc (one core per direction) and direction_core_test.cc.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "libltp/udp/token_bucket.h"
#include "tools/ltpnetem/config.h"
#include "tools/ltpnetem/stats.h"

namespace ltpnetem {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void forward(std::span<const std::uint8_t> datagram) = 0;
};

class DirectionCore {
 public:
  // Receives one line per action when set (ltpnetem -v).
  using Log = std::function<void(const std::string&)>;

  // `start` is time 0 for the blackout windows; `stream` tells the two
  // directions' random generators apart.
  DirectionCore(DirectionConfig config, std::uint64_t seed, unsigned stream, Nanos start,
                Log log = {});

  void receive(std::span<const std::uint8_t> datagram, Nanos now, Sink& sink);
  // Forwards what has waited long enough.
  void release_due(Nanos now, Sink& sink);
  // When release_due() next has something to do, if anything waits.
  std::optional<Nanos> next_due(Nanos now);
  // Releases a held-back datagram without waiting for later ones (at the
  // end of a run; delayed and rate-queued ones still go at their time).
  void release_held(Nanos now, Sink& sink);
  // Datagrams held, delayed or queued.
  std::size_t pending() const;
  // Counts everything pending as dropped at exit, and forgets it.
  void discard_pending();
  // Ends the validity of bytes handed to the Sink; reuses their buffers.
  void recycle();

  const DirectionStats& stats() const { return stats_; }
  const DirectionConfig& config() const { return config_; }

 private:
  struct Packet {
    std::vector<std::uint8_t> bytes;
    Category category = Category::malformed;
    std::uint64_t number = 0;  // arrival order, for logs
  };
  // A datagram on its way through the stages: borrowed bytes, or owned
  // ones that a stage may move into its queue instead of copying.
  struct Item {
    std::span<const std::uint8_t> bytes;
    Category category;
    std::uint64_t number;
    Packet* owned = nullptr;
  };
  struct Held {
    Packet packet;
    unsigned remaining;  // later datagrams still to pass
    Nanos since;
  };
  struct DueKey {
    Nanos due;
    std::uint64_t order;
    auto operator<=>(const DueKey&) const = default;
  };

  bool in_blackout(Nanos now) const;
  std::optional<std::size_t> matching_rule(Category category);
  void drop(const Item& item, DropReason reason);
  void reorder_stage(Item item, Nanos now, Sink& sink);
  void duplicate_stage(Item item, Nanos now, Sink& sink);
  void delay_stage(Item item, Nanos now, Sink& sink);
  void rate_stage(Item item, Nanos now, Sink& sink);
  void forward(Item item, Sink& sink);
  Packet keep(Item item);
  void reuse(std::vector<std::uint8_t>&& buffer);
  void note(const Item& item, std::string_view action) const;

  DirectionConfig config_;
  Nanos start_;
  Log log_;
  DirectionStats stats_;
  std::vector<std::uint64_t> rule_seen_;  // per rule: datagrams of its class so far
  std::uint64_t received_ = 0;
  std::uint64_t order_ = 0;
  std::mt19937_64 loss_rng_, duplicate_rng_, reorder_rng_, jitter_rng_;
  std::optional<ltp::udp::TokenBucket> bucket_;
  std::optional<Held> held_;
  std::map<DueKey, Packet> delayed_;
  std::deque<Packet> rate_queue_;
  std::vector<Packet> in_flight_;
  std::vector<std::vector<std::uint8_t>> spare_buffers_;
};

}  // namespace ltpnetem
