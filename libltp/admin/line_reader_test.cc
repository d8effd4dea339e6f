// LineReader: lines as std::getline gives them, numbered, and a bound that
// stops a file without line ends instead of reading it whole.
#include "libltp/admin/line_reader.h"

#include <gtest/gtest.h>

#include <sstream>

#include "libltp/admin/script.h"

namespace ltp::admin {
namespace {

TEST(LineReaderTest, ReadsLinesLikeGetlineAndNumbersThem) {
  std::istringstream in("a 1\n\nb 2");
  LineReader reader(in);
  std::string line;
  ASSERT_EQ(reader.next(line), LineReader::Read::line);
  EXPECT_EQ(line, "a 1");
  EXPECT_EQ(reader.number(), 1u);
  ASSERT_EQ(reader.next(line), LineReader::Read::line);
  EXPECT_EQ(line, "");
  ASSERT_EQ(reader.next(line), LineReader::Read::line);
  EXPECT_EQ(line, "b 2");
  EXPECT_EQ(reader.number(), 3u);
  EXPECT_EQ(reader.next(line), LineReader::Read::end);
}

// A stream that never ends a line, as /dev/zero: it must not be read on
// past the bound.
class EndlessZeros : public std::streambuf {
 public:
  std::size_t handed_out = 0;

 protected:
  int_type underflow() override {
    setg(block_, block_, block_ + sizeof(block_));
    handed_out += sizeof(block_);
    return 0;
  }

 private:
  char block_[512]{};
};

TEST(LineReaderTest, ALineWithoutEndStopsAtTheBound) {
  EndlessZeros zeros;
  std::istream in(&zeros);
  LineReader reader(in);
  std::string line;
  EXPECT_EQ(reader.next(line), LineReader::Read::too_long);
  EXPECT_EQ(reader.number(), 1u);
  EXPECT_LE(zeros.handed_out, kMaxLineBytes + 1024);
  EXPECT_EQ(reader.next(line), LineReader::Read::end);
}

TEST(LineReaderTest, AScriptWithAnOverlongLineFailsAtThatLine) {
  std::istringstream in("# fine\n" + std::string(kMaxLineBytes + 1, 'x') + "\n");
  int executed = 0;
  auto run = run_script("f.ltprc", in, [&](const Tokens&) -> Result<LineOutcome, std::string> {
    ++executed;
    return LineOutcome{};
  });
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().line, 2u);
  EXPECT_NE(run.error().message.find("longer than 4096"), std::string::npos);
  EXPECT_EQ(executed, 0);
}

}  // namespace
}  // namespace ltp::admin
