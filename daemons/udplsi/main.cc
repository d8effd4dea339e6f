// udplsi [{host|@}[:port]]: the UDP link service input of a node (ION's
// invocation; default @:1113, every interface). Receives datagrams in
// batches (recvmmsg) and hands each batch to the engine in one
// transaction. Malformed or unwanted datagrams are dropped by the engine;
// nothing a peer sends stops it (ION's 1-octet "stop" datagram included):
// SIGTERM does, as node stop sends it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "daemons/common/daemon_process.h"
#include "libltp/api/link_service.h"
#include "libltp/udp/batch_socket.h"
#include "libltp/udp/endpoint.h"
#include "libltp/udp/receive_ring.h"
#include "tools/cli/cli.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
namespace udp = ltp::udp;
using ltp::daemons::DaemonProcess;
using namespace std::chrono_literals;

constexpr char kProgram[] = "udplsi";
constexpr std::size_t kMaxBatch = 64;
// The longest a receive waits before the stop flag is looked at again.
constexpr udp::Nanos kPoll = 100ms;

int serve(DaemonProcess& daemon, udp::BatchSocket& socket) {
  udp::ReceiveRing ring(kMaxBatch);
  std::vector<std::span<const std::uint8_t>> datagrams;
  datagrams.reserve(kMaxBatch);
  std::uint64_t received = 0, truncated = 0, failed_batches = 0;
  while (!DaemonProcess::stop_requested()) {
    auto got = socket.recv_batch(ring, kPoll);
    if (!got) return cli::runtime_failure(kProgram, got.error().message);
    if (got.value() == 0) continue;
    datagrams.clear();
    for (std::size_t i = 0; i < got.value(); ++i) {
      if (ring.truncated(i)) {
        ++truncated;  // larger than any UDP datagram: cannot be a segment
        continue;
      }
      datagrams.push_back(ring.datagram(i));
    }
    received += datagrams.size();
    if (auto handled = api::handle_inbound(daemon.engine(), datagrams, ltp::node::now_ms());
        !handled) {
      // The batch had no effect (heap full, ...); the peer will resend.
      if (failed_batches++ == 0) spdlog::error("{}", handled.error().message);
    } else if (failed_batches != 0) {
      spdlog::info("handling received segments again after {} failed batch(es)", failed_batches);
      failed_batches = 0;
    }
  }
  spdlog::info("udplsi stopping: {} datagrams received ({} truncated)", received, truncated);
  return cli::kOk;
}

int run(int argc, char** argv) {
  cxxopts::Options options(kProgram, "LTP link service input over UDP.");
  DaemonProcess::add_common_options(options);
  options.add_options()("address", "{host|@}[:port] to listen on (default @:1113)",
                        cxxopts::value<std::string>());
  options.parse_positional({"address"});
  options.positional_help("[{HOST|@}[:PORT]]");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const std::string address =
      command_line.args.count("address") ? command_line.args["address"].as<std::string>() : "@";
  auto local = udp::resolve_endpoint(address, udp::AtSign::any_address);
  if (!local) return cli::usage_error(kProgram, local.error().message);

  auto daemon = DaemonProcess::start(kProgram, command_line.args, ltp::node::lsi_role(::getpid()));
  if (!daemon) return cli::runtime_failure(kProgram, daemon.error());
  auto socket = udp::BatchSocket::bind(local.value());
  if (!socket) {
    return cli::runtime_failure(kProgram, fmt::format("{}; is another udplsi using it? Pick "
                                                      "another address in the seat's command",
                                                      socket.error().message));
  }
  daemon.value()->announce_started();
  spdlog::info("udplsi listening on {} (receive buffer {} octets)", udp::to_string(local.value()),
               socket.value().receive_buffer_size());
  return serve(*daemon.value(), socket.value());
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
