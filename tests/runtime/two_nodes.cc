#include "tests/runtime/two_nodes.h"

#include <fmt/format.h>

#include "ipc/node_semaphore.h"
#include "ipc/volatile_segment.h"

namespace ltp::runtime_test {

std::string TwoNodes::ionrc(int engine) const { return fmt::format("1 {}\n", engine); }

std::string TwoNodes::ltprc(int engine, const SpanSettings& s) const {
  const int peer = engine == 1 ? 2 : 1;
  return fmt::format(
      "1 {sessions}\n"
      "{maxber}"
      "a span {peer} {sessions} {sessions} {seg} {agg} {time} 'udplso "
      "127.0.0.1:{peer_port}{rate}'\n"
      "a seat 'udplsi {lsi_options}127.0.0.1:{port}'\n",
      fmt::arg("sessions", s.max_export_sessions),
      fmt::arg("maxber", s.maxber.empty() ? "" : fmt::format("m maxber {}\n", s.maxber)),
      fmt::arg("peer", peer), fmt::arg("seg", s.max_segment_size),
      fmt::arg("agg", s.aggregation_size), fmt::arg("time", s.aggregation_time),
      fmt::arg("peer_port", lso_port_[engine] ? lso_port_[engine] : port_[peer]),
      fmt::arg("rate", s.lso_bits_per_second ? fmt::format(" {}", s.lso_bits_per_second) : ""),
      fmt::arg("lsi_options", s.lsi_options.empty() ? "" : s.lsi_options + " "),
      fmt::arg("port", port_[engine]));
}

void TwoNodes::choose_ports() {
  port_[1] = node::testing::free_udp_port();
  do {
    port_[2] = node::testing::free_udp_port();
  } while (port_[2] == port_[1]);
}

void TwoNodes::start(const SpanSettings& settings) {
  if (port_[1] == 0) choose_ports();
  for (int engine : {1, 2}) {
    ASSERT_EQ(node(engine).configure(ionrc(engine), ltprc(engine, settings)), "");
    ASSERT_EQ(node(engine).start(), "");
    for (auto& task : tasks(engine)) seen_tasks_.push_back(task);
  }
}

std::vector<ipc::TaskInfo> TwoNodes::tasks(int engine) {
  auto attached = node(engine).attach();
  if (!attached || !attached->registry()) return {};
  return attached->registry()->list();
}

void TwoNodes::TearDown() {
  for (int engine : {1, 2}) {
    for (auto& task : tasks(engine)) seen_tasks_.push_back(task);
    EXPECT_EQ(node(engine).stop(), "");
    EXPECT_TRUE(ipc::NodeSemaphore::list(node(engine).dir()).empty());
    EXPECT_FALSE(ipc::VolatileSegment::remove(node(engine).dir())) << "shm left behind";
  }
  for (const auto& task : seen_tasks_) {
    if (task.pid == ::getpid()) continue;
    EXPECT_FALSE(ipc::process_alive(task.pid, task.start_time)) << task.role << " still runs";
  }
}

std::unique_ptr<api::AccessPoint> TwoNodes::open(int engine, std::uint64_t client_id) {
  auto client = api::Client::attach(node(engine).path().string());
  EXPECT_TRUE(client) << client.error().message;
  if (!client) return nullptr;
  auto ap = api::AccessPoint::open(client.value(), client_id);
  EXPECT_TRUE(ap) << ap.error().message;
  return ap ? std::move(ap).value() : nullptr;
}

std::vector<std::byte> pattern(std::size_t size, std::uint32_t tag) {
  std::vector<std::byte> bytes(size);
  std::uint64_t x = 0x9e3779b97f4a7c15ull * (tag + 1);
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    bytes[i] = std::byte(x);
  }
  return bytes;
}

bool take_notices(api::AccessPoint& ap, const std::function<bool(api::Notice&)>& want,
                  std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto notice = ap.next_notice(std::chrono::milliseconds(200));
    if (!notice) {
      ADD_FAILURE() << notice.error().message;
      return false;
    }
    if (notice.value().type == api::NoticeType::none) continue;
    if (want(notice.value())) return true;
  }
  return false;
}

}  // namespace ltp::runtime_test
