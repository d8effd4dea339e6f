// LineAppendSink: the spdlog sink behind every node's shared log file.
//
// Several processes of a node append to one ltp.log, and any of them may
// be killed at any moment. So each formatted line goes to the file with a
// single write(2) on a descriptor opened O_APPEND: a line is either in the
// log whole or not at all, lines of different processes never interleave
// mid-line, and nothing waits in a user-space buffer for a flush that a
// `kill -9` would prevent. The file is created 0600, like the rest of the
// node. setup_process_log (process_log.h) is its only user.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>

namespace ltp::ipc {

class LineAppendSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Throws spdlog::spdlog_ex if the file cannot be opened (spdlog's sinks'
  // convention; setup_process_log catches it).
  explicit LineAppendSink(const std::string& path);
  ~LineAppendSink() override;
  LineAppendSink(const LineAppendSink&) = delete;
  LineAppendSink& operator=(const LineAppendSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}  // every line is already in the kernel's hands

 private:
  int fd_;
};

}  // namespace ltp::ipc
