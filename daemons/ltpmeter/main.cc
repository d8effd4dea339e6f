// ltpmeter <engine>: the span's meter. Blocks are closed by size as
// ltp_send appends to them; the meter closes the span's open block when it
// reaches the span's aggregation time limit, so a trickle of small service
// data units still leaves within that limit. It sleeps on the span's meter
// semaphore (posted when a block opens) until the open block's deadline.
// Segmentation happens as the LSO dequeues (descriptors over the block's
// bytes, no copies), so the meter never touches data.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "daemons/common/daemon_process.h"
#include "ipc/node_semaphore.h"
#include "ipc/transaction.h"
#include "libltp/admin/values.h"
#include "libltp/cli/cli.h"
#include "libltp/db/ltp_db.h"
#include "libltp/db/volatile_db.h"
#include "libltp/node/semaphore_names.h"

namespace {

namespace cli = ltp::cli;
using ltp::daemons::DaemonProcess;

constexpr std::uint64_t kMaxSleepMs = 1000;

int serve(DaemonProcess& daemon, std::uint64_t span) {
  auto& engine = daemon.engine();
  auto wake = ltp::ipc::NodeSemaphore::open(daemon.node().dir(), ltp::node::meter_semaphore(span));
  if (!wake) {
    return cli::runtime_failure("ltpmeter", fmt::format("span {} has no meter semaphore: restart "
                                                        "the node after adding the span",
                                                        span));
  }
  if (auto* v = daemon.node().vdb()->span(span)) v->meter_pid = ::getpid();
  daemon.announce_started();
  while (!DaemonProcess::stop_requested()) {
    const std::uint64_t now = ltp::node::now_ms();
    const auto deadline = engine.aggregation_deadline(span);
    if (deadline && *deadline <= now) {
      if (auto flushed = engine.flush(span, now); !flushed) {
        spdlog::error("span {}: cannot close the open block: {}", span,
                      ltp::engine::to_string(flushed.error()));
      }
      continue;
    }
    const std::uint64_t sleep = deadline ? std::min(*deadline - now, kMaxSleepMs) : kMaxSleepMs;
    if (wake.value().timed_wait(std::chrono::milliseconds(sleep)) == ltp::ipc::WaitResult::ended) {
      break;
    }
  }
  if (auto* v = daemon.node().vdb()->span(span); v && v->meter_pid == ::getpid()) v->meter_pid = 0;
  spdlog::info("ltpmeter {} stopping", span);
  return cli::kOk;
}

int run(int argc, char** argv) {
  cxxopts::Options options("ltpmeter",
                           "The LTP span's meter: closes blocks at the aggregation time limit.");
  DaemonProcess::add_common_options(options);
  options.add_options()("engine", "the span's remote engine number", cxxopts::value<std::string>());
  options.parse_positional({"engine"});
  options.positional_help("ENGINE");
  const auto command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  if (command_line.args.count("engine") == 0) {
    return cli::usage_error("ltpmeter", "which span? give the remote engine number");
  }
  const auto parsed = ltp::admin::parse_uint(command_line.args["engine"].as<std::string>(),
                                             "engine number", 1, UINT64_MAX);
  if (!parsed) return cli::usage_error("ltpmeter", parsed.error());
  const std::uint64_t span = parsed.value();
  auto daemon = DaemonProcess::start("ltpmeter", command_line.args, ltp::node::meter_role(span));
  if (!daemon) return cli::runtime_failure("ltpmeter", daemon.error());
  {
    auto txn = daemon.value()->node().heap().begin();
    const bool known =
        txn && daemon.value()->engine().db().find_span(txn.value(), span).has_value();
    if (txn) (void)txn.value().commit();
    if (!known) {
      return cli::runtime_failure("ltpmeter", fmt::format("no span for engine {}: add it with "
                                                          "`ltpadmin` (`a span`)",
                                                          span));
    }
  }
  return serve(*daemon.value(), span);
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
