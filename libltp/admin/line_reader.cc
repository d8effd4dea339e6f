#include "libltp/admin/line_reader.h"

#include <fmt/format.h>

namespace ltp::admin {

LineReader::Read LineReader::next(std::string& line) {
  line.clear();
  std::streambuf* buf = in_.rdbuf();
  if (buf == nullptr || !in_.good()) return Read::end;
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in_.setstate(std::ios::eofbit);
      if (line.empty()) return Read::end;
      break;
    }
    if (c == '\n') break;
    if (line.size() == kMaxLineBytes) {
      ++number_;
      in_.setstate(std::ios::failbit);
      return Read::too_long;
    }
    line.push_back(static_cast<char>(c));
  }
  ++number_;
  return Read::line;
}

std::string too_long_message() {
  return fmt::format("line longer than {} bytes: is this a config file?", kMaxLineBytes);
}

}  // namespace ltp::admin
