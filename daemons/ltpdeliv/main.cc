// ltpdeliv: the node's delivery task. The engine queues each notice (and
// each received red part, in place in the heap) on its client's queue in
// the same transaction that produced it and posts the client's semaphore,
// so delivery costs no extra hop. What is left for ltpdeliv is the
// clients' lifecycle: a client process that dies (kill -9, crash) keeps
// its client id in the heap; ltpdeliv notices that the id's holder is gone
// and closes the id, so notices queue up for whoever opens it next and a
// new process can claim it. It wakes on its semaphore (ltp_open/ltp_close
// post it) and at least every Supervisor::kCheckMs, to restart ltpclock if
// it died (ltpclock supervises every other daemon, this one included).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "daemons/common/daemon_process.h"
#include "ipc/node_semaphore.h"
#include "ipc/transaction.h"
#include "libltp/cli/cli.h"
#include "libltp/db/ltp_db.h"
#include "libltp/node/semaphore_names.h"
#include "libltp/node/supervisor.h"

namespace {

namespace cli = ltp::cli;
using ltp::daemons::DaemonProcess;

// Closes every open client id whose process is gone, keeping what it is
// owed (db::kHolderDied).
void reap_dead_clients(DaemonProcess& daemon) {
  auto& node = daemon.node();
  auto registry = node.registry();
  if (!registry) return;
  auto txn = node.heap().begin();
  if (!txn) return;
  auto& db = daemon.engine().db();
  for (const auto& client : db.list_clients(txn.value())) {
    if (client.pid == 0 || client.pid == ltp::db::kHolderDied ||
        registry->is_alive(ltp::node::client_role(client.client_id))) {
      continue;
    }
    if (db.orphan_client(txn.value(), client.client_id)) {
      spdlog::info(
          "client {}: its process {} is gone; closed the client id (its notices, and the "
          "outcomes of what it sent, wait for the next ltp_open)",
          client.client_id, client.pid);
    }
  }
  if (auto committed = txn.value().commit(); !committed) {
    spdlog::error("cannot close dead clients: heap error");
  }
}

int serve(DaemonProcess& daemon) {
  auto wake = ltp::ipc::NodeSemaphore::open(daemon.node().dir(), ltp::node::kDeliverySemaphore);
  if (!wake)
    return cli::runtime_failure("ltpdeliv",
                                "the node's delivery semaphore is missing: restart the node");
  ltp::node::Supervisor supervisor(
      daemon.node(), [](std::string_view role) { return role == ltp::node::kClockRole; });
  daemon.announce_started();
  std::uint64_t next_reap = 0;
  while (!DaemonProcess::stop_requested()) {
    const std::uint64_t now = ltp::node::now_ms();
    supervisor.check(now);
    if (now >= next_reap) {
      reap_dead_clients(daemon);
      next_reap = now + 1000;
    }
    const auto wait = std::chrono::milliseconds(ltp::node::Supervisor::kCheckMs);
    const auto woke = wake.value().timed_wait(wait);
    if (woke == ltp::ipc::WaitResult::ended) break;
    if (woke == ltp::ipc::WaitResult::acquired) next_reap = 0;  // an open or close: look now
  }
  spdlog::info("ltpdeliv stopping");
  return cli::kOk;
}

int run(int argc, char** argv) {
  cxxopts::Options options("ltpdeliv",
                           "The LTP node's delivery task (client ids of dead processes).");
  DaemonProcess::add_common_options(options);
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  auto daemon = DaemonProcess::start("ltpdeliv", command_line.args, ltp::node::kDeliveryRole);
  if (!daemon) return cli::runtime_failure("ltpdeliv", daemon.error());
  return serve(*daemon.value());
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
