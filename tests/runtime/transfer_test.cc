// Two real nodes on loopback (daemons, udplso/udplsi, the client API):
// blocks of every colour and size arrive intact with the right notices,
// many at the export-session limit, both ways at once, across a stop and
// restart of the receiver, and a killed client's id is reclaimed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "tests/runtime/two_nodes.h"

namespace ltp::runtime_test {
namespace {

using api::NoticeType;

constexpr std::uint64_t kClient = 1;

// Sends one block and waits for its outcome at the sender.
void send_and_complete(api::AccessPoint& sender, const std::vector<std::byte>& data,
                       std::uint64_t red_length) {
  auto sid = sender.send(2, data, red_length);
  ASSERT_TRUE(sid) << sid.error().message;
  EXPECT_TRUE(take_notices(sender, [&](api::Notice& n) {
    if (n.session != sid.value()) return false;
    EXPECT_NE(n.type, NoticeType::export_cancelled) << "reason " << int(n.reason);
    return n.type == NoticeType::export_complete || n.type == NoticeType::export_cancelled;
  }));
}

class Transfer : public TwoNodes {};

TEST_F(Transfer, RedBlocksFromOneByteToFiftyMegabytesArriveIntact) {
  start();
  auto sender = open(1, kClient);
  auto receiver = open(2, kClient);
  ASSERT_TRUE(sender && receiver);
  for (std::size_t size : {std::size_t{1}, std::size_t{1399}, std::size_t{1400}, std::size_t{65543},
                           std::size_t{1} << 20, std::size_t{50} << 20}) {
    SCOPED_TRACE(size);
    const auto data = pattern(size, static_cast<std::uint32_t>(size));
    send_and_complete(*sender, data, api::kAllRed);
    EXPECT_TRUE(take_notices(*receiver, [&](api::Notice& n) {
      if (n.type != NoticeType::red_part) return false;
      EXPECT_EQ(n.session.engine, 1u);
      EXPECT_TRUE(n.end_of_block);
      EXPECT_TRUE(n.data.to_vector() == data) << "red part differs";
      return true;
    }));
  }
}

TEST_F(Transfer, GreenAndMixedBlocksArriveWithTheirNotices) {
  SpanSettings settings;
  settings.lso_bits_per_second = 20'000'000;
  start(settings);
  auto sender = open(1, kClient);
  auto receiver = open(2, kClient);
  ASSERT_TRUE(sender && receiver);
  struct Case {
    std::size_t size;
    std::size_t red;
  };
  for (const Case c : {Case{10000, 0}, Case{8000, 5000}, Case{1, 0}, Case{300000, 100000}}) {
    SCOPED_TRACE(c.size);
    const auto data = pattern(c.size, static_cast<std::uint32_t>(c.red));
    send_and_complete(*sender, data, c.red);
    std::vector<std::byte> red, green(c.size - c.red);
    std::size_t green_bytes = 0;
    bool end = false;
    EXPECT_TRUE(take_notices(*receiver, [&](api::Notice& n) {
      if (n.type == NoticeType::red_part) {
        red = n.data.to_vector();
      } else if (n.type == NoticeType::green_segment) {
        EXPECT_GE(n.offset, c.red);
        const auto bytes = n.data.to_vector();
        EXPECT_LE(n.offset - c.red + bytes.size(), green.size());
        std::copy(bytes.begin(), bytes.end(), green.begin() + (n.offset - c.red));
        green_bytes += bytes.size();
        end = end || n.end_of_block;
      }
      return green_bytes == c.size - c.red && end && red.size() == c.red;
    }));
    EXPECT_TRUE(std::equal(red.begin(), red.end(), data.begin()));
    EXPECT_TRUE(std::equal(green.begin(), green.end(), data.begin() + c.red));
  }
}

TEST_F(Transfer, ManyBlocksAtTheExportSessionLimit) {
  SpanSettings settings;
  settings.max_export_sessions = 4;
  start(settings);
  auto sender = open(1, kClient);
  auto receiver = open(2, kClient);
  ASSERT_TRUE(sender && receiver);
  constexpr int kBlocks = 300;
  std::atomic<int> completed{0};
  // The sender's notices are taken while it is still sending, as an
  // application would: send() blocks whenever four sessions are open.
  std::thread outcomes([&] {
    take_notices(*sender, [&](api::Notice& n) {
      EXPECT_NE(n.type, NoticeType::export_cancelled);
      if (n.type == NoticeType::export_complete) ++completed;
      return completed == kBlocks;
    });
  });
  for (int i = 0; i < kBlocks; ++i) {
    auto sid = sender->send(2, pattern(5000 + i, i));
    ASSERT_TRUE(sid) << sid.error().message;
  }
  std::set<std::size_t> sizes;
  EXPECT_TRUE(take_notices(*receiver, [&](api::Notice& n) {
    if (n.type != NoticeType::red_part) return false;
    const auto bytes = n.data.to_vector();
    const int i = static_cast<int>(bytes.size()) - 5000;
    EXPECT_TRUE(bytes == pattern(5000 + i, i)) << "block " << i;
    EXPECT_TRUE(sizes.insert(bytes.size()).second) << "block " << i << " twice";
    return sizes.size() == kBlocks;
  }));
  outcomes.join();
  EXPECT_EQ(completed, kBlocks);
}

TEST_F(Transfer, BothDirectionsAtOnce) {
  start();
  auto a = open(1, kClient);
  auto b = open(2, kClient);
  ASSERT_TRUE(a && b);
  constexpr int kBlocks = 40;
  auto exchange = [&](api::AccessPoint& ap, std::uint64_t peer, std::uint32_t tag,
                      std::uint32_t peer_tag) {
    std::thread sender([&] {
      for (int i = 0; i < kBlocks; ++i) {
        auto sid = ap.send(peer, pattern(100000 + i, tag + i));
        EXPECT_TRUE(sid) << sid.error().message;
      }
    });
    // Blocks may complete out of order (one lost datagram delays its own
    // block only); each says by its size which one it is.
    std::set<int> received;
    int completed = 0;
    EXPECT_TRUE(take_notices(ap, [&](api::Notice& n) {
      if (n.type == NoticeType::red_part) {
        const auto bytes = n.data.to_vector();
        const int i = static_cast<int>(bytes.size()) - 100000;
        EXPECT_TRUE(bytes == pattern(100000 + i, peer_tag + i)) << "block " << i;
        EXPECT_TRUE(received.insert(i).second) << "block " << i << " twice";
      }
      if (n.type == NoticeType::export_complete) ++completed;
      return received.size() == kBlocks && completed == kBlocks;
    }));
    sender.join();
  };
  std::thread one([&] { exchange(*a, 2, 1000, 2000); });
  exchange(*b, 1, 2000, 1000);
  one.join();
}

TEST_F(Transfer, ReceiverStoppedAndRestartedMidTransferLosesNothing) {
  start();
  auto sender = open(1, kClient);
  ASSERT_TRUE(sender);
  constexpr int kBlocks = 12;
  std::set<int> delivered;
  {
    auto receiver = open(2, kClient);
    ASSERT_TRUE(receiver);
    for (int i = 0; i < kBlocks; ++i) ASSERT_TRUE(sender->send(2, pattern(1 << 20, i)));
    // The first block in is the event: stop the receiving node then.
    EXPECT_TRUE(take_notices(*receiver, [&](api::Notice& n) {
      if (n.type != NoticeType::red_part) return false;
      for (int i = 0; i < kBlocks; ++i) {
        if (n.data.to_vector() == pattern(1 << 20, i)) delivered.insert(i);
      }
      return true;
    }));
    ASSERT_EQ(delivered.size(), 1u);
  }
  ASSERT_EQ(node(2).stop(), "");
  ASSERT_EQ(node(2).start(), "");
  auto receiver = open(2, kClient);
  ASSERT_TRUE(receiver);
  // Until the receiving client opened its id again (just above), a block
  // whose first segment arrives is refused UNREACH, as in ION, and comes
  // back to the sender with its data; the sender sends it again, as an
  // application would. Nothing else may be cancelled, nothing lost.
  int completed = 0;
  std::thread sender_side([&] {
    EXPECT_TRUE(take_notices(*sender, [&](api::Notice& n) {
      if (n.type == NoticeType::export_cancelled) {
        EXPECT_EQ(int(n.reason), 1) << "cancelled for another reason than UNREACH";
        const auto bytes = n.data.to_vector();
        EXPECT_EQ(bytes.size(), std::size_t{1} << 20) << "a refused block came back without data";
        EXPECT_TRUE(sender->send(2, bytes));
      }
      if (n.type == NoticeType::export_complete) ++completed;
      return completed == kBlocks;
    }));
  });
  EXPECT_TRUE(take_notices(*receiver, [&](api::Notice& n) {
    if (n.type != NoticeType::red_part) return false;
    const auto bytes = n.data.to_vector();
    int which = -1;
    for (int i = 0; i < kBlocks; ++i) {
      if (bytes == pattern(1 << 20, i)) which = i;
    }
    EXPECT_GE(which, 0) << "a red part that was never sent";
    EXPECT_TRUE(delivered.insert(which).second) << "block " << which << " delivered twice";
    return delivered.size() == kBlocks;
  }));
  sender_side.join();
  EXPECT_EQ(completed, kBlocks);
}

TEST_F(Transfer, AClientKilledWhileWaitingForANoticeLeavesItsIdReusable) {
  start();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // The child attaches on its own, opens client 9 and blocks.
    auto client = api::Client::attach(node(2).path().string());
    if (!client) ::_exit(3);
    auto ap = api::AccessPoint::open(client.value(), 9);
    if (!ap) ::_exit(4);
    (void)!::write(ready[1], "r", 1);
    (void)ap.value()->next_notice();
    ::_exit(5);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto receiver = open(2, 9);
  ASSERT_TRUE(receiver);
  auto sender = open(1, 9);
  ASSERT_TRUE(sender);
  const auto data = pattern(3000, 9);
  send_and_complete(*sender, data, api::kAllRed);
  EXPECT_TRUE(take_notices(*receiver, [&](api::Notice& n) {
    return n.type == NoticeType::red_part && n.data.to_vector() == data;
  }));
}

}  // namespace
}  // namespace ltp::runtime_test
