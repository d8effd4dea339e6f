#include "ipc/line_append_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ltp::ipc {

LineAppendSink::LineAppendSink(const std::string& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) {
  if (fd_ < 0) {
    throw spdlog::spdlog_ex("cannot open " + path + ": " + std::strerror(errno));
  }
  // A log made by an earlier version may still be world-readable.
  (void)::fchmod(fd_, 0600);
}

LineAppendSink::~LineAppendSink() { ::close(fd_); }

void LineAppendSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  // A regular file takes an O_APPEND write whole; only a signal or a full
  // disk can cut it short, and then the rest follows at once.
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a log that cannot be written must not stop the process
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace ltp::ipc
