// LineReader: config and command lines read from a stream with a bound.
//
// Every reader of an ION-style file (the script runner, ltpadmin and
// ionadmin, ionstart's section splitter, the ionconfig reader) takes its
// lines from here, one at a time, so a file without line ends (a device,
// a corrupt upload) cannot grow one line, or the whole file, in memory.
// A line longer than kMaxLineBytes is refused by number; ION's own lines
// are a few dozen bytes.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

namespace ltp::admin {

inline constexpr std::size_t kMaxLineBytes = 4096;

class LineReader {
 public:
  enum class Read { line, end, too_long };

  explicit LineReader(std::istream& in) : in_(in) {}

  // The next line (without its '\n') in `line`, numbered from 1; after
  // too_long the reader is spent.
  Read next(std::string& line);
  std::size_t number() const { return number_; }

 private:
  std::istream& in_;
  std::size_t number_ = 0;
};

// The diagnostic for a too_long line (without FILE:LINE).
std::string too_long_message();

}  // namespace ltp::admin
