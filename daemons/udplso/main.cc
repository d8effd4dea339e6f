// udplso {host|@}[:port] [txbps] <engine>: the UDP link service output of
// one span (ION's invocation; node start appends the engine number to the
// span's LSO command). Sleeps on the span's segment semaphore, then
// dequeues the span's segments in batches and sends each batch with one
// sendmmsg, header and payload straight from the heap (no copy), runs of
// equal-size segments coalesced into one message (UDP GSO) when paced. Paced to
// the lower of txbps and the contact plan's rate, and with --learn-rate below
// them to the rate the span learned from its peer's reports; holds the
// segments while the contact plan says we may not transmit.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "daemons/common/daemon_process.h"
#include "daemons/udplso/pacer.h"
#include "libltp/admin/values.h"
#include "libltp/api/link_service.h"
#include "libltp/cli/cli.h"
#include "libltp/udp/batch_socket.h"
#include "libltp/udp/endpoint.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
namespace udp = ltp::udp;
using ltp::daemons::DaemonProcess;
using namespace std::chrono_literals;

constexpr char kProgram[] = "udplso";
constexpr std::size_t kMaxBatch = 64;
// While idle or holding: how often the stop flag and the link state are
// looked at again.
constexpr auto kPoll = 100ms;
// A batch that left later than this after its dequeue has its timers
// restarted from when it left.
constexpr udp::Nanos kLateSend = 10ms;

struct Arguments {
  std::string remote;
  std::uint64_t txbps = 0;
  std::uint64_t engine = 0;
  bool learn_rate = false;
};

void sleep_for(udp::Nanos wait) {
  const auto capped = std::min<udp::Nanos>(wait, kPoll);
  timespec ts{static_cast<time_t>(capped.count() / 1000000000),
              static_cast<long>(capped.count() % 1000000000)};
  ::nanosleep(&ts, nullptr);  // a stop signal cuts it short
}

struct Totals {
  std::uint64_t segments = 0;
  std::uint64_t bytes = 0;
  std::uint64_t refused = 0;
};

class Sender {
 public:
  Sender(DaemonProcess& daemon, api::SpanLink& link, udp::BatchSocket& socket,
         std::uint64_t txbps, bool learn_rate)
      : daemon_(daemon),
        link_(link),
        socket_(socket),
        txbps_(txbps),
        learn_rate_(learn_rate),
        pacer_(link.max_segment_size(), kMaxBatch) {
    datagrams_.reserve(kMaxBatch);
    // One batch, sent whole before the next dequeue: blocks are freed as
    // soon as their sessions close and the batch moves on.
    batch_.set_exclusive(true);
  }

  // Until the span's semaphore ends or a stop is requested; the exit status.
  int run() {
    bool backlog = true;  // segments may be queued (e.g. from before a restart)
    while (!DaemonProcess::stop_requested() && !link_.ended()) {
      if (!backlog) {
        const auto woke = link_.wait(kPoll);
        if (woke == ltp::ipc::WaitResult::ended) break;
        if (woke == ltp::ipc::WaitResult::timed_out) continue;
        // Posts that piled up while we were sending all mean "look again".
        while (link_.try_wait() == ltp::ipc::WaitResult::acquired) {
        }
        backlog = true;
      }
      const api::LinkState state = link_.link_state();
      if (!state.transmitting) {
        if (!holding_) spdlog::info("span {}: no contact; holding segments", link_.engine_id());
        holding_ = true;
        if (link_.wait(kPoll) == ltp::ipc::WaitResult::ended) break;
        continue;
      }
      if (holding_) spdlog::info("span {}: contact; sending again", link_.engine_id());
      holding_ = false;
      udp::Nanos wait{0};
      const std::size_t allowed = pacer_.grant(rate_bits(state), udp::monotonic_now(), &wait);
      if (allowed == 0) {
        sleep_for(wait);
        continue;
      }
      // GSO cuts the kernel's per-segment cost, but an unpaced sender's
      // coalesced messages land in the receiver's buffer 64 at a time, and
      // on loopback it then outruns the receiving engine (drops, resends).
      // Paced (by a configured rate or, with --learn-rate, the learned
      // rate), the burst is bounded by the rate and GSO only saves work.
      socket_.coalesce_sends(pacer_.rate() != 0);
      auto sent = send_batch(allowed);
      if (!sent) return cli::runtime_failure(kProgram, sent.error());
      backlog = sent.value();
    }
    spdlog::info("udplso {} stopping: {} segments ({} octets) sent, {} refused by the kernel{}",
                 link_.engine_id(), totals_.segments, totals_.bytes, totals_.refused,
                 socket_.send_offload() ? ""
                                        : "; the kernel would not segment (UDP GSO), so each "
                                          "segment was its own message");
    return cli::kOk;
  }

 private:
  // Bits/s to pace at: the lower of txbps and the contact plan's rate,
  // and with --learn-rate the learned rate under them; 0: unpaced.
  std::uint64_t rate_bits(const api::LinkState& state) const {
    std::uint64_t ceiling = (txbps_ + 7) / 8;
    if (state.transmit_rate != 0 && (ceiling == 0 || state.transmit_rate < ceiling)) {
      ceiling = state.transmit_rate;
    }
    const std::uint64_t rate = learn_rate_ ? link_.sending_rate(ceiling) : ceiling;
    if (rate == ceiling && txbps_ != 0 && ceiling * 8 >= txbps_) return txbps_;
    return rate * 8;
  }

  // Dequeues and sends up to `max` segments; false once the span is empty.
  ltp::Result<bool, std::string> send_batch(std::size_t max) {
    auto& engine = daemon_.engine();
    auto got = link_.dequeue(engine, max, batch_, ltp::node::now_ms());
    if (!got) {
      // A heap error changes nothing: the segments stay queued; try later.
      spdlog::error("{}", got.error().message);
      sleep_for(kPoll);
      return true;
    }
    if (got.value() == 0) return false;
    const udp::Nanos dequeued = udp::monotonic_now();
    datagrams_.clear();
    std::uint64_t bytes = 0;
    for (const auto& segment : batch_.segments()) {
      datagrams_.push_back(
          {std::span<const iovec>(segment.gather.iov.data(), segment.gather.count)});
      bytes += segment.gather.total_size;
    }
    auto report = socket_.send_batch(datagrams_);
    if (!report) return ltp::failure(fmt::format("cannot send: {}", report.error().message));
    const udp::Nanos done = udp::monotonic_now();
    pacer_.spend(bytes, done);
    totals_.segments += report.value().sent;
    totals_.bytes += bytes;
    if (report.value().refused != 0) {
      if (totals_.refused == 0) {
        spdlog::warn(
            "span {}: the kernel refused {} segment(s): {}; check the address and the "
            "span's segment size",
            link_.engine_id(), report.value().refused, std::strerror(report.value().first_refusal));
      }
      totals_.refused += report.value().refused;
    }
    if (done - dequeued > kLateSend) {
      if (auto restarted = link_.sent(engine, batch_.segments(), ltp::node::now_ms()); !restarted) {
        spdlog::error("{}", restarted.error().message);
      }
    }
    return true;
  }

  DaemonProcess& daemon_;
  api::SpanLink& link_;
  udp::BatchSocket& socket_;
  std::uint64_t txbps_;
  bool learn_rate_;
  ltp::udplso::Pacer pacer_;
  ltp::engine::OutboundBatch batch_;
  std::vector<udp::OutgoingDatagram> datagrams_;
  Totals totals_;
  bool holding_ = false;
};

ltp::Result<Arguments, std::string> parse_arguments(const std::vector<std::string>& words) {
  if (words.size() < 2 || words.size() > 3) {
    return ltp::failure(std::string("expected {host|@}[:port] [txbps] <remote engine number>"));
  }
  Arguments args;
  args.remote = words.front();
  auto engine = ltp::admin::parse_uint(words.back(), "remote engine number", 1, UINT64_MAX);
  if (!engine) return ltp::failure(engine.error());
  args.engine = engine.value();
  if (words.size() == 3) {
    auto txbps = ltp::admin::parse_uint(words[1], "txbps (bits/s)", 0, UINT64_MAX / 8);
    if (!txbps) return ltp::failure(txbps.error());
    args.txbps = txbps.value();
  }
  return args;
}

int run(int argc, char** argv) {
  cxxopts::Options options(kProgram, "LTP link service output over UDP for one span.");
  DaemonProcess::add_common_options(options);
  options.add_options()("words", "{host|@}[:port] [txbps] <remote engine number>",
                        cxxopts::value<std::vector<std::string>>())(
      "learn-rate",
      "below txbps and the contact plan's rate, pace at the rate the span learns from the "
      "peer's reports (experimental; OpenLTP peers)");
  options.parse_positional({"words"});
  options.positional_help("{HOST|@}[:PORT] [TXBPS] ENGINE");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  std::vector<std::string> words;
  if (command_line.args.count("words") != 0) {
    words = command_line.args["words"].as<std::vector<std::string>>();
  }
  auto args = parse_arguments(words);
  if (!args) return cli::usage_error(kProgram, args.error());
  args.value().learn_rate = command_line.args.count("learn-rate") != 0;
  auto remote = udp::resolve_endpoint(args.value().remote, udp::AtSign::local_host);
  if (!remote) return cli::usage_error(kProgram, remote.error().message);

  auto daemon = DaemonProcess::start(kProgram, command_line.args,
                                     ltp::node::lso_role(args.value().engine), {.prefault = true});
  if (!daemon) return cli::runtime_failure(kProgram, daemon.error());
  auto link = api::SpanLink::open(daemon.value()->node(), args.value().engine);
  if (!link) return cli::runtime_failure(kProgram, link.error().message);
  if (auto claimed = link.value()->claim(); !claimed) {
    return cli::runtime_failure(kProgram, claimed.error().message);
  }
  udp::SocketOptions socket_options;
  socket_options.offload = true;  // coalesced only while paced: see Sender::run
  auto socket = udp::BatchSocket::open(remote.value().family(), socket_options);
  if (!socket) return cli::runtime_failure(kProgram, socket.error().message);
  if (auto connected = socket.value().connect(remote.value()); !connected) {
    return cli::runtime_failure(kProgram,
                                fmt::format("{}; check the address", connected.error().message));
  }
  daemon.value()->announce_started();
  spdlog::info("udplso {} sending to {} ({}; send buffer {} octets)", args.value().engine,
               udp::to_string(remote.value()),
               args.value().txbps
                   ? fmt::format("at most {} bit/s", args.value().txbps)
                   : std::string(args.value().learn_rate
                                     ? "no rate limit but the contact plan's and the learned one"
                                     : "no rate limit but the contact plan's"),
               socket.value().send_buffer_size());
  link.value()->pace_by_learned_rate(args.value().learn_rate);
  Sender sender(*daemon.value(), *link.value(), socket.value(), args.value().txbps,
                args.value().learn_rate);
  return sender.run();
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
