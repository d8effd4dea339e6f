#include "libltp/api/testing/test_node.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

#include "ipc/node_semaphore.h"
#include "libltp/db/ltp_db.h"
#include "libltp/node/node_control.h"
#include "libltp/node/semaphore_names.h"

namespace ltp::api::testing {

std::unique_ptr<LinkTestNode> LinkTestNode::make(std::uint64_t engine_id,
                                                 const std::vector<std::string>& ltprc,
                                                 const std::vector<std::uint64_t>& clients) {
  std::unique_ptr<LinkTestNode> t(new LinkTestNode());
  std::string lines = "1 100\n";
  for (const auto& line : ltprc) lines += line + "\n";
  if (auto wrong = t->base_.configure(fmt::format("1 {}\n", engine_id), lines); !wrong.empty()) {
    ADD_FAILURE() << wrong;
    return nullptr;
  }
  {
    auto heap = ipc::Heap::attach(t->dir().heap_path());
    if (!heap) {
      ADD_FAILURE() << "cannot attach the heap";
      return nullptr;
    }
    auto txn = heap.value()->begin();
    if (!txn) {
      ADD_FAILURE() << "cannot begin a transaction";
      return nullptr;
    }
    auto db = db::LtpDb::open(txn.value()).value();
    for (const auto client : clients) {
      if (!db.open_client(txn.value(), client, static_cast<std::uint64_t>(::getpid()))) {
        ADD_FAILURE() << "cannot open client " << client;
        return nullptr;
      }
    }
    if (!txn.value().commit()) {
      ADD_FAILURE() << "cannot commit";
      return nullptr;
    }
  }
  if (auto prepared = node::prepare_volatile(t->dir()); !prepared) {
    ADD_FAILURE() << prepared.error().message;
    return nullptr;
  }
  for (const auto client : clients) {
    if (!ipc::NodeSemaphore::create(t->dir(), node::notice_semaphore(client))) {
      ADD_FAILURE() << "cannot create the notice semaphore of client " << client;
      return nullptr;
    }
  }
  t->node_ = t->base_.attach();
  if (!t->node_) {
    ADD_FAILURE() << "cannot attach the node";
    return nullptr;
  }
  auto engine = t->node_->make_engine();
  if (!engine) {
    ADD_FAILURE() << engine.error().message;
    return nullptr;
  }
  t->engine_ = std::move(engine).value();
  return t;
}

LinkTestNode::~LinkTestNode() {
  engine_.reset();
  node_.reset();
}

std::optional<LinkTestNode::TakenNotice> LinkTestNode::wait_notice(
    std::uint64_t client, std::chrono::milliseconds timeout) {
  auto sem = ipc::NodeSemaphore::open(dir(), node::notice_semaphore(client));
  if (!sem) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto next = engine_->next_notice(client, cursors_[client]);
    if (!next) return std::nullopt;
    if (next.value()) {
      TakenNotice taken{*next.value(), {}};
      if (taken.notice.data != ipc::kNullAddr) {
        taken.data = engine_->read_data(taken.notice.data);
        (void)engine_->release_data(client, taken.notice.data, cursors_[client]);
      }
      return taken;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (sem.value().timed_wait(left) == ipc::WaitResult::ended) return std::nullopt;
  }
}

}  // namespace ltp::api::testing
