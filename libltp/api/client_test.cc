// The client API against daemon-less nodes: each test makes its nodes'
// heaps and volatile segments itself and moves segments between the
// engines by hand (dequeue on one, handle_inbound on the other), so what
// the API does — claiming ids, blocking and waking, notices, in-place data
// — is observed without timing on daemons.
#include "libltp/api/client.h"
#include "ipc/heap.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <future>
#include <numeric>
#include <thread>

#include <openltp/ltp.h>
#include "ipc/heap_check.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"
#include "libltp/db/ltp_db.h"
#include "libltp/engine/engine.h"
#include "libltp/node/node.h"
#include "libltp/node/node_control.h"

namespace ltp::api {
namespace {

using namespace std::chrono_literals;

// One node in a temporary directory, started without daemons, with a
// driver Engine that plays the LSO/LSI/clock parts.
class TestNode {
 public:
  TestNode(std::uint64_t engine_id, const std::vector<std::uint64_t>& spans,
           std::uint64_t max_export_sessions = 10,
           std::uint64_t heap_size = std::uint64_t{64} << 20)
      : dir_(ipc::NodeDir::at(temp_.path()).value()) {
    EXPECT_TRUE(node::ensure_heap(dir_, {.size = heap_size}));
    {
      auto heap = ipc::Heap::attach(dir_.heap_path()).value();
      auto txn = heap->begin().value();
      auto db = db::LtpDb::create(txn, engine_id, db::NodeConfig{}).value();
      for (const auto peer : spans) {
        db::SpanConfig span;
        span.engine_id = peer;
        span.max_export_sessions = max_export_sessions;
        EXPECT_TRUE(db.add_span(txn, span));
      }
      EXPECT_TRUE(txn.commit());
    }
    EXPECT_TRUE(node::prepare_volatile(dir_));
    node_ = node::Node::attach(dir_).value();
    engine_ = node_->make_engine().value();
  }
  ~TestNode() {
    engine_.reset();
    node_.reset();
    (void)node::stop_node(dir_);
  }

  const ipc::NodeDir& dir() const { return dir_; }
  std::string path() const { return temp_.path().string(); }
  engine::Engine& engine() { return *engine_; }

  std::uint64_t heap_arena() { return node_->heap().header().arena_size; }

  std::uint64_t heap_objects() {
    auto txn = node_->heap().begin().value();
    return ipc::heap_stats(txn).objects;
  }

  // What ltpdeliv does on finding the holder of `client_id` dead.
  void reap(std::uint64_t client_id) {
    auto txn = node_->heap().begin().value();
    ASSERT_TRUE(db::LtpDb::open(txn).value().orphan_client(txn, client_id));
    ASSERT_TRUE(txn.commit());
  }

  // Fires every timer due within the next hour: closed-session memories
  // and grace periods end, so only live objects remain in the heap.
  void age() { ASSERT_TRUE(engine_->on_timers(node::now_ms() + 3'600'000)); }

 private:
  ipc::testing::TempDir temp_;
  ipc::NodeDir dir_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<engine::Engine> engine_;
};

// Moves what `from` has queued for span `span` into `to`; returns how many
// segments moved.
std::size_t carry(engine::Engine& from, std::uint64_t span, engine::Engine& to) {
  engine::OutboundBatch batch;
  std::size_t moved = 0;
  for (;;) {
    batch.clear();
    const auto n = from.dequeue(span, 64, node::now_ms(), batch);
    EXPECT_TRUE(n);
    if (!n || n.value() == 0) return moved;
    for (const auto& segment : batch.segments()) {
      EXPECT_TRUE(to.handle_inbound(engine::OutboundBatch::flatten(segment), node::now_ms()));
    }
    moved += n.value();
  }
}

// Until neither direction has anything to send.
void exchange(TestNode& a, std::uint64_t a_engine, TestNode& b, std::uint64_t b_engine) {
  while (carry(a.engine(), b_engine, b.engine()) + carry(b.engine(), a_engine, a.engine()) > 0) {
  }
}

void loopback(TestNode& n, std::uint64_t engine_id) {
  while (carry(n.engine(), engine_id, n.engine()) > 0) {
  }
}

std::vector<std::byte> pattern(std::size_t size, unsigned seed = 1) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = std::byte((i * 131 + seed) & 0xff);
  return bytes;
}

// Every notice queued now (none left: the last call times out at once).
std::vector<Notice> drain(AccessPoint& ap) {
  std::vector<Notice> notices;
  for (;;) {
    auto next = ap.next_notice(0ms);
    EXPECT_TRUE(next) << (next ? "" : next.error().message);
    if (!next || next.value().type == NoticeType::none) return notices;
    notices.push_back(std::move(next).value());
  }
}

const Notice* find(const std::vector<Notice>& notices, NoticeType type) {
  for (const auto& n : notices) {
    if (n.type == type) return &n;
  }
  return nullptr;
}

std::shared_ptr<Client> attach(const TestNode& n) {
  auto client = Client::attach(n.path());
  EXPECT_TRUE(client) << (client ? "" : client.error().message);
  return client ? client.value() : nullptr;
}

TEST(ClientTest, AttachNamesAMissingNode) {
  ipc::testing::TempDir empty;
  auto client = Client::attach(empty.path().string());
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, ClientErrc::no_node);
  EXPECT_NE(client.error().message.find("ltpadmin"), std::string::npos);
}

TEST(ClientTest, LoopbackBlockArrivesIntactAndInPlace) {
  TestNode n(1, {1});
  auto client = attach(n);
  EXPECT_FALSE(client->engine_started());
  EXPECT_EQ(client->own_engine_id(), 1u);
  auto ap = AccessPoint::open(client, 1).value();

  const auto before = n.heap_objects();
  // Over three 64 KiB chunks, past the aggregation threshold: one block.
  const auto sent = pattern(200'000);
  auto sid = ap->send(1, sent);
  ASSERT_TRUE(sid) << sid.error().message;
  EXPECT_EQ(sid.value().engine, 1u);
  loopback(n, 1);

  auto notices = drain(*ap);
  EXPECT_NE(find(notices, NoticeType::export_start), nullptr);
  EXPECT_NE(find(notices, NoticeType::transmission_complete), nullptr);
  EXPECT_NE(find(notices, NoticeType::export_complete), nullptr);
  const Notice* red = find(notices, NoticeType::red_part);
  ASSERT_NE(red, nullptr);
  EXPECT_EQ(red->session, sid.value());
  EXPECT_TRUE(red->end_of_block);
  EXPECT_EQ(red->length, sent.size());
  EXPECT_EQ(red->data.size(), sent.size());
  // In place: the heap's chunks, not one private copy.
  EXPECT_GE(red->data.chunks().size(), 4u);
  EXPECT_EQ(red->data.to_vector(), sent);
  std::vector<std::byte> tail(100);
  EXPECT_EQ(red->data.copy_to(tail, sent.size() - 50), 50u);
  EXPECT_TRUE(std::equal(tail.begin(), tail.begin() + 50, sent.end() - 50));

  notices.clear();  // BlockData's destructor releases
  n.age();
  EXPECT_EQ(n.heap_objects(), before);
}

TEST(ClientTest, ReleaseFreesTheBufferOnce) {
  TestNode n(1, {1});
  auto client = attach(n);
  auto ap = AccessPoint::open(client, 1).value();
  ASSERT_TRUE(ap->send(1, pattern(1000)));
  ASSERT_TRUE(ap->flush(1));
  loopback(n, 1);
  auto notices = drain(*ap);
  auto it = std::find_if(notices.begin(), notices.end(),
                         [](const Notice& x) { return x.type == NoticeType::red_part; });
  ASSERT_NE(it, notices.end());
  const auto with_data = n.heap_objects();
  BlockData data = std::move(it->data);
  EXPECT_TRUE(it->data.empty());
  EXPECT_TRUE(data.release());
  EXPECT_TRUE(data.empty());
  EXPECT_TRUE(data.release());  // a second release does nothing
  EXPECT_LT(n.heap_objects(), with_data);
}

TEST(ClientTest, TwoEnginesDeliverToABlockedReceiver) {
  TestNode a(1, {2});
  TestNode b(2, {1});
  auto sender = AccessPoint::open(attach(a), 7).value();
  auto receiver = AccessPoint::open(attach(b), 7).value();

  auto received = std::async(std::launch::async, [&] {
    // Blocks on the notice semaphore until B's engine delivers.
    for (;;) {
      auto next = receiver->next_notice();
      if (!next || next.value().type == NoticeType::red_part) return next;
    }
  });
  const auto sent = pattern(5000, 7);
  auto sid = sender->send(2, sent);
  ASSERT_TRUE(sid);
  ASSERT_TRUE(sender->flush(2));
  exchange(a, 1, b, 2);

  auto red = received.get();
  ASSERT_TRUE(red) << red.error().message;
  EXPECT_EQ(red.value().session, sid.value());
  EXPECT_EQ(red.value().data.to_vector(), sent);
  EXPECT_NE(find(drain(*sender), NoticeType::export_complete), nullptr);
}

// Moves up to `max` segments of span `span` from `from` into `to` (none
// into nowhere when `to` is null: lost on the link).
void carry_some(engine::Engine& from, std::uint64_t span, engine::Engine* to, std::uint64_t max) {
  engine::OutboundBatch batch;
  ASSERT_TRUE(from.dequeue(span, max, node::now_ms(), batch));
  for (const auto& segment : batch.segments()) {
    if (to) {
      EXPECT_TRUE(to->handle_inbound(engine::OutboundBatch::flatten(segment), node::now_ms()));
    }
  }
}

TEST(ClientTest, EitherEndCancelsItsSessionAndThePeerHears) {
  TestNode a(1, {2});
  TestNode b(2, {1});
  auto sender = AccessPoint::open(attach(a), 7).value();
  auto other = AccessPoint::open(attach(a), 8).value();
  auto receiver = AccessPoint::open(attach(b), 7).value();

  // The sender cancels a block whose first segments went out (and were
  // lost): its SDU comes back, reason 0, and the CS reaches the receiver.
  const auto first = pattern(20000, 1);
  const auto sent = sender->send(2, first).value();
  ASSERT_TRUE(sender->flush(2));
  carry_some(a.engine(), 2, nullptr, 3);
  const auto refused = other->cancel(sent);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ClientErrc::no_such_session);
  ASSERT_TRUE(sender->cancel(sent));
  ASSERT_TRUE(sender->cancel(sent)) << "cancelling twice is harmless";
  exchange(a, 1, b, 2);
  auto notices = drain(*sender);
  const Notice* cancelled = find(notices, NoticeType::export_cancelled);
  ASSERT_NE(cancelled, nullptr);
  EXPECT_EQ(cancelled->reason, 0);
  EXPECT_EQ(cancelled->data.to_vector(), first);
  EXPECT_EQ(a.engine().stats(2).value().cancels_sent[0], 1u);
  EXPECT_EQ(b.engine().stats(1).value().cancels_received[0], 1u);

  // The receiver cancels a block it is part way through: it is told, and
  // so is the sender, whose SDU comes back with the receiver's reason.
  const auto second = pattern(20000, 2);
  const auto incoming = sender->send(2, second).value();
  ASSERT_TRUE(sender->flush(2));
  carry_some(a.engine(), 2, &b.engine(), 3);
  ASSERT_TRUE(receiver->cancel(incoming));
  exchange(a, 1, b, 2);
  notices = drain(*receiver);
  const Notice* dropped = find(notices, NoticeType::import_cancelled);
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(dropped->session, incoming);
  EXPECT_EQ(dropped->reason, 0);
  EXPECT_EQ(find(notices, NoticeType::red_part), nullptr);
  notices = drain(*sender);
  cancelled = find(notices, NoticeType::export_cancelled);
  ASSERT_NE(cancelled, nullptr);
  EXPECT_EQ(cancelled->session, incoming);
  EXPECT_EQ(cancelled->data.to_vector(), second);
  const auto closed = receiver->cancel(incoming);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ClientErrc::no_such_session);
}

TEST(ClientTest, GreenDataComesAsGreenSegments) {
  TestNode n(1, {1});
  auto ap = AccessPoint::open(attach(n), 1).value();
  const auto sent = pattern(3000);
  ASSERT_TRUE(ap->send(1, sent, 1000));  // green tail closes the block
  loopback(n, 1);
  std::uint64_t green = 0;
  for (const auto& notice : drain(*ap)) {
    if (notice.type == NoticeType::red_part) {
      EXPECT_EQ(notice.data.size(), 1000u);
    }
    if (notice.type == NoticeType::green_segment) {
      const auto bytes = notice.data.to_vector();
      EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), sent.begin() + notice.offset));
      green += notice.length;
    }
  }
  EXPECT_EQ(green, 2000u);
}

TEST(ClientTest, SendWaitsForTheExportWindow) {
  TestNode n(1, {1}, /*max_export_sessions=*/1);
  auto ap = AccessPoint::open(attach(n), 1).value();
  ASSERT_TRUE(ap->send(1, pattern(100), 50));  // closed at once: the only session
  auto second = std::async(std::launch::async, [&] { return ap->send(1, pattern(100), 50); });
  EXPECT_EQ(second.wait_for(0ms), std::future_status::timeout);
  loopback(n, 1);  // the first session completes: the window opens
  auto sid = second.get();
  ASSERT_TRUE(sid) << sid.error().message;
}

TEST(ClientTest, SendWaitsForRoomInAFullHeap) {
  TestNode a(1, {2});
  TestNode b(2, {1}, 10, std::uint64_t{256} << 20);  // room for all that A sends
  auto sender = AccessPoint::open(attach(a), 7).value();
  auto receiver = AccessPoint::open(attach(b), 7).value();
  // Four blocks fill most of the heap; a fifth has to wait for them.
  const auto block = pattern(a.heap_arena() * 2 / 9, 3);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(sender->send(2, block));
  // More than half the heap, with no room now: refused, not left waiting.
  auto big = sender->send(2, pattern(a.heap_arena() / 2 + 1, 4));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ClientErrc::bad_argument);
  EXPECT_NE(big.error().message.find("more than half the node's heap"), std::string::npos);
  auto fifth = std::async(std::launch::async, [&] { return sender->send(2, block); });
  EXPECT_EQ(fifth.wait_for(300ms), std::future_status::timeout);
  exchange(a, 1, b, 2);  // the four are delivered
  a.age();               // and their grace periods end: the room comes back
  auto sid = fifth.get();
  ASSERT_TRUE(sid) << sid.error().message;
  std::size_t delivered = 0;
  for (const auto& n : drain(*receiver)) delivered += n.type == NoticeType::red_part;
  EXPECT_EQ(delivered, 4u);
}

TEST(ClientTest, SendToAnUnknownSpanSaysWhatToDo) {
  TestNode n(1, {1});
  auto ap = AccessPoint::open(attach(n), 1).value();
  auto sent = ap->send(9, pattern(10));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ClientErrc::no_such_span);
  EXPECT_NE(sent.error().message.find("a span 9"), std::string::npos);
  EXPECT_EQ(ap->send(1, {}).error().code, ClientErrc::bad_argument);
}

TEST(ClientTest, SendOfOneKilobyteIsCheap) {
  TestNode n(1, {1});
  auto ap = AccessPoint::open(attach(n), 1).value();
  const auto data = pattern(1024);
  constexpr int kSends = 200;  // 200 KiB: aggregated into two blocks
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSends; ++i) ASSERT_TRUE(ap->send(1, data));
  const auto each = (std::chrono::steady_clock::now() - start) / kSends;
  RecordProperty("send_1k_us", static_cast<int>(each / 1us));
  EXPECT_LT(each, 1ms);
}

TEST(ClientTest, InterruptFromAnotherThreadReturnsNone) {
  TestNode n(1, {1});
  auto ap = AccessPoint::open(attach(n), 4).value();
  auto waiting = std::async(std::launch::async, [&] { return ap->next_notice(); });
  ap->interrupt();
  auto notice = waiting.get();
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice.value().type, NoticeType::none);
  // A timeout is a none too.
  EXPECT_EQ(ap->next_notice(10ms).value().type, NoticeType::none);
}

TEST(ClientTest, CloseWakesAWaiterWithAnError) {
  TestNode n(1, {1});
  auto ap = AccessPoint::open(attach(n), 4).value();
  auto waiting = std::async(std::launch::async, [&] { return ap->next_notice(); });
  ap->close();
  auto notice = waiting.get();
  ASSERT_FALSE(notice);
  EXPECT_EQ(notice.error().code, ClientErrc::not_open);
  EXPECT_FALSE(ap->is_open());
}

TEST(ClientTest, NodeStopEndsTheWait) {
  TestNode n(1, {1});
  auto ap = AccessPoint::open(attach(n), 4).value();
  auto waiting = std::async(std::launch::async, [&] { return ap->next_notice(); });
  ASSERT_TRUE(node::stop_node(n.dir()));
  auto notice = waiting.get();
  ASSERT_FALSE(notice);
  EXPECT_EQ(notice.error().code, ClientErrc::node_stopped);
}

TEST(ClientTest, ReopenAfterCloseInTheSameProcess) {
  TestNode n(1, {1});
  auto client = attach(n);
  auto first = AccessPoint::open(client, 3).value();
  auto twice = AccessPoint::open(client, 3);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ClientErrc::in_use);
  first.reset();
  EXPECT_TRUE(AccessPoint::open(client, 3));
  EXPECT_EQ(AccessPoint::open(client, 0).error().code, ClientErrc::bad_argument);
}

// A child process that attaches to the node, opens `client_id` and runs
// `body` with its access point and the write end of a pipe, on which it
// tells the test what it has done; then it waits to be killed. The test
// reads what it wrote, and kills it (by pid) when it wants the holder
// dead; the destructor kills and reaps it if the test did not.
class ForkedHolder {
 public:
  using Body = std::function<void(AccessPoint&, int tell)>;
  ForkedHolder(const TestNode& n, std::uint64_t client_id, const Body& body) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      auto client = Client::attach(n.path());
      if (!client) ::_exit(1);
      auto ap = AccessPoint::open(client.value(), client_id);
      if (!ap) ::_exit(2);
      body(*ap.value(), fds[1]);
      for (;;) ::pause();
    }
    ::close(fds[1]);
    told_ = fds[0];
  }
  ~ForkedHolder() {
    if (pid_ > 0) kill();
    ::close(told_);
  }
  // The next value the holder wrote (zero if it died first).
  template <class T>
  T read() {
    T value{};
    EXPECT_EQ(::read(told_, &value, sizeof value), static_cast<ssize_t>(sizeof value));
    return value;
  }
  void kill() {
    ASSERT_EQ(::kill(pid_, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid_, &status, 0), pid_);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int told_ = -1;
};

void tell(int fd, char what) { (void)!::write(fd, &what, 1); }

// Says it holds the id, then waits in next_notice() for ever.
void hold(AccessPoint& ap, int fd) {
  tell(fd, 'k');
  for (;;) (void)ap.next_notice();
}

// Waits until `pid` sleeps (state S in /proc/PID/stat): blocked on its
// notice semaphore, since it does nothing else after opening.
void wait_until_sleeping(pid_t pid) {
  for (;;) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto close_paren = text.rfind(')');
    if (close_paren != std::string::npos && close_paren + 2 < text.size() &&
        text[close_paren + 2] == 'S') {
      return;
    }
    std::this_thread::yield();
  }
}

TEST(ClientTest, IdHeldByALiveProcessIsRefusedAndTakenOverWhenItDies) {
  TestNode n(1, {1});
  ForkedHolder holder(n, 5, hold);
  ASSERT_EQ(holder.read<char>(), 'k');
  wait_until_sleeping(holder.pid());
  auto client = attach(n);
  auto refused = AccessPoint::open(client, 5);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ClientErrc::in_use);
  EXPECT_NE(
      refused.error().message.find("client id 5 is in use by pid " + std::to_string(holder.pid())),
      std::string::npos)
      << refused.error().message;

  holder.kill();
  auto taken = AccessPoint::open(client, 5);
  ASSERT_TRUE(taken) << taken.error().message;
  // The stale record was closed and reopened for us: sends work.
  ASSERT_TRUE(taken.value()->send(1, pattern(100), 10));
  loopback(n, 1);
  EXPECT_NE(find(drain(*taken.value()), NoticeType::red_part), nullptr);
}

// A receiver killed after it was handed a block and before it released it
// (say, while writing it out) loses nothing: the block stays the id's, the
// next holder is handed it again, whole, and once released nothing of it is
// left in the heap.
// An outcome is the holder's only once it moves on: a sender killed after
// taking EXPORT_SESSION_COMPLETE, before it could record it, leaves it to
// the next holder. Taking the next notice, or closing, is moving on.
TEST(ClientTest, AnOutcomeItsHolderDiedWithIsHandedToTheNextHolder) {
  TestNode n(1, {1});
  auto client = attach(n);
  ForkedHolder holder(n, 8, [](AccessPoint& ap, int fd) {
    tell(fd, 'o');
    for (;;) {
      auto notice = ap.next_notice();
      if (notice && notice.value().type == NoticeType::export_complete) {
        tell(fd, 'c');  // dies before acting on it
        return;
      }
    }
  });
  ASSERT_EQ(holder.read<char>(), 'o');
  const auto sent = client->send(8, 1, pattern(200'000, 3));  // over the aggregation size
  ASSERT_TRUE(sent);
  loopback(n, 1);
  EXPECT_EQ(holder.read<char>(), 'c');
  holder.kill();

  auto count_complete = [&](const std::vector<Notice>& notices) {
    return std::count_if(notices.begin(), notices.end(), [&](const Notice& x) {
      return x.type == NoticeType::export_complete && x.session == sent.value();
    });
  };
  {
    auto next = AccessPoint::open(client, 8);
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(count_complete(drain(*next.value())), 1) << "the outcome died with its holder";
    next.value()->close();
  }
  // Taken, then closed: the outcome is gone for good.
  auto again = AccessPoint::open(client, 8);
  ASSERT_TRUE(again);
  EXPECT_EQ(count_complete(drain(*again.value())), 0);
}

// A sender that died before its block completed, and was found dead (its
// id closed) before that: the outcome still waits for the next holder
// (the soak lost 3 of 961 outcomes this way: they were dropped as for an
// id nobody holds).
TEST(ClientTest, TheOutcomeOfABlockWhoseSenderDiedWaitsForTheNextHolder) {
  TestNode n(1, {1});
  auto client = attach(n);
  ForkedHolder sender(n, 9, [](AccessPoint& ap, int fd) {
    auto sent = ap.send(1, std::span<const std::byte>(pattern(200'000, 4)));
    if (!sent) ::_exit(3);
    (void)!::write(fd, &sent.value().number, sizeof sent.value().number);
  });
  const auto number = sender.read<std::uint64_t>();
  ASSERT_NE(number, 0u);
  sender.kill();
  n.reap(9);
  loopback(n, 1);  // the block completes with nobody holding id 9

  auto next = AccessPoint::open(client, 9);
  ASSERT_TRUE(next) << next.error().message;
  const auto notices = drain(*next.value());
  EXPECT_EQ(std::count_if(notices.begin(), notices.end(),
                          [&](const Notice& x) {
                            // On loopback id 9 also receives: closed, it is
                            // unreachable, so the outcome is a cancel.
                            return (x.type == NoticeType::export_complete ||
                                    x.type == NoticeType::export_cancelled) &&
                                   x.session.number == number;
                          }),
            1);
}

TEST(ClientTest, ABlockItsReaderDiedWithIsHandedToTheNextHolderWhole) {
  TestNode n(1, {1});
  auto client = attach(n);
  ForkedHolder reader(n, 7, [](AccessPoint& ap, int fd) {
    tell(fd, 'o');
    for (;;) {
      auto notice = ap.next_notice();
      if (notice && notice.value().type == NoticeType::red_part) {
        tell(fd, 'g');  // holds the data, never releases it
        for (;;) ::pause();
      }
    }
  });
  ASSERT_EQ(reader.read<char>(), 'o');
  const auto before = n.heap_objects();  // id 7's record made
  const auto sent = pattern(200'000, 9);
  ASSERT_TRUE(client->send(7, 1, sent));
  loopback(n, 1);
  EXPECT_EQ(reader.read<char>(), 'g');
  reader.kill();

  auto next = AccessPoint::open(client, 7);
  ASSERT_TRUE(next) << next.error().message;
  auto notices = drain(*next.value());
  const Notice* red = find(notices, NoticeType::red_part);
  ASSERT_NE(red, nullptr) << "the block died with its reader";
  EXPECT_EQ(red->data.to_vector(), sent);
  EXPECT_EQ(std::count_if(notices.begin(), notices.end(),
                          [](const Notice& x) { return x.type == NoticeType::red_part; }),
            1);
  notices.clear();  // released: now it is gone for good
  EXPECT_EQ(find(drain(*next.value()), NoticeType::red_part), nullptr);
  next.value()->close();
  n.age();
  EXPECT_EQ(n.heap_objects(), before);
}

// Taking a notice's data and releasing it in any order: each block is
// handed out once while this process holds the id.
TEST(ClientTest, HeldBlocksAreHandedOutOnceAndReleasedInAnyOrder) {
  TestNode n(1, {1});
  auto client = attach(n);
  auto ap = AccessPoint::open(client, 1).value();
  for (unsigned i = 0; i < 3; ++i) {
    ASSERT_TRUE(ap->send(1, pattern(1000 + i, i)));
    ASSERT_TRUE(ap->flush(1));
  }
  loopback(n, 1);
  auto notices = drain(*ap);
  std::vector<BlockData> blocks;
  for (auto& x : notices) {
    if (x.type == NoticeType::red_part) blocks.push_back(std::move(x.data));
  }
  ASSERT_EQ(blocks.size(), 3u);
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(blocks[i].to_vector(), pattern(1000 + i, i));
  EXPECT_TRUE(blocks[1].release());
  EXPECT_TRUE(drain(*ap).empty());
  EXPECT_TRUE(blocks[0].release());
  EXPECT_TRUE(blocks[2].release());
  EXPECT_TRUE(drain(*ap).empty());
}

// A node restarted under an attached client: its next call of any kind
// says so (never silence, never a write into the old node's leftovers),
// and a fresh attach carries on with the same id and the blocks queued.
TEST(ClientTest, ANodeRestartedUnderAClientIsReportedAtItsNextCall) {
  TestNode n(1, {1});
  auto client = attach(n);
  auto ap = AccessPoint::open(client, 3).value();
  ASSERT_TRUE(ap->send(1, pattern(1000)));  // queued in the open block, not yet sent
  ASSERT_TRUE(node::stop_node(n.dir()));
  ASSERT_TRUE(node::prepare_volatile(n.dir()));

  auto notice = ap->next_notice(0ms);
  ASSERT_FALSE(notice);
  EXPECT_EQ(notice.error().code, ClientErrc::node_stopped);
  EXPECT_NE(notice.error().message.find("attach again"), std::string::npos);
  auto sent = ap->send(1, pattern(10));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ClientErrc::node_stopped);
  EXPECT_EQ(client->send(3, 1, pattern(10)).error().code, ClientErrc::node_stopped);
  EXPECT_EQ(ap->flush(1).error().code, ClientErrc::node_stopped);
  ap.reset();  // closing under the new node leaves the id alone

  auto again = attach(n);
  auto reopened = AccessPoint::open(again, 3);
  ASSERT_TRUE(reopened) << reopened.error().message;
  ASSERT_TRUE(reopened.value()->flush(1));
  loopback(n, 1);
  const auto notices = drain(*reopened.value());
  const Notice* red = find(notices, NoticeType::red_part);
  ASSERT_NE(red, nullptr) << "the block queued before the restart was lost";
  EXPECT_EQ(red->data.to_vector(), pattern(1000));
}

// ION's ltpclo sends as client 1 while ltpcli holds it: the sender needs no
// ltp_open and the notices go to the holder.
TEST(ClientTest, SendNeedsNoOpenIdAndItsNoticesGoToTheHolder) {
  TestNode n(1, {1});
  auto holder = AccessPoint::open(attach(n), 3).value();
  auto sender = attach(n);
  const auto sent = pattern(5000, 3);
  auto sid = sender->send(3, 1, sent);
  ASSERT_TRUE(sid) << sid.error().message;
  ASSERT_TRUE(n.engine().flush(1, node::now_ms()));
  loopback(n, 1);
  const auto notices = drain(*holder);
  EXPECT_NE(find(notices, NoticeType::export_complete), nullptr);
  const Notice* red = find(notices, NoticeType::red_part);
  ASSERT_NE(red, nullptr);
  EXPECT_EQ(red->session, sid.value());
  EXPECT_EQ(red->data.to_vector(), sent);

  // Through the C API, with the id held by no process at all.
  ASSERT_EQ(ltp_attach_node(n.path().c_str()), 0) << ltp_last_error();
  LtpSessionId c_sid{};
  EXPECT_EQ(ltp_send(1, 4, sent.data(), sent.size(), LTP_ALL_RED, &c_sid), 1) << ltp_last_error();
  EXPECT_EQ(c_sid.sourceEngineId, 1u);
  ltp_detach();
}

TEST(ClientTest, CApiRoundTrip) {
  TestNode n(1, {1});
  ASSERT_EQ(ltp_attach_node(n.path().c_str()), 0) << ltp_last_error();
  EXPECT_EQ(ltp_engine_is_started(), 0);
  ASSERT_EQ(ltp_open(2), 0) << ltp_last_error();
  EXPECT_EQ(ltp_open(2), -1);
  EXPECT_NE(std::string(ltp_last_error()).find("in use"), std::string::npos);

  const std::string text = "hello over LTP, through the C API";
  LtpSessionId sid{};
  ASSERT_EQ(ltp_send(1, 2, text.data(), text.size(), LTP_ALL_RED, &sid), 1) << ltp_last_error();
  EXPECT_EQ(sid.sourceEngineId, 1u);
  EXPECT_EQ(ltp_send(7, 2, text.data(), text.size(), LTP_ALL_RED, &sid), -1);  // no span to 7
  EXPECT_NE(std::string(ltp_last_error()).find("no span to engine 7"), std::string::npos);
  ASSERT_TRUE(n.engine().flush(1, node::now_ms()));  // ltpmeter's part
  loopback(n, 1);

  bool delivered = false, completed = false;
  while (!delivered || !completed) {
    LtpNoticeType type{};
    LtpSessionId session{};
    unsigned char reason = 0, eob = 0;
    unsigned int offset = 0, length = 0;
    Object data = 0;
    ASSERT_EQ(ltp_get_notice(2, &type, &session, &reason, &eob, &offset, &length, &data), 0);
    if (type == LtpRecvRedPart) {
      delivered = true;
      EXPECT_EQ(session.sessionNbr, sid.sessionNbr);
      EXPECT_EQ(length, text.size());
      ASSERT_EQ(ltp_data_length(data), text.size());
      std::string got(text.size(), '\0');
      EXPECT_EQ(ltp_read_data(data, 0, got.data(), got.size()), text.size());
      EXPECT_EQ(got, text);
      ltp_release_data(data);
      EXPECT_EQ(ltp_data_length(data), 0u);
    }
    completed = completed || type == LtpExportSessionComplete;
  }
  ltp_interrupt(2);
  LtpNoticeType type = LtpRecvRedPart;
  ASSERT_EQ(ltp_get_notice(2, &type, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr), 0);
  EXPECT_EQ(type, LtpNoNotice);
  ltp_close(2);
  EXPECT_EQ(ltp_get_notice(2, &type, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr), -1);
  ltp_detach();
  EXPECT_EQ(ltp_open(2), -1);
}

}  // namespace
}  // namespace ltp::api
