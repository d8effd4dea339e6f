#include "daemons/common/daemon_process.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>

#include "ipc/node_semaphore.h"
#include "ipc/process_log.h"
#include "libltp/cli/cli.h"

namespace ltp::daemons {
namespace {

std::atomic<bool> g_stop{false};

void on_stop_signal(int) { g_stop.store(true); }

void install_stop_handlers() {
  cli::on_signals({SIGTERM, SIGINT, SIGHUP}, on_stop_signal);  // a blocked recv/poll returns EINTR
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace

void DaemonProcess::add_common_options(cxxopts::Options& options) {
  cli::add_node_option(options);
  options.add_options()("h,help", "show this help");
}

bool DaemonProcess::stop_requested() { return g_stop.load(std::memory_order_relaxed); }

bool DaemonProcess::should_stop() {
  if (started_ && started_->is_ended()) g_stop.store(true);
  return stop_requested();
}

Result<std::unique_ptr<DaemonProcess>, std::string> DaemonProcess::start(
    const std::string& program, const cxxopts::ParseResult& args, const std::string& role,
    const node::AttachOptions& attach) {
  install_stop_handlers();
  auto dir = cli::node_dir(args);
  if (!dir) return failure(dir.error());
  ipc::setup_process_log(dir.value(), program);
  std::unique_ptr<DaemonProcess> self(new DaemonProcess());
  self->role_ = role;
  auto node = node::Node::attach(dir.value(), attach);
  if (!node) return failure(node.error().message);
  self->node_ = std::move(node).value();
  auto engine = self->node_->make_engine();
  if (!engine) return failure(engine.error().message);
  self->engine_ = std::move(engine).value();
  auto registry = self->node_->registry();
  if (!registry) return failure(std::string("cannot reach the node's task registry"));
  if (auto added = registry->add(role); !added) {
    if (added.error() == ipc::RegistryError::role_taken) {
      const auto holder = registry->lookup(role);
      return failure(fmt::format("{} is already served by pid {}; stop it first", role,
                                 holder ? holder->pid : 0));
    }
    return failure(fmt::format("cannot register as {}: {}", role, ipc::to_string(added.error())));
  }
  self->registered_ = true;
  return self;
}

DaemonProcess::~DaemonProcess() {
  if (registered_) {
    if (auto registry = node_->registry()) (void)registry->remove(role_);
  }
}

void DaemonProcess::announce_started() {
  started_ = node_->announce_started();
  spdlog::info("{} serving node {} (engine {})", role_, node_->dir().dir().string(),
               node_->own_engine_id());
}

}  // namespace ltp::daemons
