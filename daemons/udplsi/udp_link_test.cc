// udplso and udplsi as a node's link services: two daemon-less nodes on
// loopback, each with its LSO and LSI running as child processes; the test
// sends blocks with an Engine and waits for the receiver's notices. The
// same transfer runs over the C examples (examples/link_service/).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ipc/node_semaphore.h"
#include "ipc/transaction.h"
#include "libltp/api/testing/test_node.h"
#include "libltp/db/volatile_db.h"
#include "libltp/node/semaphore_names.h"
#include "libltp/node/testing/test_node.h"

namespace ltp::api {
namespace {

using namespace std::chrono_literals;
using testing::LinkTestNode;

constexpr std::uint64_t kClient = 1;
constexpr auto kDeadline = 20s;

std::vector<std::uint8_t> pattern(std::size_t n, unsigned seed) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 13 + seed);
  return bytes;
}

// A child process of the test, started with LTP_NODE_DIR set.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const ipc::NodeDir& node) {
    // Everything the child needs is built before fork: the test process
    // has threads, so the child only execs.
    std::vector<std::string> env{"LTP_NODE_DIR=" + node.dir().string()};
    for (char** e = environ; *e != nullptr; ++e) {
      if (!std::string_view(*e).starts_with("LTP_NODE_DIR=")) env.emplace_back(*e);
    }
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    args.push_back(nullptr);
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  bool running() {
    if (status_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return !status_;
  }
  // The exit status after SIGTERM, or -1 if it did not exit normally in time.
  int terminate() {
    if (running()) ::kill(pid_, SIGTERM);
    return wait_exit(kDeadline);
  }
  // Waits on the process (a pidfd) until it exits; its exit status or -1.
  int wait_exit(std::chrono::milliseconds timeout) {
    if (!status_) {
      const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
      if (fd >= 0) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(timeout.count()));
        ::close(fd);
      }
      running();
    }
    if (!status_ || !WIFEXITED(*status_)) return -1;
    return WEXITSTATUS(*status_);
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct Programs {
  std::string lso;
  std::string lsi;
};
void PrintTo(const Programs& p, std::ostream* out) { *out << p.lso << " + " << p.lsi; }

std::string address(int port) { return "127.0.0.1:" + std::to_string(port); }

// Two nodes, engines 1 (A) and 2 (B), each with its LSO and LSI running.
class LinkedNodes {
 public:
  explicit LinkedNodes(const Programs& programs) : programs_(programs) {}

  void start() {
    port_a_ = node::testing::free_udp_port();
    port_b_ = node::testing::free_udp_port();
    a_ = LinkTestNode::make(1, {span_line(2, port_b_)});
    b_ = LinkTestNode::make(2, {span_line(1, port_a_)});
    ASSERT_TRUE(a_ && b_);
    spawn(*a_, 2, port_a_, port_b_);
    spawn(*b_, 1, port_b_, port_a_);
    clock_ = std::jthread([this](std::stop_token stop) { run_timers(stop); });
  }

  LinkTestNode& a() { return *a_; }
  LinkTestNode& b() { return *b_; }
  int port_b() const { return port_b_; }
  std::vector<std::unique_ptr<Child>>& children() { return children_; }

 private:
  std::string span_line(std::uint64_t engine, int port) {
    return "a span " + std::to_string(engine) + " 20 20 1400 100000 1 '" + programs_.lso + " " +
           address(port) + "'";
  }
  // Starts the node's LSO and LSI and waits until both have announced.
  void spawn(LinkTestNode& node, std::uint64_t remote, int own_port, int remote_port) {
    auto started = ipc::NodeSemaphore::open(node.dir(), node::kStartedSemaphore).value();
    children_.push_back(std::make_unique<Child>(
        std::vector<std::string>{programs_.lso, address(remote_port), std::to_string(remote)},
        node.dir()));
    children_.push_back(std::make_unique<Child>(
        std::vector<std::string>{programs_.lsi, address(own_port)}, node.dir()));
    for (int up = 0; up < 2; ++up) {
      ASSERT_EQ(started.timed_wait(kDeadline), ipc::WaitResult::acquired)
          << "link services of node " << node.dir().dir() << " did not start";
    }
  }

  // ltpclock's part, so a datagram lost on a loaded machine is resent.
  void run_timers(std::stop_token stop) {
    auto a = a_->node().make_engine().value();
    auto b = b_->node().make_engine().value();
    std::mutex mutex;
    std::condition_variable_any stopped;
    std::unique_lock lock(mutex);
    while (!stopped.wait_for(lock, stop, 50ms, [&] { return stop.stop_requested(); })) {
      (void)a->on_timers(node::now_ms());
      (void)b->on_timers(node::now_ms());
    }
  }

  Programs programs_;
  int port_a_ = 0, port_b_ = 0;
  std::unique_ptr<LinkTestNode> a_, b_;
  std::vector<std::unique_ptr<Child>> children_;
  std::jthread clock_;  // first to stop
};

// Sends a red block A -> B and checks it arrives whole and completes.
void transfer_red(LinkedNodes& nodes, std::size_t size, unsigned seed) {
  const auto sdu = pattern(size, seed);
  ASSERT_TRUE(nodes.a().engine().send(kClient, 2, sdu, engine::kAllRed, node::now_ms()));
  ASSERT_TRUE(nodes.a().engine().flush(2, node::now_ms()));
  std::optional<LinkTestNode::TakenNotice> red;
  while (!red) {
    auto n = nodes.b().wait_notice(kClient, kDeadline);
    ASSERT_TRUE(n) << "no red part at B within the deadline";
    if (n->notice.type == db::NoticeType::red_part) red = std::move(n);
  }
  EXPECT_EQ(red->data, sdu);
  for (;;) {
    auto n = nodes.a().wait_notice(kClient, kDeadline);
    ASSERT_TRUE(n) << "A's export session did not complete";
    if (n->notice.type == db::NoticeType::export_complete) break;
  }
}

class UdpLink : public ::testing::TestWithParam<Programs> {};

TEST_P(UdpLink, RedAndGreenBlocksArrive) {
  LinkedNodes nodes(GetParam());
  ASSERT_NO_FATAL_FAILURE(nodes.start());
  ASSERT_NO_FATAL_FAILURE(transfer_red(nodes, 200000, 1));

  const auto green = pattern(30000, 2);
  ASSERT_TRUE(nodes.a().engine().send(kClient, 2, green, 0, node::now_ms()));
  ASSERT_TRUE(nodes.a().engine().flush(2, node::now_ms()));
  std::vector<std::uint8_t> received(green.size());
  std::size_t got = 0;
  bool end_of_block = false;
  while (!end_of_block) {
    auto n = nodes.b().wait_notice(kClient, kDeadline);
    ASSERT_TRUE(n) << "green segments missing at B";
    if (n->notice.type != db::NoticeType::green_segment) continue;
    ASSERT_LE(n->notice.offset + n->data.size(), received.size());
    std::copy(n->data.begin(), n->data.end(), received.begin() + n->notice.offset);
    got += n->data.size();
    end_of_block = n->notice.end_of_block;
  }
  EXPECT_EQ(got, green.size()) << "loopback should lose nothing";
  EXPECT_EQ(received, green);
}

INSTANTIATE_TEST_SUITE_P(Daemons, UdpLink,
                         ::testing::Values(Programs{UDPLSO_PATH, UDPLSI_PATH},
                                           Programs{MINIMAL_LSO_PATH, MINIMAL_LSI_PATH}),
                         [](const auto& info) {
                           return info.index == 0 ? std::string("udp") : std::string("examples");
                         });

TEST(UdpDaemons, GarbageDoesNotStopUdplsiAndSigtermStopsBoth) {
  LinkedNodes nodes({UDPLSO_PATH, UDPLSI_PATH});
  ASSERT_NO_FATAL_FAILURE(nodes.start());
  {
    const auto registry = nodes.a().node().registry();
    const auto lso = registry->lookup(node::lso_role(2));
    ASSERT_TRUE(lso);
    EXPECT_EQ(lso->pid, nodes.children()[0]->pid());
    EXPECT_EQ(nodes.a().node().vdb()->find_span(2)->lso_pid, nodes.children()[0]->pid());
  }
  // Junk and ION's 1-octet stop datagram, to B's udplsi.
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<std::uint16_t>(nodes.port_b()));
  const std::vector<std::string> junks{"x", "garbage that is not an LTP segment",
                                       std::string(3000, '\xff')};
  for (const auto& junk : junks) {
    ::sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  ::close(fd);
  ASSERT_NO_FATAL_FAILURE(transfer_red(nodes, 50000, 3));
  for (auto& child : nodes.children()) EXPECT_TRUE(child->running());
  for (auto& child : nodes.children()) EXPECT_EQ(child->terminate(), 0);
  EXPECT_FALSE(nodes.a().node().registry()->lookup(node::lso_role(2)));
}

TEST(UdpDaemons, SecondLsoForASpanIsRefused) {
  LinkedNodes nodes({UDPLSO_PATH, UDPLSI_PATH});
  ASSERT_NO_FATAL_FAILURE(nodes.start());
  Child second({UDPLSO_PATH, "127.0.0.1:9", "2"}, nodes.a().dir());
  EXPECT_EQ(second.wait_exit(kDeadline), 1);
}

TEST(UdpDaemons, UsageAndConfigurationErrors) {
  auto node = LinkTestNode::make(1, {"a span 2 20 20 1400 100000 1 'udplso 127.0.0.1:9'"});
  ASSERT_TRUE(node);
  EXPECT_EQ(Child({UDPLSO_PATH, "127.0.0.1:9"}, node->dir()).wait_exit(kDeadline), 2);
  EXPECT_EQ(Child({UDPLSO_PATH, "127.0.0.1:9", "fast", "2"}, node->dir()).wait_exit(kDeadline), 2);
  EXPECT_EQ(Child(
                {
                    UDPLSI_PATH,
                    "[::1",
                },
                node->dir())
                .wait_exit(kDeadline),
            2);
  EXPECT_EQ(Child({UDPLSO_PATH, "127.0.0.1:9", "77"}, node->dir()).wait_exit(kDeadline), 1)
      << "no span to engine 77";
}

TEST(UdpDaemons, SpanStoppedEndsUdplso) {
  auto node = LinkTestNode::make(1, {"a span 2 20 20 1400 100000 1 'udplso 127.0.0.1:9'"});
  ASSERT_TRUE(node);
  auto started = ipc::NodeSemaphore::open(node->dir(), node::kStartedSemaphore).value();
  Child lso({UDPLSO_PATH, "127.0.0.1:9", "2"}, node->dir());
  ASSERT_EQ(started.timed_wait(kDeadline), ipc::WaitResult::acquired);
  ipc::NodeSemaphore::open(node->dir(), node::segment_semaphore(2)).value().end();
  EXPECT_EQ(lso.wait_exit(kDeadline), 0);
}

// A node stop that cannot signal udplsi (it found no registry) still ends
// the node's semaphores; udplsi sleeps on none, so it looks for that.
TEST(UdpDaemons, NodeSemaphoresEndedStopUdplsi) {
  auto node = LinkTestNode::make(1, {});
  ASSERT_TRUE(node);
  auto started = ipc::NodeSemaphore::open(node->dir(), node::kStartedSemaphore).value();
  Child lsi({UDPLSI_PATH, address(node::testing::free_udp_port())}, node->dir());
  ASSERT_EQ(started.timed_wait(kDeadline), ipc::WaitResult::acquired);
  started.end();
  EXPECT_EQ(lsi.wait_exit(kDeadline), 0);
}

// Resident KiB of `pid`'s mapping of `file` (0 if it has none).
std::uint64_t mapped_kib(pid_t pid, const std::filesystem::path& file) {
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  bool ours = false;
  for (std::string line; std::getline(smaps, line);) {
    if (line.find('-') < line.find(' ') && line.find(' ') != std::string::npos &&
        std::isxdigit(static_cast<unsigned char>(line[0]))) {
      ours = line.ends_with(file.string());  // a mapping's first line
    } else if (ours && line.starts_with("Rss:")) {
      return std::stoull(line.substr(4));
    }
  }
  return 0;
}

// Node start returns when every link service has announced: by then their
// whole heap must be mapped, or the first transfer faults under the heap
// lock and races the mapping for the CPU.
TEST(UdpDaemons, LinkServicesAnnounceOnlyOnceTheHeapIsMapped) {
  auto node = LinkTestNode::make(1, {"a span 2 20 20 1400 100000 1 'udplso 127.0.0.1:9'"});
  ASSERT_TRUE(node);
  const auto heap = node->dir().heap_path();
  const auto heap_kib = std::filesystem::file_size(heap) / 1024;
  auto started = ipc::NodeSemaphore::open(node->dir(), node::kStartedSemaphore).value();
  Child lso({UDPLSO_PATH, "127.0.0.1:9", "2"}, node->dir());
  Child lsi({UDPLSI_PATH, address(node::testing::free_udp_port())}, node->dir());
  for (int up = 0; up < 2; ++up) {
    ASSERT_EQ(started.timed_wait(kDeadline), ipc::WaitResult::acquired);
  }
  EXPECT_GE(mapped_kib(lso.pid(), heap), heap_kib);
  EXPECT_GE(mapped_kib(lsi.pid(), heap), heap_kib);
}

}  // namespace
}  // namespace ltp::api
