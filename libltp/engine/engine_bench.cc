// engine_bench: what the engine's data path costs per segment, in one
// process with no sockets: engine A cuts 10 MB red blocks into 1400-octet
// segments (dequeue, 64 per call, as udplso does), engine B takes them
// (handle_inbound_batch, 256 per call, as udplsi does) and answers with a
// report, which A acknowledges. Prints nanoseconds per segment for each
// side. Run it under `valgrind --tool=callgrind` for instruction counts
// that do not move with the machine's load (docs/performance.md). Not a
// test: nothing here passes or fails.
//   engine_bench [BLOCKS]   (default 20)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <utility>
#include <vector>

#include "libltp/engine/testing/lockstep.h"

namespace {

using namespace ltp::engine;
using testing::Lockstep;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kBlockBytes = 10 << 20;
constexpr std::size_t kDequeueBatch = 64;
constexpr std::size_t kInboundBatch = 256;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Everything `from` has queued for `to`, as datagrams.
std::vector<std::vector<std::uint8_t>> drain(Engine& from, std::uint64_t to, std::uint64_t now,
                                             OutboundBatch& batch, double& seconds) {
  std::vector<std::vector<std::uint8_t>> datagrams;
  for (;;) {
    batch.clear();
    const auto start = Clock::now();
    const auto n = from.dequeue(to, kDequeueBatch, now, batch);
    seconds += seconds_since(start);  // the dequeue only: udplso sends in place, no copy
    if (!n || n.value() == 0) break;
    for (const auto& segment : batch.segments()) {
      datagrams.push_back(OutboundBatch::flatten(segment));
    }
  }
  return datagrams;
}

void deliver(Engine& to, const std::vector<std::vector<std::uint8_t>>& datagrams, std::uint64_t now,
             double& seconds) {
  std::vector<std::span<const std::uint8_t>> views;
  const auto start = Clock::now();
  for (std::size_t at = 0; at < datagrams.size(); at += kInboundBatch) {
    views.clear();
    for (std::size_t i = at; i < std::min(datagrams.size(), at + kInboundBatch); ++i) {
      views.emplace_back(datagrams[i]);
    }
    if (!to.handle_inbound_batch(views, now)) {
      std::fprintf(stderr, "engine_bench: the receiving engine refused a batch\n");
      std::exit(1);
    }
  }
  seconds += seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int blocks = argc > 1 ? std::atoi(argv[1]) : 20;
  if (blocks <= 0) {
    std::fprintf(stderr, "usage: engine_bench [BLOCKS]   (a positive number, default 20)\n");
    return 2;
  }
  testing::LockstepConfig config;
  config.heap_bytes = std::uint64_t{256} << 20;
  config.span.aggregation_size_threshold = kBlockBytes;
  config.span.max_export_sessions = 4;
  Lockstep pair(config);
  Engine& a = pair.engine(Lockstep::kA);
  Engine& b = pair.engine(Lockstep::kB);
  const auto sdu = Lockstep::pattern(kBlockBytes, 1);
  OutboundBatch batch(1 << 20);
  double send_s = 0, dequeue_s = 0, handle_s = 0, answer_s = 0;
  std::size_t segments = 0;
  std::uint64_t now = 1000;
  for (int i = 0; i < blocks; ++i, ++now) {
    const auto sent_at = Clock::now();
    if (!a.send(testing::kClient, Lockstep::kB, sdu, kAllRed, now)) {
      std::fprintf(stderr, "engine_bench: send refused\n");
      return 1;
    }
    send_s += seconds_since(sent_at);
    const auto data = drain(a, Lockstep::kB, now, batch, dequeue_s);
    segments += data.size();
    deliver(b, data, now, handle_s);
    // The report, its acknowledgement, and the notices both clients take.
    double unused = 0;
    deliver(a, drain(b, Lockstep::kA, now, batch, unused), now, answer_s);
    deliver(b, drain(a, Lockstep::kB, now, batch, unused), now, answer_s);
    for (Engine* e : {&a, &b}) {
      NoticeCursor cursor;
      while (auto notice = e->next_notice(testing::kClient, cursor)) {
        if (!notice.value()) break;
        if (notice.value()->data != ltp::ipc::kNullAddr) {
          (void)e->release_data(testing::kClient, notice.value()->data, cursor);
        }
      }
      (void)e->acknowledge_notice(testing::kClient, cursor);
    }
  }
  std::printf(
      "{\"case\":\"engine\",\"blocks\":%d,\"segments\":%zu,\"send_ms_per_block\":%.3f,\"dequeue_ns_"
      "per_segment\":%.0f,"
      "\"handle_ns_per_segment\":%.0f,\"answer_ms_per_block\":%.3f}\n",
      blocks, segments, send_s * 1e3 / blocks, dequeue_s * 1e9 / segments,
      handle_s * 1e9 / segments, answer_s * 1e3 / blocks);
  return 0;
}
