#include "tools/ltpadmin/tool_actions.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "libltp/admin/values.h"
#include "libltp/node/node.h"
#include "libltp/node/node_control.h"

namespace ltp::admin_tool {

std::string_view version() { return OPENLTP_VERSION; }

std::filesystem::path clock_pid_file(const ipc::NodeDir& dir) { return dir.clock_pid_path(); }

void ToolActions::print(std::string_view text) const {
  if (text.empty()) return;
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
  if (echo_) spdlog::info("{}", text.back() == '\n' ? text.substr(0, text.size() - 1) : text);
}

Result<void, std::string> ToolActions::start(const admin::StartNode& start) {
  // ION's ionadmin `s` starts the ION node (its clock); LTP's daemons
  // start with ltpadmin's `s`, so there is nothing to do here.
  if (language_ == Language::ionrc) {
    spdlog::info("ionadmin `s`: nothing to start for LTP; ltpadmin's `s` starts the daemons");
    return success();
  }
  node::StartOptions options;
  options.lsi_command = start.lsi_command;
  auto started = node::start_node(dir_, options);
  if (!started) return failure(started.error().message);
  std::string text;
  for (const auto& task : started.value()) {
    text +=
        fmt::format("started {} (pid {}): {}\n", task.role, task.pid, fmt::join(task.argv, " "));
  }
  text += fmt::format("LTP started in {}\n", dir_.dir().string());
  print(text);
  return success();
}

// Both languages' `x` stop every daemon of the node: ION's ionadmin `x`
// stops the whole node, LTP included, and ltpadmin's stops LTP, which is
// all an OpenLTP node runs.
Result<void, std::string> ToolActions::stop() {
  auto stopped = node::stop_node(dir_);
  if (!stopped) return failure(stopped.error().message);
  std::error_code ec;
  std::filesystem::remove(clock_pid_file(dir_), ec);
  const auto& report = stopped.value();
  print(report.killed == 0
            ? fmt::format("LTP stopped in {} ({} tasks)", dir_.dir().string(), report.stopped)
            : fmt::format("LTP stopped in {} ({} tasks; {} did not stop in time and were killed, "
                          "see {})",
                          dir_.dir().string(), report.stopped + report.killed, report.killed,
                          dir_.log_path().string()));
  return success();
}

Result<Next, std::string> ToolActions::carry_out(const admin::ToolAction& action) {
  struct Visitor {
    ToolActions& self;
    Result<Next, std::string> operator()(const admin::StartNode& a) {
      BOOST_OUTCOME_TRY(self.start(a));
      return Next::read_on;
    }
    Result<Next, std::string> operator()(const admin::StopNode& a) {
      BOOST_OUTCOME_TRY(self.stop());
      if (a.then_start) {
        BOOST_OUTCOME_TRY(self.start({}));
      }
      return Next::read_on;
    }
    Result<Next, std::string> operator()(const admin::SetWatch& a) {
      // The daemons have no watch output yet: the setting is only noted.
      self.watch_ = a.characters == "0" ? std::string() : a.characters;
      self.print(self.watch_.empty()
                     ? std::string("watch characters off")
                     : fmt::format("watch characters: {} (noted; the daemons do not print watch "
                                   "characters yet, see ltpstat for counters)",
                                   self.watch_ == "1" ? std::string("all") : self.watch_));
      return Next::read_on;
    }
    Result<Next, std::string> operator()(const admin::SetEcho& a) {
      self.echo_ = a.on;
      return Next::read_on;
    }
    Result<Next, std::string> operator()(const admin::ShowVersion&) {
      self.print(fmt::format("OpenLTP {}", version()));
      return Next::read_on;
    }
    Result<Next, std::string> operator()(const admin::ShowTime&) {
      self.print(admin::format_time(node::now_ms() / 1000 * 1000));
      return Next::read_on;
    }
    Result<Next, std::string> operator()(const admin::Quit&) { return Next::quit; }
  };
  return std::visit(Visitor{*this}, action);
}

}  // namespace ltp::admin_tool
