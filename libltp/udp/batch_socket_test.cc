#include "libltp/udp/batch_socket.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace ltp::udp {
namespace {

Endpoint loopback(const char* text) { return resolve_endpoint(text, AtSign::any_address).value(); }

BatchSocket bound(const char* text, const SocketOptions& options = {}) {
  auto socket = BatchSocket::bind(loopback(text), options);
  EXPECT_TRUE(socket) << socket.error().message;
  return std::move(socket).value();
}

// Datagram i: header "H<i>|" then payload "payload-<i>", as two pieces.
struct Outbox {
  std::vector<std::string> headers, payloads;
  std::vector<std::array<iovec, 2>> pieces;
  std::vector<OutgoingDatagram> datagrams;

  Outbox(std::size_t count, const Endpoint* destination) {
    for (std::size_t i = 0; i < count; ++i) {
      headers.push_back(fmt::format("H{}|", i));
      payloads.push_back(fmt::format("payload-{}", i));
    }
    pieces.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      pieces[i] = {iovec{headers[i].data(), headers[i].size()},
                   iovec{payloads[i].data(), payloads[i].size()}};
      datagrams.push_back({pieces[i], destination});
    }
  }
  static std::string expected(std::size_t i) { return fmt::format("H{}|payload-{}", i, i); }
};

std::string text(std::span<const std::uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

// Receives `count` datagrams (in order: loopback keeps order) and checks them.
void expect_received(BatchSocket& receiver, ReceiveRing& ring, std::size_t count,
                     std::uint16_t sender_port) {
  std::size_t got = 0;
  while (got < count) {
    auto n = receiver.recv_batch(ring);
    ASSERT_TRUE(n) << n.error().message;
    for (std::size_t i = 0; i < n.value(); ++i, ++got) {
      EXPECT_EQ(text(ring.datagram(i)), Outbox::expected(got));
      EXPECT_EQ(ring.source(i).port(), sender_port);
      EXPECT_FALSE(ring.truncated(i));
    }
  }
  auto more = receiver.recv_batch(ring, Nanos(0));
  ASSERT_TRUE(more);
  EXPECT_EQ(more.value(), 0u);
}

void round_trip(const char* address, int family, const SocketOptions& options = {}) {
  BatchSocket receiver = bound(address, options);
  const Endpoint destination = receiver.local_endpoint().value();
  auto sender = BatchSocket::open(family, options);
  ASSERT_TRUE(sender) << sender.error().message;
  // More than one sendmmsg chunk and one ring, yet few enough to wait in
  // a receive buffer capped at the default rmem_max (nobody reads them
  // until all are sent, and UDP drops what does not fit).
  constexpr std::size_t kCount = 300;
  Outbox outbox(kCount, &destination);
  auto report = sender.value().send_batch(outbox.datagrams);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report.value().sent, kCount);
  EXPECT_EQ(report.value().refused, 0u);
  // Offload: the kernel may hand over runs of datagrams as one message.
  ReceiveRing ring(64, options.offload ? kMaxDatagram : 2048);
  // An unbound sender is bound to the wildcard address on its first send.
  expect_received(receiver, ring, kCount, sender.value().local_endpoint().value().port());
}

TEST(BatchSocket, SendsAndReceivesBatchesOverIpv4) { round_trip("127.0.0.1:0", AF_INET); }

TEST(BatchSocket, SendsAndReceivesBatchesOverIpv6) {
  auto probe = BatchSocket::bind(loopback("[::1]:0"));
  if (!probe) GTEST_SKIP() << "no IPv6 loopback: " << probe.error().message;
  round_trip("[::1]:0", AF_INET6);
}

// The outbox's datagrams are 12, 14 and 16 octets long (1, 2 and 3-digit
// numbers): runs of one size, each ended by a change of size or by the
// most segments a message may hold; each must arrive whole and alone.
TEST(BatchSocket, OffloadDeliversEveryDatagramOnItsOwn) {
  round_trip("127.0.0.1:0", AF_INET, SocketOptions{.offload = true});
}

TEST(BatchSocket, OffloadTakesRunsEndedByAShorterDatagram) {
  BatchSocket receiver = bound("127.0.0.1:0", SocketOptions{.offload = true});
  auto sender = BatchSocket::open(AF_INET, SocketOptions{.offload = true}).value();
  ASSERT_TRUE(sender.connect(receiver.local_endpoint().value()));
  std::vector<std::string> payloads;
  // 120 × 1400 octets fit a receive buffer capped at the default rmem_max.
  for (std::size_t i = 0; i < 120; ++i) {
    // 1400 octets, every 7th one shorter: it ends a run.
    payloads.push_back(std::string(i % 7 == 6 ? 700 + i : 1400, static_cast<char>('a' + i % 26)));
  }
  std::vector<iovec> pieces;
  for (auto& p : payloads) pieces.push_back(iovec{p.data(), p.size()});
  std::vector<OutgoingDatagram> datagrams;
  for (auto& piece : pieces) datagrams.push_back({std::span<const iovec>(&piece, 1), nullptr});
  ASSERT_EQ(sender.send_batch(datagrams).value().sent, payloads.size());
  ReceiveRing ring(8);
  std::size_t got = 0;
  while (got < payloads.size()) {
    auto n = receiver.recv_batch(ring);
    ASSERT_TRUE(n) << n.error().message;
    for (std::size_t i = 0; i < n.value(); ++i, ++got) {
      ASSERT_LT(got, payloads.size());
      EXPECT_EQ(text(ring.datagram(i)), payloads[got]) << "datagram " << got;
    }
  }
}

TEST(BatchSocket, ConnectedSenderNeedsNoDestination) {
  BatchSocket receiver = bound("127.0.0.1:0");
  BatchSocket sender = bound("127.0.0.1:0");
  ASSERT_TRUE(sender.connect(receiver.local_endpoint().value()));
  Outbox outbox(10, nullptr);
  ASSERT_EQ(sender.send_batch(outbox.datagrams).value().sent, 10u);
  ReceiveRing ring(4, 2048);
  expect_received(receiver, ring, 10, sender.local_endpoint().value().port());
  EXPECT_EQ(to_string(ring.source(0)), to_string(sender.local_endpoint().value()));
}

TEST(BatchSocket, WaitsEndWithNothing) {
  BatchSocket receiver = bound("127.0.0.1:0");
  ReceiveRing ring(4, 2048);
  EXPECT_EQ(receiver.recv_batch(ring, Nanos(0)).value(), 0u);
  EXPECT_EQ(receiver.recv_batch(ring, std::chrono::milliseconds(1)).value(), 0u);
}

TEST(BatchSocket, WakerEndsABlockedReceive) {
  BatchSocket receiver = bound("127.0.0.1:0");
  Waker waker = Waker::create().value();
  std::size_t received = 99;
  std::thread blocked([&] {
    ReceiveRing ring(4, 2048);
    received = receiver.recv_batch(ring, kWaitForever, &waker).value();
  });
  waker.wake();
  blocked.join();
  EXPECT_EQ(received, 0u);
  // Still woken until drained: a second receiver returns at once too.
  ReceiveRing ring(4, 2048);
  EXPECT_EQ(receiver.recv_batch(ring, kWaitForever, &waker).value(), 0u);
  waker.drain();
  EXPECT_EQ(receiver.recv_batch(ring, std::chrono::milliseconds(1), &waker).value(), 0u);
}

TEST(Waker, WaitEndsOnWakeOrTimeout) {
  Waker waker = Waker::create().value();
  EXPECT_FALSE(waker.wait(std::chrono::milliseconds(1)));
  std::thread other([&] { waker.wake(); });
  EXPECT_TRUE(waker.wait(kWaitForever));
  other.join();
  waker.drain();
  EXPECT_FALSE(waker.wait(Nanos(0)));
}

TEST(BatchSocket, FlagsTruncatedDatagrams) {
  BatchSocket receiver = bound("127.0.0.1:0");
  const Endpoint destination = receiver.local_endpoint().value();
  BatchSocket sender = bound("127.0.0.1:0");
  Outbox outbox(1, &destination);
  ASSERT_EQ(sender.send_batch(outbox.datagrams).value().sent, 1u);
  ReceiveRing ring(2, 4);
  ASSERT_EQ(receiver.recv_batch(ring).value(), 1u);
  EXPECT_TRUE(ring.truncated(0));
  EXPECT_EQ(text(ring.datagram(0)), "H0|p");
}

TEST(BatchSocket, PortUnreachableIsReportedAndNotFatal) {
  Endpoint closed;
  {
    BatchSocket gone = bound("127.0.0.1:0");
    closed = gone.local_endpoint().value();
  }
  BatchSocket sender = bound("127.0.0.1:0");
  ASSERT_TRUE(sender.connect(closed));
  Outbox outbox(5, nullptr);
  for (int round = 0; round < 3; ++round) {
    auto report = sender.send_batch(outbox.datagrams);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report.value().sent, 5u);  // an ICMP error about an earlier one loses none
    EXPECT_EQ(report.value().refused, 0u);
  }
  ReceiveRing ring(4, 2048);
  EXPECT_TRUE(sender.recv_batch(ring, Nanos(0)));  // a pending ICMP error is not fatal either
}

TEST(BatchSocket, SkipsADatagramTheKernelRefuses) {
  BatchSocket receiver = bound("127.0.0.1:0");
  const Endpoint destination = receiver.local_endpoint().value();
  BatchSocket sender = bound("127.0.0.1:0");
  std::vector<std::uint8_t> too_big(70000), fine(10, 7);
  const iovec big_piece{too_big.data(), too_big.size()}, fine_piece{fine.data(), fine.size()};
  const OutgoingDatagram datagrams[] = {{{&fine_piece, 1}, &destination},
                                        {{&big_piece, 1}, &destination},
                                        {{&fine_piece, 1}, &destination}};
  auto report = sender.send_batch(datagrams);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report.value().sent, 2u);
  EXPECT_EQ(report.value().refused, 1u);
  EXPECT_EQ(report.value().first_refusal, EMSGSIZE);
}

TEST(BatchSocket, BindFailureNamesTheAddress) {
  BatchSocket first = bound("127.0.0.1:0");
  auto second = BatchSocket::bind(first.local_endpoint().value());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().sys_errno, EADDRINUSE);
  EXPECT_NE(second.error().message.find(to_string(first.local_endpoint().value())),
            std::string::npos);
}

TEST(BatchSocket, AsksForBigBuffers) {
  BatchSocket socket = bound("127.0.0.1:0");
  EXPECT_GE(socket.receive_buffer_size(), 200'000);  // at least the usual rmem_max, doubled
  EXPECT_GE(socket.send_buffer_size(), 200'000);
}

}  // namespace
}  // namespace ltp::udp
