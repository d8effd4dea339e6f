// udpceiling: the raw-UDP baseline the LTP benchmark compares against.
// A sender thread and a receiver thread move datagrams of one size over
// loopback as fast as BatchSocket (sendmmsg/recvmmsg, the same code
// udplso/udplsi and ltpnetem use) allows, for a duration or a byte
// count, then print one JSON line:
//   {"datagram_size":1400,"bytes":...,"datagrams":...,"seconds":...,
//    "mbit_per_s":...,"lost":...}
// bytes/datagrams/mbit_per_s count what arrived; lost = sent - arrived.
// With --send-to the datagrams go through something else first (ltpnetem,
// to measure what a relay costs). With --offload both sockets use UDP
// GSO/GRO as udplsi and a paced udplso do: the same datagrams, fewer trips
// through the kernel.
// See man/udpceiling.1. Exit status: 0 done, 1 runtime failure, 2 usage.
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "libltp/udp/batch_socket.h"
#include "libltp/cli/cli.h"

namespace {

using ltp::udp::BatchSocket;
using ltp::udp::Nanos;

namespace cli = ltp::cli;
constexpr std::string_view kProgram = "udpceiling";
// Each datagram starts with its sequence number, sent as a separate
// iovec piece before the shared payload, as an LTP header would be.
constexpr std::size_t kHeaderSize = sizeof(std::uint64_t);
// After the sender stops, the receiver ends once nothing arrived for this long.
constexpr Nanos kDrainIdle = std::chrono::milliseconds(100);

struct Plan {
  std::size_t datagram_size = 1400;
  std::size_t batch = 64;
  std::optional<Nanos> duration;
  std::optional<std::uint64_t> bytes;
  bool offload = false;
};

struct SenderResult {
  std::uint64_t datagrams = 0;
  std::optional<ltp::udp::Error> error;
};

SenderResult send_until_done(BatchSocket& socket, const Plan& plan) {
  SenderResult result;
  const std::vector<std::uint8_t> payload(plan.datagram_size - kHeaderSize, 0x5A);
  std::vector<std::uint64_t> sequence(plan.batch);
  std::vector<std::array<iovec, 2>> pieces(plan.batch);
  std::vector<ltp::udp::OutgoingDatagram> datagrams(plan.batch);
  for (std::size_t i = 0; i < plan.batch; ++i) {
    pieces[i] = {iovec{&sequence[i], kHeaderSize},
                 iovec{const_cast<std::uint8_t*>(payload.data()), payload.size()}};
    datagrams[i] = {pieces[i], nullptr};
  }
  const Nanos start = ltp::udp::monotonic_now();
  const auto done = [&] {
    if (plan.bytes) return result.datagrams * plan.datagram_size >= *plan.bytes;
    return ltp::udp::monotonic_now() - start >= *plan.duration;
  };
  while (!done()) {
    std::size_t count = plan.batch;
    if (plan.bytes) {
      const std::uint64_t left =
          (*plan.bytes - result.datagrams * plan.datagram_size + plan.datagram_size - 1) /
          plan.datagram_size;
      count = static_cast<std::size_t>(std::min<std::uint64_t>(count, left));
    }
    for (std::size_t i = 0; i < count; ++i) sequence[i] = result.datagrams + i;
    auto sent = socket.send_batch({datagrams.data(), count});
    if (!sent) {
      result.error = sent.error();
      return result;
    }
    result.datagrams += sent.value().sent;
  }
  return result;
}

struct Sockets {
  BatchSocket receiver;
  BatchSocket sender;  // connected to the receiver, or to send_to
};

ltp::Result<Sockets, ltp::udp::Error> open_sockets(const std::string& receive_at,
                                                   const std::string& send_to, bool offload) {
  using ltp::udp::AtSign;
  ltp::udp::SocketOptions socket_options;
  socket_options.offload = offload;
  BOOST_OUTCOME_TRY(local, ltp::udp::resolve_endpoint(receive_at, AtSign::any_address));
  BOOST_OUTCOME_TRY(receiver, BatchSocket::bind(local, socket_options));
  BOOST_OUTCOME_TRY(bound, receiver.local_endpoint());
  ltp::udp::Endpoint destination = bound;
  if (!send_to.empty()) {
    BOOST_OUTCOME_TRY(chosen, ltp::udp::resolve_endpoint(send_to, AtSign::local_host));
    destination = chosen;
  }
  BOOST_OUTCOME_TRY(sender, BatchSocket::open(destination.family(), socket_options));
  BOOST_OUTCOME_TRYV(sender.connect(destination));
  return Sockets{std::move(receiver), std::move(sender)};
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options options("udpceiling",
                           "Measure raw UDP throughput over loopback with sendmmsg/recvmmsg "
                           "(the baseline for LTP benchmarks); prints one JSON line");
  options.custom_help(
      "[--size OCTETS] [--duration SECONDS | --bytes N] [--batch N] [--receive-at ADDRESS] "
      "[--send-to ADDRESS] [--offload]");
  // clang-format off
  options.add_options()
    ("size", "datagram size in octets (9-65507)",
     cxxopts::value<std::size_t>()->default_value("1400"), "OCTETS")
    ("duration", "send for this many seconds (default 5)", cxxopts::value<double>(), "SECONDS")
    ("bytes", "send this many octets instead of for a duration", cxxopts::value<std::uint64_t>(),
     "N")
    ("batch", "datagrams per sendmmsg/recvmmsg (1-1024)",
     cxxopts::value<std::size_t>()->default_value("64"), "N")
    ("receive-at", "bind the receiver here ({host|@}[:port]; [::1]:0 for IPv6)",
     cxxopts::value<std::string>()->default_value("127.0.0.1:0"), "ADDRESS")
    ("send-to", "send here instead of straight to the receiver, e.g. to an ltpnetem "
                "relaying to --receive-at (measures the relay)",
     cxxopts::value<std::string>(), "ADDRESS")
    ("offload", "coalesce runs of datagrams in the kernel (UDP GSO on send, GRO on receive), "
                "as udplsi (and a paced udplso) do")
    ("h,help", "show this help");
  // clang-format on
  const cli::ParsedCommandLine command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const cxxopts::ParseResult& args = command_line.args;
  Plan plan;
  plan.datagram_size = args["size"].as<std::size_t>();
  plan.batch = args["batch"].as<std::size_t>();
  plan.offload = args.count("offload") != 0;
  if (plan.datagram_size <= kHeaderSize || plan.datagram_size > ltp::udp::kMaxDatagram)
    return cli::usage_error(kProgram, "--size must be 9-65507 octets (e.g. --size 1400)");
  if (plan.batch == 0 || plan.batch > 1024)
    return cli::usage_error(kProgram, "--batch must be 1-1024");
  if (args.count("duration") && args.count("bytes"))
    return cli::usage_error(kProgram, "give --duration or --bytes, not both");
  if (args.count("bytes")) {
    plan.bytes = args["bytes"].as<std::uint64_t>();
    if (*plan.bytes == 0) return cli::usage_error(kProgram, "--bytes must be at least 1");
  } else {
    const double seconds = args.count("duration") ? args["duration"].as<double>() : 5.0;
    if (!(seconds > 0 && seconds < 1e6))
      return cli::usage_error(kProgram, "--duration must be > 0 seconds");
    plan.duration = std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(seconds));
  }

  for (const char* option : {"receive-at", "send-to"}) {
    if (!args.count(option)) continue;
    if (auto split = ltp::udp::split_host_port(args[option].as<std::string>()); !split)
      return cli::usage_error(kProgram, std::string("--") + option + ": " + split.error().message);
  }
  auto sockets =
      open_sockets(args["receive-at"].as<std::string>(),
                   args.count("send-to") ? args["send-to"].as<std::string>() : "", plan.offload);
  auto waker = ltp::udp::Waker::create();
  if (!sockets || !waker) {
    std::cerr << "udpceiling: " << (!sockets ? sockets.error() : waker.error()).message << '\n';
    return cli::kRuntimeFailure;
  }
  BatchSocket& receiver = sockets.value().receiver;
  BatchSocket& sender = sockets.value().sender;

  std::atomic<bool> sender_done{false};
  std::uint64_t received = 0, received_bytes = 0;
  Nanos last_arrival{0};
  std::optional<ltp::udp::Error> receive_error;
  std::thread receiving([&] {
    // Coalesced messages can be up to the largest datagram.
    ltp::udp::ReceiveRing ring(plan.batch,
                               plan.offload ? ltp::udp::kMaxDatagram : plan.datagram_size);
    for (;;) {
      const bool draining = sender_done.load();
      auto n = receiver.recv_batch(ring, draining ? kDrainIdle : ltp::udp::kWaitForever,
                                   draining ? nullptr : &waker.value());
      if (!n) {
        receive_error = n.error();
        return;
      }
      if (n.value() == 0 && draining) return;
      for (std::size_t i = 0; i < n.value(); ++i) received_bytes += ring.datagram(i).size();
      received += n.value();
      if (n.value() > 0) last_arrival = ltp::udp::monotonic_now();
    }
  });

  const Nanos start = ltp::udp::monotonic_now();
  const SenderResult sent = send_until_done(sender, plan);
  sender_done = true;
  waker.value().wake();
  receiving.join();

  for (const auto& error : {sent.error, receive_error}) {
    if (error) {
      std::cerr << "udpceiling: " << error->message << '\n';
      return cli::kRuntimeFailure;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::max(last_arrival, start + Nanos(1)) - start).count();
  std::cout << nlohmann::json{{"datagram_size", plan.datagram_size},
                              {"bytes", received_bytes},
                              {"datagrams", received},
                              {"seconds", seconds},
                              {"mbit_per_s",
                               static_cast<double>(received_bytes) * 8 / seconds / 1e6},
                              {"lost", sent.datagrams - received},
                              {"offload", plan.offload}}
                   .dump()
            << std::endl;
  return cli::kOk;
}
