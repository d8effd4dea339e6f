// Lockstep: two engines (or three, each with a span to both others) in one
// process, each with its own heap and volatile segment in a temporary
// directory, joined back to back by a simulated link under an injected
// clock.
//
// Used by the engine tests (scenario_test.cc, random_test.cc,
// recovery_test.cc). Each step dequeues everything both engines have to
// send (or, with a link rate, what the link can take this millisecond),
// passes every segment through the test's filter (which may drop,
// duplicate or delay it, by type or index), delivers what has arrived,
// fires due timers and collects notices; then the clock jumps to the next
// arrival, deadline, free link or scheduled action. Nothing waits in real
// time. check_clean() verifies that no session, queue entry, timer, notice
// or heap object is left behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ipc/heap.h"
#include "ipc/node_dir.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"
#include "ipc/volatile_segment.h"
#include "libltp/codec/segment.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/engine.h"

namespace ltp::engine::testing {

inline constexpr std::uint64_t kClient = 1;

// Where each side's heap directory goes: /dev/shm when writable, so the
// heap file's pages cost no disk writeback, which keeps hundreds of
// lock-step runs fast.
std::filesystem::path scratch_base();

class CountingSignals final : public EngineSignals {
 public:
  void segments_ready(std::uint64_t) override { ++segments; }
  void notice_ready(std::uint64_t) override { ++notices; }
  void timeline_changed() override { ++timeline; }
  void export_window_open(std::uint64_t) override { ++windows; }
  void block_opened(std::uint64_t) override { ++opened; }
  void heap_short(std::uint64_t, bool cancelled) override {
    ++(cancelled ? heap_cancels : short_of_heap);
  }
  int segments = 0, notices = 0, timeline = 0, windows = 0, opened = 0;
  int short_of_heap = 0, heap_cancels = 0;
};

// A notice as the client saw it, data read out and released.
struct SeenNotice {
  db::NoticeType type;
  codec::SessionId session;
  std::uint8_t reason;
  bool end_of_block;
  std::uint64_t offset;
  std::uint64_t length;
  std::vector<std::uint8_t> data;
  std::uint64_t at = 0;  // the clock when the client took it
};

struct LockstepConfig {
  db::NodeConfig node;
  db::SpanConfig span;  // engine_id is filled in per side
  std::uint64_t owlt_ms = 100;
  std::uint64_t transmit_rate = 0;  // bytes/s the engines are told; 0 = no radiation time
  // Bytes/s each side's link actually sends (0 = everything at once): what
  // the link cannot send within a millisecond stays queued in the engine.
  std::uint64_t link_rate = 0;
  // Each side's link paces by the rate its span learns (udplso
  // --learn-rate; engine/rate_model.h).
  bool learn_rate = false;
  std::uint64_t seed = 1;
  bool open_clients = true;
  // A slow client (one writing each block out): after taking a notice
  // with data, each side's client takes the next one this much later.
  std::uint64_t client_read_ms = 0;
  std::uint64_t nodes = 2;  // engines 1..nodes, each with a span to every other
  std::uint64_t heap_bytes = std::uint64_t{64} << 20;
  std::uint64_t receiver_heap_bytes = 0;  // B's heap if not 0
  // Each side's batch is exclusive (OutboundBatch::set_exclusive), as
  // udplso's is: closed blocks are freed at the next dequeue.
  bool exclusive_batches = true;
  // Every engine draws the same session numbers and serials (tests of
  // sessions of different originators that share a number).
  bool same_seed_on_every_node = false;
  // Per-side adjustments before the database is created (id is kA or kB).
  std::function<void(std::uint64_t id, db::NodeConfig&, db::SpanConfig&)> tweak;
  // Per-side writes to the heap after the LTP database is made (security
  // rules and keys); part of each side's starting state.
  std::function<void(std::uint64_t id, ipc::Transaction&)> configure;
};

// A long link as a contact plan gives it: `owlt_ms` each way and `rate`
// bytes/s, which each side's link sends and, `told`, the engines are told
// (without, their timers count no radiation time); 1400-octet segments,
// each block closed at once.
LockstepConfig long_link_config(std::uint64_t owlt_ms, std::uint64_t rate, bool told = true);

// One segment on the simulated link.
struct Crossing {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  codec::SegmentType type{};
  codec::SessionId session;
  std::uint64_t offset = 0;  // data segments
  std::uint64_t length = 0;  // data segments
  std::uint64_t checkpoint_serial = 0;
  std::uint64_t report_serial = 0;  // RS, RA, and data answering an RS
  std::uint64_t claims = 0;         // RS
  std::uint8_t reason = 0;          // CS, CR
  std::uint64_t index_of_type = 0;  // nth segment of this type from this sender (0-based)
  std::uint64_t sent_at = 0;
  std::vector<std::uint8_t> bytes;
};

// What the link does with a segment: deliver `copies` times (0 = drop),
// `delay_ms` later than the OWLT.
struct Verdict {
  int copies = 1;
  std::uint64_t delay_ms = 0;
};
using LinkFilter = std::function<Verdict(const Crossing&)>;

class Lockstep {
 public:
  static constexpr std::uint64_t kA = 1;
  static constexpr std::uint64_t kB = 2;
  static constexpr std::uint64_t kC = 3;  // with LockstepConfig::nodes = 3

  // Setup failures throw (test code only), so a half-built pair of nodes
  // still cleans up its directories and shared memory.
  explicit Lockstep(const LockstepConfig& config = {});

  Engine& engine(std::uint64_t id) { return *side(id).engine; }
  CountingSignals& signals(std::uint64_t id) { return side(id).signals; }
  db::VolatileSpan& vspan(std::uint64_t id) { return *side(id).vdb->span(peer(id)); }
  // Engine `from`'s span to engine `to`.
  db::VolatileSpan& vspan(std::uint64_t from, std::uint64_t to) {
    return *side(from).vdb->span(to);
  }
  std::uint64_t now() const { return now_; }
  void set_filter(LinkFilter filter) { filter_ = std::move(filter); }
  // Runs `action` when the clock reaches `at`.
  void at(std::uint64_t at, std::function<void()> action) {
    actions_.emplace(at, std::move(action));
  }

  // Simulates a node restart: the engine and the heap are detached and
  // attached again, the volatile segment rebuilt from configuration. All
  // session state must survive in the heap.
  void restart(std::uint64_t id);
  // ltp_close on one side.
  void close_client(std::uint64_t id);
  codec::SessionId send(std::uint64_t from, const std::vector<std::uint8_t>& sdu,
                        std::uint64_t red_length = kAllRed) {
    return send_to(from, peer(from), sdu, red_length);
  }
  codec::SessionId send_to(std::uint64_t from, std::uint64_t to,
                           const std::vector<std::uint8_t>& sdu,
                           std::uint64_t red_length = kAllRed);
  // Runs until nothing is queued, in flight, due or scheduled (true), or
  // until `limit_ms` of simulated time has passed (false).
  bool run(std::uint64_t limit_ms = 3'600'000);
  // Delivers raw bytes to an engine as if they came off the link.
  void inject(std::uint64_t to, std::vector<std::uint8_t> bytes, std::uint64_t delay_ms = 0);

  const std::vector<Crossing>& trace() const { return trace_; }
  // The crossings of one segment type, or those `keep` picks, in order.
  std::vector<Crossing> crossings(codec::SegmentType type) const;
  std::vector<Crossing> crossings(const std::function<bool(const Crossing&)>& keep) const;
  std::size_t count(std::uint64_t from, codec::SegmentType type) const;
  const std::vector<SeenNotice>& notices(std::uint64_t id) const { return side(id).notices; }
  std::vector<SeenNotice> notices(std::uint64_t id, db::NoticeType type) const;

  // Problems left behind once everything has aged out (empty if clean).
  std::vector<std::string> leftovers(std::uint64_t id);
  std::vector<std::string> leftovers() {
    std::vector<std::string> all;
    for (std::uint64_t id = 1; id <= sides_.size(); ++id) {
      const auto some = leftovers(id);
      all.insert(all.end(), some.begin(), some.end());
    }
    return all;
  }

  static std::vector<std::uint8_t> pattern(std::size_t n, std::uint64_t seed);
  // The other engine of a two-engine setup.
  static std::uint64_t peer(std::uint64_t id) { return id == kA ? kB : kA; }
  std::vector<std::uint64_t> peers_of(std::uint64_t id) const {
    std::vector<std::uint64_t> peers;
    for (std::uint64_t other = 1; other <= config_.nodes; ++other) {
      if (other != id) peers.push_back(other);
    }
    return peers;
  }

 private:
  struct Side {
    ~Side();  // removes the volatile segment; the scratch directory goes last
    std::uint64_t id = 0;
    ipc::testing::TempDir dir{scratch_base()};
    std::optional<ipc::NodeDir> node;
    std::unique_ptr<ipc::Heap> heap;
    std::unique_ptr<ipc::VolatileSegment> segment;
    std::optional<db::VolatileDb> vdb;
    CountingSignals signals;
    std::unique_ptr<Engine> engine;
    std::uint64_t baseline_blocks = 0;
    std::vector<SeenNotice> notices;
    std::map<codec::SegmentType, std::uint64_t> sent_by_type;
    std::uint64_t client_busy_until = 0;  // client_read_ms
    NoticeCursor cursor;                  // the client's place in its notice queue
    std::uint64_t link_free_us = 0;       // when the link can start the next segment (link_rate)
    std::map<std::uint64_t, std::uint64_t> span_free_us;  // the same per span (learned rate)
    bool backlogged = false;         // the link (or a span's pace) held segments still queued
    std::uint64_t resume_us = 0;     // when the first of them may go
    OutboundBatch batch{256 << 10};  // reused: a fresh scratch per step costs page faults
  };
  struct Arrival {
    std::uint64_t to;
    std::vector<std::uint8_t> bytes;
  };
  Side& side(std::uint64_t id) { return *sides_.at(id - 1); }
  const Side& side(std::uint64_t id) const { return *sides_.at(id - 1); }
  void setup(Side& s, std::uint64_t id);
  void attach(Side& s);
  bool step();  // true if anything happened at `now_`
  bool transmit(Side& s, std::uint64_t to);
  db::VolatileSpan& vspan_of(Side& s, std::uint64_t to) { return *s.vdb->span(to); }
  void collect_notices(Side& s);
  std::optional<std::uint64_t> next_event();

  LockstepConfig config_;
  std::vector<std::unique_ptr<Side>> sides_;
  std::uint64_t now_ = 1'000'000;
  std::uint64_t arrival_sequence_ = 0;
  std::multimap<std::pair<std::uint64_t, std::uint64_t>, Arrival> in_flight_;
  std::multimap<std::uint64_t, std::function<void()>> actions_;
  std::vector<Crossing> trace_;
  LinkFilter filter_;
};

}  // namespace ltp::engine::testing
