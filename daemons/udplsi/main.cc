// udplsi [--peers-only] [{host|@}[:port]]: the UDP link service input of a
// node (ION's invocation; default @:1113, every interface). With
// --peers-only, a span's segments are taken only from the host its LSO
// sends to (PeerAddresses). Receives datagrams in
// batches (recvmmsg, with UDP GRO so a run of segments from one sender
// crosses the kernel as one message) on a thread of its own, into a queue
// (udp::DatagramQueue) from which the main thread hands them to the
// engine, up to kMaxTransaction segments per transaction: a burst waits in
// the queue instead of overflowing the socket's receive buffer. Malformed
// or unwanted datagrams are dropped by the engine; nothing a peer sends
// stops it (ION's 1-octet "stop" datagram included): SIGTERM does, as node
// stop sends it, and so does the node's semaphores ending (looked at every
// kPoll), in case the stop could not find its pid.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "daemons/common/daemon_process.h"
#include "daemons/udplsi/peer_addresses.h"
#include "ipc/transaction.h"
#include "libltp/api/link_service.h"
#include "libltp/cli/cli.h"
#include "libltp/db/ltp_db.h"
#include "libltp/udp/batch_socket.h"
#include "libltp/udp/datagram_queue.h"
#include "libltp/udp/endpoint.h"
#include "libltp/udp/receive_ring.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
namespace udp = ltp::udp;
using ltp::daemons::DaemonProcess;
using namespace std::chrono_literals;

constexpr char kProgram[] = "udplsi";
constexpr std::size_t kMaxBatch = 64;  // messages per recvmmsg
// Room for a burst the engine has not taken yet: ~6000 segments of 1400 octets.
constexpr std::size_t kQueueOctets = 8 << 20;
// Segments per engine transaction: bounds how long the heap lock is held
// (the clients, ltpdeliv and the LSO of this node wait for it).
constexpr std::size_t kMaxTransaction = 256;
// The longest a receive waits before the stop flag is looked at again.
constexpr udp::Nanos kPoll = 100ms;
// How often --peers-only looks for spans added or changed.
constexpr auto kPeerRefresh = 1s;

struct ReceiveTotals {
  std::uint64_t received = 0;
  std::uint64_t truncated = 0;
  std::uint64_t overflowed = 0;  // the queue was full
};

// The receiving thread: socket -> queue, as fast as the kernel hands
// datagrams over, until a stop is requested or the socket fails.
void receive(udp::BatchSocket& socket, udp::DatagramQueue& queue, bool with_hosts,
             ReceiveTotals& totals, std::optional<std::string>& failure) {
  udp::ReceiveRing ring(kMaxBatch);
  std::vector<std::span<const std::uint8_t>> datagrams;
  std::vector<udp::HostAddress> hosts;
  datagrams.reserve(kMaxBatch * udp::kMaxSegmentsPerMessage);
  while (!DaemonProcess::stop_requested()) {
    auto got = socket.recv_batch(ring, kPoll);
    if (!got) {
      failure = got.error().message;
      return;
    }
    datagrams.clear();
    hosts.clear();
    for (std::size_t i = 0; i < got.value(); ++i) {
      if (ring.truncated(i)) {
        ++totals.truncated;  // larger than any UDP datagram: cannot be a segment
        continue;
      }
      datagrams.push_back(ring.datagram(i));
      if (with_hosts) hosts.push_back(ring.source(i).host());
    }
    const std::size_t dropped = datagrams.size() - queue.push(datagrams, hosts);
    if (dropped != 0 && totals.overflowed == 0) {
      spdlog::warn("the engine is behind: received segments dropped (the peer will resend)");
    }
    totals.overflowed += dropped;
    totals.received += datagrams.size();
  }
}

// Each span's engine id and LSO command, as the heap has them now.
std::vector<std::pair<std::uint64_t, std::string>> span_lso_commands(DaemonProcess& daemon) {
  std::vector<std::pair<std::uint64_t, std::string>> spans;
  auto txn = daemon.node().heap().begin();
  if (!txn) return spans;
  const auto& db = daemon.engine().db();
  for (const auto engine : db.list_spans(txn.value())) {
    if (auto config = db.span_info(txn.value(), engine)) {
      spans.emplace_back(engine, std::string(config.value().lso_command.data()));
    }
  }
  (void)txn.value().commit();
  return spans;
}

// --peers-only: the spans' hosts, read again every kPeerRefresh; each
// change is logged.
class PeerFilter {
 public:
  explicit PeerFilter(DaemonProcess& daemon) : daemon_(daemon) { refresh(); }

  void refresh_if_due() {
    if (std::chrono::steady_clock::now() >= next_refresh_) refresh();
  }
  const std::vector<ltp::engine::DatagramSource>& sources(
      const std::vector<udp::HostAddress>& hosts) {
    sources_.clear();
    for (const auto& host : hosts) sources_.push_back(peers_.source(host));
    return sources_;
  }

 private:
  void refresh() {
    next_refresh_ = std::chrono::steady_clock::now() + kPeerRefresh;
    auto peers = ltp::daemons::PeerAddresses::from_lso_commands(span_lso_commands(daemon_));
    if (loaded_ && peers == peers_) return;
    peers_ = std::move(peers);
    loaded_ = true;
    spdlog::info("udplsi takes segments only from the hosts the spans' LSOs send to: {}",
                 peers_.describe());
    for (const auto& why : peers_.unpinned()) {
      spdlog::warn("no segment is taken from {}", why);
    }
  }

  DaemonProcess& daemon_;
  ltp::daemons::PeerAddresses peers_;
  bool loaded_ = false;
  std::chrono::steady_clock::time_point next_refresh_;
  std::vector<ltp::engine::DatagramSource> sources_;
};

int serve(DaemonProcess& daemon, udp::BatchSocket& socket, bool peers_only) {
  udp::DatagramQueue queue(kQueueOctets);
  ReceiveTotals totals;
  std::optional<std::string> receive_failure;
  std::thread receiving(receive, std::ref(socket), std::ref(queue), peers_only, std::ref(totals),
                        std::ref(receive_failure));
  std::optional<PeerFilter> filter;
  if (peers_only) filter.emplace(daemon);
  std::vector<std::span<const std::uint8_t>> datagrams;
  std::vector<udp::HostAddress> hosts;
  datagrams.reserve(kMaxTransaction);
  std::uint64_t failed_batches = 0;
  while (!daemon.should_stop()) {
    datagrams.clear();
    hosts.clear();
    if (filter) filter->refresh_if_due();
    const std::size_t n = queue.peek(kMaxTransaction, kPoll, datagrams, filter ? &hosts : nullptr);
    if (n == 0) continue;
    const std::span<const ltp::engine::DatagramSource> sources =
        filter ? std::span(filter->sources(hosts)) : std::span<const ltp::engine::DatagramSource>();
    if (auto handled =
            api::handle_inbound(daemon.engine(), datagrams, ltp::node::now_ms(), sources);
        !handled) {
      // The batch had no effect (heap full, ...); the peer will resend.
      if (failed_batches++ == 0) spdlog::error("{}", handled.error().message);
    } else if (failed_batches != 0) {
      spdlog::info("handling received segments again after {} failed batch(es)", failed_batches);
      failed_batches = 0;
    }
    queue.pop(n);
  }
  receiving.join();
  spdlog::info("udplsi stopping: {} datagrams received ({} truncated, {} dropped: engine behind)",
               totals.received, totals.truncated, totals.overflowed);
  if (receive_failure) return cli::runtime_failure(kProgram, *receive_failure);
  return cli::kOk;
}

int run(int argc, char** argv) {
  cxxopts::Options options(kProgram, "LTP link service input over UDP.");
  DaemonProcess::add_common_options(options);
  options.add_options()("address", "{host|@}[:port] to listen on (default @:1113)",
                        cxxopts::value<std::string>())(
      "peers-only",
      "take a span's segments only from the host its LSO sends to (udplso HOST:PORT)");
  options.parse_positional({"address"});
  options.positional_help("[--peers-only] [{HOST|@}[:PORT]]");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const std::string address =
      command_line.args.count("address") ? command_line.args["address"].as<std::string>() : "@";
  auto local = udp::resolve_endpoint(address, udp::AtSign::any_address);
  if (!local) return cli::usage_error(kProgram, local.error().message);

  auto daemon = DaemonProcess::start(kProgram, command_line.args, ltp::node::lsi_role(::getpid()),
                                     {.prefault = true});
  if (!daemon) return cli::runtime_failure(kProgram, daemon.error());
  udp::SocketOptions socket_options;
  socket_options.offload = true;
  auto socket = udp::BatchSocket::bind(local.value(), socket_options);
  if (!socket) {
    return cli::runtime_failure(kProgram, fmt::format("{}; is another udplsi using it? Pick "
                                                      "another address in the seat's command",
                                                      socket.error().message));
  }
  daemon.value()->announce_started();
  spdlog::info("udplsi listening on {} (receive buffer {} octets)", udp::to_string(local.value()),
               socket.value().receive_buffer_size());
  return serve(*daemon.value(), socket.value(), command_line.args.count("peers-only") != 0);
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
