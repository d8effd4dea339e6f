#include "libltp/admin/tokenizer.h"

#include <gtest/gtest.h>

namespace ltp::admin {
namespace {

TEST(Tokenizer, SplitsOnBlanksAndKeepsQuotedCommandsWhole) {
  EXPECT_EQ(tokenize("a span 3 50 50 64000 128000 1 'udplso 10.0.0.3:1113'").value(),
            (Tokens{"a", "span", "3", "50", "50", "64000", "128000", "1", "udplso 10.0.0.3:1113"}));
  EXPECT_EQ(tokenize("  s\t'udplsi 0.0.0.0:1113'  \r").value(),
            (Tokens{"s", "udplsi 0.0.0.0:1113"}));
}

TEST(Tokenizer, BlankAndCommentLinesAreEmpty) {
  EXPECT_TRUE(tokenize("").value().empty());
  EXPECT_TRUE(tokenize("   \t").value().empty());
  EXPECT_TRUE(tokenize("# a comment 'with a quote").value().empty());
  EXPECT_TRUE(tokenize("  #indented").value().empty());
}

TEST(Tokenizer, RejectsUnbalancedQuotesAndTooManyTokens) {
  EXPECT_NE(tokenize("a seat 'udplsi 1.2.3.4").error().find("unbalanced quote"), std::string::npos);
  EXPECT_NE(tokenize("a seat 'udplsi'x").error().find("closing quote"), std::string::npos);
  EXPECT_NE(tokenize("a seat ab'c'").error().find("quote"), std::string::npos);
  EXPECT_TRUE(tokenize("1 2 3 4 5 6 7 8 9 10 11 12"));
  EXPECT_NE(tokenize("1 2 3 4 5 6 7 8 9 10 11 12 13").error().find("13 tokens"), std::string::npos);
}

}  // namespace
}  // namespace ltp::admin
