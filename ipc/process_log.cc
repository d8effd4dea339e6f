#include "ipc/process_log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <vector>

#include "ipc/line_append_sink.h"

namespace ltp::ipc {

void setup_process_log(const NodeDir& node, const std::string& program,
                       const ProcessLogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  std::string file_problem;
  if (options.to_file) {
    try {
      sinks.push_back(std::make_shared<LineAppendSink>(node.log_path().string()));
    } catch (const spdlog::spdlog_ex& e) {
      file_problem = e.what();
    }
  }
  if (::isatty(STDERR_FILENO) || sinks.empty()) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  auto logger = std::make_shared<spdlog::logger>(program, sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%n:%P] %l: %v");
  logger->set_level(options.level);
  spdlog::set_default_logger(logger);
  if (!file_problem.empty()) {
    spdlog::warn("cannot open node log {} ({}); logging to stderr only", node.log_path().string(),
                 file_problem);
  }
}

}  // namespace ltp::ipc
