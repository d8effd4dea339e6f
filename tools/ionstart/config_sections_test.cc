// ION's consolidated config format (`ionstart -I`): sections, tags, line
// numbers, and the malformed files ION refuses.
#include "tools/ionstart/config_sections.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ltp::ionstart {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::size_t> numbers(const std::vector<admin_tool::NumberedLine>& lines) {
  std::vector<std::size_t> out;
  for (const auto& line : lines) out.push_back(line.number);
  return out;
}

TEST(ConfigSections, SplitsIonadminAndLtpadminKeepingFileLineNumbers) {
  const char* text =
      "# node 1\n"                                             // 1
      "## begin ionadmin\n"                                    // 2
      "1 1\n"                                                  // 3
      "s\n"                                                    // 4
      "## end ionadmin\n"                                      // 5
      "ignored line\n"                                         // 6
      "## begin ltpadmin\n"                                    // 7
      "1 32\n"                                                 // 8
      "a span 2 32 32 1400 10000 1 'udplso 127.0.0.1:1114'\n"  // 9
      "s 'udplsi 127.0.0.1:1113'\n"                            // 10
      "## end ltpadmin\n";                                     // 11
  auto s = split_sections("n.rc", text, "");
  ASSERT_TRUE(s) << s.error();
  EXPECT_THAT(numbers(s.value().ionadmin), ElementsAre(3, 4));
  EXPECT_THAT(numbers(s.value().ltpadmin), ElementsAre(8, 9, 10));
  EXPECT_EQ(s.value().ltpadmin[1].text, "a span 2 32 32 1400 10000 1 'udplso 127.0.0.1:1114'");
  EXPECT_TRUE(s.value().warnings.empty());
}

TEST(ConfigSections, SecuritySectionsAreKeptWithTheirLineNumbers) {
  const char* text =
      "## begin ltpsecadmin\n"          // 1
      "a ltprecvauthrule 2 0 k1\n"      // 2
      "## end ltpsecadmin\n"            // 3
      "## begin ionsecadmin\n"          // 4
      "1\n"                             // 5
      "a key k1 /etc/openltp/k1.key\n"  // 6
      "## end ionsecadmin\n"            // 7
      "## begin ionadmin\n1 1\n## end ionadmin\n"
      "## begin ltpsecadmin other\na ltpxmitauthrule 9 255\n## end ltpsecadmin other\n";
  auto s = split_sections("n.rc", text, "");
  ASSERT_TRUE(s) << s.error();
  EXPECT_THAT(numbers(s.value().ionsecadmin), ElementsAre(5, 6));
  EXPECT_EQ(s.value().ionsecadmin[1].text, "a key k1 /etc/openltp/k1.key");
  EXPECT_THAT(numbers(s.value().ltpsecadmin), ElementsAre(2));
  EXPECT_EQ(s.value().ltpsecadmin[0].text, "a ltprecvauthrule 2 0 k1");
  EXPECT_THAT(numbers(s.value().ionadmin), ElementsAre(9));
  EXPECT_TRUE(s.value().ltpadmin.empty());
  EXPECT_TRUE(s.value().warnings.empty());

  auto other = split_sections("n.rc", text, "other");
  ASSERT_TRUE(other) << other.error();
  EXPECT_THAT(numbers(other.value().ltpsecadmin), ElementsAre(12));
  EXPECT_TRUE(other.value().ionsecadmin.empty());
}

TEST(ConfigSections, ASecondSecuritySectionIsRefused) {
  auto s = split_sections(
      "n.rc", "## begin ionsecadmin\n1\n## end ionsecadmin\n## begin ionsecadmin\n", "");
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error(), HasSubstr("n.rc:4: a second ionsecadmin section"));
}

TEST(ConfigSections, TagPicksOneNodesSections) {
  const char* text =
      "## begin ionadmin host1\n1 1\n## end ionadmin host1\n"
      "## begin ionadmin host2\n1 2\n## end ionadmin host2\n"
      "## begin ltpadmin host2\n1 10\n## end ltpadmin host2\n";
  auto s = split_sections("n.rc", text, "host2");
  ASSERT_TRUE(s) << s.error();
  ASSERT_EQ(s.value().ionadmin.size(), 1u);
  EXPECT_EQ(s.value().ionadmin[0].text, "1 2");
  EXPECT_EQ(s.value().ionadmin[0].number, 5u);
  EXPECT_THAT(numbers(s.value().ltpadmin), ElementsAre(8));
  // Without a tag only untagged sections count: none here.
  auto untagged = split_sections("n.rc", text, "");
  ASSERT_TRUE(untagged);
  EXPECT_TRUE(untagged.value().ionadmin.empty());
}

TEST(ConfigSections, OtherIonProgramsAreSkippedWithAWarning) {
  auto s = split_sections("n.rc", "## begin bpadmin\n1\n## end bpadmin\n## begin foo\n", "");
  ASSERT_TRUE(s) << s.error();
  EXPECT_TRUE(s.value().ionadmin.empty());
  ASSERT_EQ(s.value().warnings.size(), 2u);
  EXPECT_THAT(s.value().warnings[0], HasSubstr("n.rc:1: skipping the bpadmin section"));
  EXPECT_THAT(s.value().warnings[0],
              HasSubstr("only the ionadmin, ionsecadmin, ltpsecadmin and ltpadmin sections"));
  EXPECT_THAT(s.value().warnings[1], HasSubstr("n.rc:4: `foo` is not an ION admin program"));
}

TEST(ConfigSections, MalformedFilesAreRefusedWithTheLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"## begin ionadmin\n## begin ltpadmin\n", "n.rc:2: the ltpadmin section begins inside"},
      {"## begin ionadmin\n## end ionadmin\n## begin ionadmin\n", "n.rc:3: a second ionadmin"},
      {"## end ltpadmin\n", "n.rc:1: `## end ltpadmin` without"},
      {"## begin ionadmin\n## end ltpadmin\n", "n.rc:2: `## end ltpadmin` inside the ionadmin"},
      {"## begin ionadmin\n1 1\n", "n.rc:2: the file ends inside the ionadmin section"},
      {"## begin ionadmin\n## begin ltpadmin other\n",
       "n.rc:2: a ltpadmin section begins inside the ionadmin"},
  };
  for (const auto& c : cases) {
    auto s = split_sections("n.rc", c.text, "");
    ASSERT_FALSE(s) << c.text;
    EXPECT_THAT(s.error(), HasSubstr(c.error)) << c.text;
  }
}

}  // namespace
}  // namespace ltp::ionstart
