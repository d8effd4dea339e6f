// The link-service API in one process: two daemon-less nodes (or one
// looped back) whose segments the test moves itself through the C++ API
// (SpanLink, handle_inbound) and the C API (ltpDequeueOutboundSegment...).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <numeric>
#include <thread>

#include <openltp/ltp_link_service.h>
#include "ipc/node_semaphore.h"
#include "ipc/transaction.h"
#include "libltp/api/link_service.h"
#include "libltp/api/testing/test_node.h"
#include "libltp/db/volatile_db.h"
#include "libltp/node/semaphore_names.h"

namespace ltp::api {
namespace {

using namespace std::chrono_literals;
using testing::LinkTestNode;

constexpr std::uint64_t kClient = 1;

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return bytes;
}

std::string span_line(std::uint64_t engine) {
  return "a span " + std::to_string(engine) + " 10 10 1400 100000 1 'udplso 127.0.0.1:1'";
}

// Moves one batch from `link` (on `from`) to `to`; returns how many.
std::size_t pump(SpanLink& link, LinkTestNode& from, LinkTestNode& to) {
  engine::OutboundBatch batch;
  auto got = link.dequeue(from.engine(), 64, batch, node::now_ms());
  EXPECT_TRUE(got) << got.error().message;
  if (!got || got.value() == 0) return 0;
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::vector<std::span<const std::uint8_t>> views;
  for (const auto& segment : batch.segments()) {
    datagrams.push_back(engine::OutboundBatch::flatten(segment));
  }
  for (const auto& d : datagrams) views.emplace_back(d);
  auto handled = handle_inbound(to.engine(), views, node::now_ms());
  EXPECT_TRUE(handled) << handled.error().message;
  return got.value();
}

struct TwoNodes : ::testing::Test {
  void SetUp() override {
    a = LinkTestNode::make(1, {span_line(2)});
    b = LinkTestNode::make(2, {span_line(1)});
    ASSERT_TRUE(a && b);
    auto la = SpanLink::open(a->node(), 2);
    auto lb = SpanLink::open(b->node(), 1);
    ASSERT_TRUE(la && lb);
    a_to_b = std::move(la).value();
    b_to_a = std::move(lb).value();
  }
  // Until neither side has anything left to send.
  void exchange() {
    for (int round = 0; round < 1000; ++round) {
      if (pump(*a_to_b, *a, *b) + pump(*b_to_a, *b, *a) == 0) return;
    }
    ADD_FAILURE() << "segments still flowing after 1000 rounds";
  }
  std::unique_ptr<LinkTestNode> a, b;
  std::unique_ptr<SpanLink> a_to_b, b_to_a;
};

TEST_F(TwoNodes, RedBlockDeliveredThroughTheApi) {
  const auto sdu = pattern(20000);
  ASSERT_TRUE(a->engine().send(kClient, 2, sdu, engine::kAllRed, node::now_ms()));
  ASSERT_TRUE(a->engine().flush(2, node::now_ms()));
  EXPECT_EQ(a_to_b->try_wait(), ipc::WaitResult::acquired) << "flush posts the segment semaphore";
  exchange();
  auto red = b->wait_notice(kClient, 0ms);
  ASSERT_TRUE(red);
  EXPECT_EQ(red->notice.type, db::NoticeType::red_part);
  EXPECT_EQ(red->data, sdu);
  bool completed = false;
  while (auto n = a->wait_notice(kClient, 0ms)) {
    completed |= n->notice.type == db::NoticeType::export_complete;
  }
  EXPECT_TRUE(completed);
}

TEST_F(TwoNodes, GreenBlockWithSegmentsReportedSentLater) {
  const auto sdu = pattern(5000);
  ASSERT_TRUE(a->engine().send(kClient, 2, sdu, 0, node::now_ms()));
  ASSERT_TRUE(a->engine().flush(2, node::now_ms()));
  engine::OutboundBatch batch;
  auto got = a_to_b->dequeue(a->engine(), 64, batch, node::now_ms());
  ASSERT_TRUE(got);
  ASSERT_EQ(got.value(), 4u) << "5000 octets in 1400-octet segments";
  EXPECT_TRUE(a_to_b->sent(a->engine(), batch.segments(), node::now_ms() + 5));
  std::vector<std::uint8_t> received;
  for (const auto& segment : batch.segments()) {
    const auto datagram = engine::OutboundBatch::flatten(segment);
    ASSERT_TRUE(handle_inbound(b->engine(), std::vector{std::span<const std::uint8_t>(datagram)},
                               node::now_ms()));
    auto green = b->wait_notice(kClient, 0ms);
    ASSERT_TRUE(green);
    EXPECT_EQ(green->notice.type, db::NoticeType::green_segment);
    received.insert(received.end(), green->data.begin(), green->data.end());
  }
  EXPECT_EQ(received, sdu);
}

TEST_F(TwoNodes, GarbageIsDroppedNotAnError) {
  const std::vector<std::uint8_t> junk{0xff, 0x01, 0x02};
  const std::vector<std::uint8_t> empty;
  EXPECT_TRUE(handle_inbound(b->engine(), std::vector<std::span<const std::uint8_t>>{junk, empty},
                             node::now_ms()));
}

TEST_F(TwoNodes, ClaimRecordsTheLsoAndRefusesASecondOne) {
  EXPECT_FALSE(a_to_b->lso_pid());
  ASSERT_TRUE(a_to_b->claim());
  EXPECT_EQ(a_to_b->lso_pid(), ::getpid());
  EXPECT_EQ(a->node().vdb()->find_span(2)->lso_pid, ::getpid());
  EXPECT_TRUE(a_to_b->claim()) << "claiming again is harmless";
  a_to_b.reset();
  EXPECT_EQ(a->node().vdb()->find_span(2)->lso_pid, 0);

  // Our parent stands in for another live LSO.
  auto registry = b->node().registry();
  ASSERT_TRUE(registry);
  ASSERT_TRUE(registry->add(node::lso_role(1), ::getppid()));
  auto claimed = b_to_a->claim();
  ASSERT_FALSE(claimed);
  EXPECT_EQ(claimed.error().code, LinkErrc::lso_running);
  EXPECT_NE(claimed.error().message.find("already served"), std::string::npos);
  EXPECT_TRUE(registry->remove(node::lso_role(1), ::getppid()));
}

TEST_F(TwoNodes, LinkStateFollowsTheVolatileSpan) {
  EXPECT_TRUE(a_to_b->link_state().transmitting);
  db::VolatileSpan* v = a->node().vdb()->span(2);
  v->local_transmitting = 0;
  v->transmit_rate = 125000;
  EXPECT_FALSE(a_to_b->link_state().transmitting);
  EXPECT_EQ(a_to_b->link_state().transmit_rate, 125000u);
  EXPECT_EQ(a_to_b->max_segment_size(), 1400u);
}

TEST_F(TwoNodes, EndedSemaphoreEndsTheLoop) {
  EXPECT_EQ(a_to_b->wait(1ms), ipc::WaitResult::timed_out);
  a_to_b->semaphore().end();
  EXPECT_TRUE(a_to_b->ended());
  EXPECT_EQ(a_to_b->wait(1s), ipc::WaitResult::ended);
}

TEST_F(TwoNodes, NoSuchSpan) {
  auto link = SpanLink::open(a->node(), 77);
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, LinkErrc::no_such_span);
}

// The C API, on a node whose span 1 loops back to itself.
struct CApi : ::testing::Test {
  void SetUp() override {
    node = LinkTestNode::make(1, {span_line(1)});
    ASSERT_TRUE(node);
    ::setenv("LTP_NODE_DIR", node->dir().dir().c_str(), 1);
    ASSERT_EQ(ltpInit(0), 0) << ltpLinkError();
    PsmAddress elt = 0;
    findSpan(1, &vspan, &elt);
    ASSERT_NE(elt, 0u) << ltpLinkError();
    ASSERT_NE(vspan, nullptr);
  }
  void TearDown() override {
    ltpLinkDetach();
    ::unsetenv("LTP_NODE_DIR");
  }
  // Ends the span's semaphore if the test is still running after a while,
  // so a blocked dequeue fails the test instead of hanging it.
  void arm_watchdog() {
    watchdog = std::jthread([this](std::stop_token stop) {
      for (int i = 0; i < 200 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(50ms);
      if (!stop.stop_requested()) {
        ipc::NodeSemaphore::open(node->dir(), node::segment_semaphore(1)).value().end();
      }
    });
  }
  std::unique_ptr<LinkTestNode> node;
  LtpVspan* vspan = nullptr;
  std::jthread watchdog;
};

TEST_F(CApi, FindSpanAndClaim) {
  EXPECT_EQ(vspan->engineId, 1u);
  EXPECT_EQ(vspan->lsoPid, -1);
  LtpVspan* other = nullptr;
  PsmAddress elt = 1;
  findSpan(99, &other, &elt);
  EXPECT_EQ(elt, 0u);
  EXPECT_EQ(other, nullptr);
  EXPECT_NE(std::string(ltpLinkError()).find("no span to engine 99"), std::string::npos);

  auto started = ipc::NodeSemaphore::open(node->dir(), node::kStartedSemaphore).value();
  ASSERT_EQ(ltpClaimSpan(vspan), 0) << ltpLinkError();
  EXPECT_EQ(vspan->lsoPid, sm_TaskIdSelf());
  EXPECT_EQ(started.try_wait(), ipc::WaitResult::acquired) << "claiming announces the start";
  ASSERT_EQ(ltpClaimSeat(), 0) << ltpLinkError();
  EXPECT_TRUE(node->node().registry()->is_alive(node::lsi_role(::getpid())));
}

TEST_F(CApi, ClaimRefusedWhileAnotherLsoLives) {
  ASSERT_TRUE(node->node().registry()->add(node::lso_role(1), ::getppid()));
  findSpan(1, &vspan, nullptr);
  EXPECT_EQ(vspan->lsoPid, ::getppid());
  EXPECT_EQ(ltpClaimSpan(vspan), -1);
  EXPECT_NE(std::string(ltpLinkError()).find("already served"), std::string::npos);
  EXPECT_TRUE(node->node().registry()->remove(node::lso_role(1), ::getppid()));
}

TEST_F(CApi, OneSegmentAtATimeRoundTrip) {
  arm_watchdog();
  const auto sdu = pattern(9000);
  ASSERT_TRUE(node->engine().send(kClient, 1, sdu, engine::kAllRed, node::now_ms()));
  ASSERT_TRUE(node->engine().flush(1, node::now_ms()));
  std::optional<LinkTestNode::TakenNotice> red;
  bool completed = false;
  while (!(red && completed)) {
    char* segment = nullptr;
    const int length = ltpDequeueOutboundSegment(vspan, &segment);
    ASSERT_GE(length, 0) << ltpLinkError();
    if (length > 0) {
      ASSERT_EQ(ltpHandleInboundSegment(segment, length), 0) << ltpLinkError();
    }
    while (auto n = node->wait_notice(kClient, 0ms)) {
      if (n->notice.type == db::NoticeType::red_part) red = std::move(n);
      completed |= n && n->notice.type == db::NoticeType::export_complete;
    }
    sm_TaskYield();
  }
  EXPECT_EQ(red->data, sdu);
}

TEST_F(CApi, BatchRoundTrip) {
  arm_watchdog();
  const auto sdu = pattern(30000);  // 22 segments: several batches of 8
  ASSERT_TRUE(node->engine().send(kClient, 1, sdu, engine::kAllRed, node::now_ms()));
  ASSERT_TRUE(node->engine().flush(1, node::now_ms()));
  ASSERT_EQ(ltpSpanLinkState(vspan, nullptr), 1);
  std::optional<LinkTestNode::TakenNotice> red;
  bool completed = false;
  while (!(red && completed)) {
    LtpOutboundSegment segments[8];
    const int got = ltpDequeueOutboundSegments(vspan, segments, 8);
    ASSERT_GE(got, 0) << ltpLinkError();
    ASSERT_LE(got, 8);
    std::vector<std::vector<char>> flat(got);
    std::vector<iovec> datagrams(got);
    for (int i = 0; i < got; ++i) {
      for (int p = 0; p < segments[i].iovCount; ++p) {
        const auto* base = static_cast<const char*>(segments[i].iov[p].iov_base);
        flat[i].insert(flat[i].end(), base, base + segments[i].iov[p].iov_len);
      }
      ASSERT_EQ(flat[i].size(), segments[i].length);
      datagrams[i] = iovec{flat[i].data(), flat[i].size()};
    }
    if (got > 0) {
      ASSERT_EQ(ltpOutboundSegmentsSent(vspan), 0) << ltpLinkError();
    }
    ASSERT_EQ(ltpHandleInboundSegments(datagrams.data(), got), 0) << ltpLinkError();
    while (auto n = node->wait_notice(kClient, 0ms)) {
      completed |= n->notice.type == db::NoticeType::export_complete;
      if (n->notice.type == db::NoticeType::red_part) red = std::move(n);
    }
  }
  EXPECT_EQ(red->data, sdu);
}

// Drains what the span lets go now; returns the octets dequeued.
std::uint64_t dequeue_all(LtpVspan* vspan) {
  std::uint64_t octets = 0;
  for (;;) {
    LtpOutboundSegment segments[64];
    const int got = ltpDequeueOutboundSegments(vspan, segments, 64);
    EXPECT_GE(got, 0) << ltpLinkError();
    if (got <= 0) return octets;
    for (int i = 0; i < got; ++i) octets += segments[i].length;
    EXPECT_EQ(ltpOutboundSegmentsSent(vspan), 0) << ltpLinkError();
  }
}

// A third-party LSO opts in to the learned rate as udplso --learn-rate
// does: until the first report, the span lets a megabyte of blocks go and
// holds the next; the rate to pace at is the ceiling until an estimate.
TEST_F(CApi, PacingByTheLearnedRate) {
  uvast rate = 1;
  ASSERT_EQ(ltpSpanSendingRate(vspan, 5000, &rate), 0) << ltpLinkError();
  EXPECT_EQ(rate, 5000u) << "no estimate yet: the ceiling";
  EXPECT_EQ(ltpSpanSendingRate(vspan, 0, nullptr), -1);
  EXPECT_EQ(ltpPaceByLearnedRate(vspan, 2), -1);
  EXPECT_NE(std::string(ltpLinkError()).find("1 or 0"), std::string::npos);

  ASSERT_EQ(ltpPaceByLearnedRate(vspan, 1), 0) << ltpLinkError();
  for (std::uint64_t block = 0; block < 3; ++block) {
    ASSERT_TRUE(node->engine().send(kClient, 1, pattern(400'000), engine::kAllRed, node::now_ms()));
  }
  ASSERT_TRUE(node->engine().flush(1, node::now_ms()));
  const std::uint64_t first = dequeue_all(vspan);
  EXPECT_GE(first, 800'000u) << "two blocks fit in the first megabyte";
  EXPECT_LT(first, 1'000'000u) << "the third waits for the first estimate";
  ASSERT_EQ(ltpPaceByLearnedRate(vspan, 0), 0) << ltpLinkError();
  EXPECT_GE(dequeue_all(vspan), 400'000u) << "opted out, the held block goes";
}

TEST_F(CApi, SpanEndedStopsTheLoop) {
  EXPECT_EQ(sm_SemEnded(vspan->segSemaphore), 0);
  std::thread ender([this] {
    // Usually lets the dequeue below block first; either order must end it.
    std::this_thread::sleep_for(20ms);
    ipc::NodeSemaphore::open(node->dir(), node::segment_semaphore(1)).value().end();
  });
  char* segment = nullptr;
  int length = 0;
  // The first call finds the span empty; the next blocks until the end.
  while ((length = ltpDequeueOutboundSegment(vspan, &segment)) == 0) {
  }
  ender.join();
  EXPECT_EQ(length, -1);
  EXPECT_EQ(sm_SemEnded(vspan->segSemaphore), 1);
  EXPECT_EQ(sm_SemEnded(12345), 1) << "an unknown semaphore counts as ended";
}

TEST(CApiDetached, CallsFailCleanly) {
  ltpLinkDetach();
  LtpVspan* vspan = nullptr;
  PsmAddress elt = 7;
  findSpan(1, &vspan, &elt);
  EXPECT_EQ(elt, 0u);
  char byte = 0;
  EXPECT_EQ(ltpHandleInboundSegment(&byte, 1), -1);
  EXPECT_NE(std::string(ltpLinkError()).find("ltpInit"), std::string::npos);
}

}  // namespace
}  // namespace ltp::api
