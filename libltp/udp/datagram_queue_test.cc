// DatagramQueue: order and contents across the wrap of its storage, a
// full queue refusing what does not fit, and a producer and a consumer
// thread moving many datagrams of mixed sizes.
#include "libltp/udp/datagram_queue.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

namespace ltp::udp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes datagram(std::size_t length, std::uint32_t tag) {
  Bytes bytes(length);
  for (std::size_t i = 0; i < length; ++i) bytes[i] = static_cast<std::uint8_t>(tag * 31 + i);
  return bytes;
}

std::size_t push_one(DatagramQueue& queue, const Bytes& bytes) {
  const std::span<const std::uint8_t> one[] = {bytes};
  return queue.push(one);
}

TEST(DatagramQueue, KeepsOrderAndContentAcrossTheWrap) {
  DatagramQueue queue(4096);
  std::vector<std::span<const std::uint8_t>> out;
  std::uint32_t pushed = 0, popped = 0;
  // Sizes that do not divide the storage, so entries straddle its end.
  for (int round = 0; round < 200; ++round) {
    const std::size_t length = 1 + (round * 397) % 1500;
    ASSERT_EQ(push_one(queue, datagram(length, pushed)), 1u) << "round " << round;
    ++pushed;
    if (round % 2 == 1) {
      out.clear();
      ASSERT_EQ(queue.peek(8, Nanos(0), out), pushed - popped);
      for (const auto& d : out) {
        const std::size_t length_popped = 1 + (popped * 397) % 1500;
        EXPECT_EQ(Bytes(d.begin(), d.end()), datagram(length_popped, popped));
        ++popped;
      }
      queue.pop(out.size());
    }
  }
}

TEST(DatagramQueue, EachDatagramKeepsItsSourceHostAcrossTheWrap) {
  DatagramQueue queue(4096);
  std::vector<std::span<const std::uint8_t>> out;
  std::vector<HostAddress> hosts;
  for (std::uint8_t round = 0; round < 100; ++round) {
    const Bytes bytes = datagram(1 + (round * 211) % 1500, round);
    HostAddress host{};
    host[15] = round;
    const std::span<const std::uint8_t> one[] = {bytes};
    ASSERT_EQ(queue.push(one, std::span(&host, 1)), 1u);
    out.clear();
    hosts.clear();
    ASSERT_EQ(queue.peek(1, Nanos(0), out, &hosts), 1u);
    ASSERT_EQ(hosts.size(), 1u);
    EXPECT_EQ(hosts[0], host);
    EXPECT_EQ(Bytes(out[0].begin(), out[0].end()), bytes);
    queue.pop(1);
  }
}

TEST(DatagramQueue, AFullQueueRefusesWhatDoesNotFitAndKeepsTheRest) {
  DatagramQueue queue(4096);
  const Bytes big = datagram(1400, 1);
  std::vector<std::span<const std::uint8_t>> three(3, big);
  EXPECT_EQ(queue.push(three), 2u);  // 2 x 1424 fit in 4096, the third does not
  EXPECT_EQ(push_one(queue, datagram(8000, 2)), 0u);
  std::vector<std::span<const std::uint8_t>> out;
  ASSERT_EQ(queue.peek(10, Nanos(0), out), 2u);
  EXPECT_EQ(Bytes(out[1].begin(), out[1].end()), big);
  queue.pop(1);
  EXPECT_EQ(push_one(queue, big), 1u);  // room again
}

TEST(DatagramQueue, PeekOnAnEmptyQueueWaitsThenReturnsNothing) {
  DatagramQueue queue(1024);
  std::vector<std::span<const std::uint8_t>> out;
  EXPECT_EQ(queue.peek(4, std::chrono::milliseconds(1), out), 0u);
  EXPECT_TRUE(out.empty());
}

TEST(DatagramQueue, AProducerAndAConsumerThreadMoveEverythingInOrder) {
  constexpr std::uint32_t kDatagrams = 200000;
  DatagramQueue queue(64 << 10);
  std::thread producer([&] {
    std::uint32_t next = 0;
    while (next < kDatagrams) {
      std::vector<Bytes> batch;
      for (std::uint32_t i = next; i < std::min(kDatagrams, next + 16); ++i) {
        batch.push_back(datagram(5 + i % 1400, i));
        std::memcpy(batch.back().data(), &i, sizeof i);
      }
      std::vector<std::span<const std::uint8_t>> views(batch.begin(), batch.end());
      next += static_cast<std::uint32_t>(queue.push(views));  // a full queue: try again
    }
  });
  std::uint32_t expected = 0;
  std::vector<std::span<const std::uint8_t>> out;
  while (expected < kDatagrams) {
    out.clear();
    const std::size_t n = queue.peek(64, std::chrono::milliseconds(100), out);
    for (const auto& d : out) {
      std::uint32_t number;
      ASSERT_EQ(d.size(), 5 + expected % 1400);
      std::memcpy(&number, d.data(), sizeof number);
      ASSERT_EQ(number, expected);
      ASSERT_EQ(d.back(), datagram(d.size(), expected).back());
      ++expected;
    }
    queue.pop(n);
  }
  producer.join();
}

}  // namespace
}  // namespace ltp::udp
