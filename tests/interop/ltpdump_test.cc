// ltpdump as a user runs it: captures, -x, hostile captures, every link
// type, and exit codes for usage and I/O errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "libltp/codec/encode.h"
#include "libltp/codec/testing/hex.h"
#include "libltp/codec/testing/random_segment.h"
#include "tests/interop/harness.h"
#include "tests/interop/pcap_writer.h"

namespace openltp::interop {
namespace {

using ltp::codec::testing::from_hex;

CommandResult ltpdump(const std::string& arguments) {
  return run(shell_quote(ltpdump_path()) + " " + arguments + " 2>&1");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Ltpdump, ReadsEveryCaptureAsText) {
  for (const char* file : {"ion-red.pcap", "ion-mixed.pcap", "ion-unreach.pcap", "ion-rlexc.pcap",
                           "ion-loss.pcap", "ion-multirs.pcap"}) {
    const std::string path = shell_quote(captures_dir() + "/" + file);
    const auto both = ltpdump("-r " + path + " --port 1113,1114");
    EXPECT_EQ(both.exit_code, 0) << file;
    EXPECT_EQ(both.output.find("MALFORMED"), std::string::npos) << file;
    const auto default_port = ltpdump("-r " + path);
    EXPECT_EQ(default_port.exit_code, 0);
    // Port 1113 alone misses the datagrams between the two ephemeral-port
    // senders and 1114... but ION answers to 1113, so both directions of a
    // session to engine 1 still show.
    EXPECT_LE(lines_of(default_port.output).size(), lines_of(both.output).size()) << file;
  }
}

TEST(Ltpdump, ReadsPcapngLikePcap) {
  ScratchDir scratch;
  const std::string pcap = captures_dir() + "/ion-unreach.pcap";
  const std::string pcapng = (scratch.path() / "ion-unreach.pcapng").string();
  ASSERT_EQ(run(std::string(OPENLTP_EDITCAP) + " -F pcapng " + shell_quote(pcap) + " " +
                shell_quote(pcapng))
                .exit_code,
            0);
  const auto from_pcap = ltpdump("-r " + shell_quote(pcap) + " -p 1113,1114");
  const auto from_pcapng = ltpdump("-r " + shell_quote(pcapng) + " -p 1113,1114");
  EXPECT_EQ(from_pcapng.exit_code, 0);
  EXPECT_EQ(lines_of(from_pcapng.output).size(), 5u);
  EXPECT_EQ(from_pcapng.output, from_pcap.output);
}

TEST(Ltpdump, LineCarriesFrameTimestampAndFields) {
  const auto result =
      ltpdump("-r " + shell_quote(captures_dir() + "/ion-unreach.pcap") + " -p 1113,1114");
  const auto lines = lines_of(result.output);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1].rfind("2 2026-", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find("Z 127.0.0.1:"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("LTP CR session 1/4 reason 1 (UNREACH)"), std::string::npos);
  EXPECT_NE(lines[4].find("LTP CAR session 1/4"), std::string::npos);
}

TEST(Ltpdump, HexGoodSegment) {
  const auto text = ltpdump("-x '0e 01 04 00 01'");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.output, "LTP CR session 1/4 reason 1 (UNREACH)\n");
  const auto json = ltpdump("--json -x 08010400050764 0a02000a1e32");
  ASSERT_EQ(json.exit_code, 2);  // two arguments: the second is unexpected
  const auto report = ltpdump("--json -x 080104000507640a02000a1e32");
  ASSERT_EQ(report.exit_code, 0);
  const auto object = nlohmann::json::parse(report.output);
  EXPECT_EQ(object["type"], 8);
  EXPECT_EQ(object["upper_bound"], 100);
  EXPECT_EQ(object["lower_bound"], 10);
  EXPECT_EQ(object["claims"][1]["offset"], 30);
  EXPECT_EQ(object["claims"][1]["length"], 50);
}

TEST(Ltpdump, HexMalformedSegmentIsExplained) {
  const auto text = ltpdump("-x 080104000507640a02000a0a0a");
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.output.find("MALFORMED"), std::string::npos);
  EXPECT_NE(text.output.find("claim_adjacent"), std::string::npos);
  const auto json = ltpdump("--json -x 1e01040001");
  const auto object = nlohmann::json::parse(json.output);
  EXPECT_EQ(object["malformed"], true);
  EXPECT_EQ(object["error"], "bad_version");
}

TEST(Ltpdump, HostileCaptureIsShownFrameByFrame) {
  struct Frame {
    const char* hex;
    const char* error;  // nullptr: decodes
  };
  const std::vector<Frame> frames = {
      {"0e01040001", nullptr},
      {"", "truncated"},
      {"0e0104", "truncated"},
      {"deadbeefcafe", "bad_version"},
      {"0980808080808080808080010400", "sdnv_too_long"},
      {"0901828080808080808080000001", "sdnv_overflow"},
      {"0a010400", "undefined_type"},
      {"00000000", nullptr},  // keep-alive
      {"080104000507640a03000a1e32", "claim_count_too_large"},
      {"080104000507640a02000a050a", "claim_overlapping"},
      {"080104000507640a02000a0a0a", "claim_adjacent"},
      {"080104000507640a021e0a000a", "claim_out_of_order"},
      {"080104000507640a015014", "claim_out_of_bounds"},
      {"080104000507640a010000", "claim_empty"},
      {"0801040005070a0a00", "bounds_inverted"},
      {"01010400010001000000aa", "checkpoint_serial_zero"},
      {"0001040001000000", "data_length_zero"},
      {"00010400010005aabb", "payload_truncated"},
      {"0901041000050024", "extension_truncated"},
      {"0e01040001ff", nullptr},  // shown, with a warning (ION pads reports)
      {"0f010400", nullptr},
  };
  ScratchDir scratch;
  const std::string pcap = (scratch.path() / "hostile.pcap").string();
  {
    PcapWriter writer(pcap, LinkType::ethernet);
    ASSERT_TRUE(writer.ok());
    for (const auto& f : frames) writer.write(from_hex(f.hex));
  }
  const auto result = ltpdump("--json -r " + shell_quote(pcap));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lines = lines_of(result.output);
  ASSERT_EQ(lines.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto object = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(object["frame"], i + 1);
    if (frames[i].error) {
      EXPECT_EQ(object.value("error", ""), frames[i].error) << lines[i];
      EXPECT_FALSE(object.value("error_description", "").empty());
    } else {
      EXPECT_FALSE(object.contains("malformed")) << lines[i];
    }
  }
  EXPECT_EQ(nlohmann::json::parse(lines[7]).value("keep_alive", false), true);
  EXPECT_EQ(nlohmann::json::parse(lines[19]).value("trailing_octets", 0), 1);

  const auto text = ltpdump("-r " + shell_quote(pcap));
  EXPECT_EQ(text.exit_code, 0);
  const auto text_lines = lines_of(text.output);
  ASSERT_EQ(text_lines.size(), frames.size());
  EXPECT_NE(text_lines[4].find("SDNV longer than 10 octets"), std::string::npos) << text_lines[4];
}

TEST(Ltpdump, EveryLinkTypeAndIpVersionGivesTheSameSegments) {
  std::mt19937_64 rng(99);
  std::vector<std::vector<std::uint8_t>> datagrams;
  for (auto type : ltp::codec::testing::kAllSegmentTypes) {
    ltp::codec::testing::RandomSegment random(rng, type, true);
    std::vector<std::uint8_t> wire(ltp::codec::encoded_size(random.segment()));
    ASSERT_TRUE(ltp::codec::encode(random.segment(), wire));
    datagrams.push_back(std::move(wire));
  }
  ScratchDir scratch;
  std::vector<nlohmann::json> reference;
  for (LinkType link : {LinkType::raw, LinkType::ethernet, LinkType::linux_sll,
                        LinkType::linux_sll2, LinkType::null}) {
    for (bool ipv6 : {false, true}) {
      const std::string pcap = (scratch.path() / "link.pcap").string();
      {
        PcapWriter writer(pcap, link, ipv6);
        ASSERT_TRUE(writer.ok());
        for (const auto& d : datagrams) writer.write(d, 1114);
      }
      auto objects = ltpdump_json(pcap, "1114");
      ASSERT_EQ(objects.size(), datagrams.size()) << static_cast<int>(link) << " ipv6 " << ipv6;
      for (auto& o : objects) {
        EXPECT_EQ(o["destination"], ipv6 ? "[::1]:1114" : "127.0.0.1:1114");
        o.erase("source");
        o.erase("destination");
      }
      if (reference.empty()) reference = objects;
      EXPECT_EQ(objects, reference) << static_cast<int>(link) << " ipv6 " << ipv6;
      EXPECT_TRUE(ltpdump_json(pcap, "1113").empty());  // other ports are not LTP
    }
  }
}

TEST(Ltpdump, DatagramCutByTheSnapLengthIsReportedAndSkipped) {
  ScratchDir scratch;
  const std::string pcap = (scratch.path() / "snapped.pcap").string();
  {
    PcapWriter writer(pcap, LinkType::ethernet);
    ASSERT_TRUE(writer.ok());
    writer.write(from_hex("00010400010005aabbccddee"), 1113, 14 + 20 + 8 + 6);
    writer.write(from_hex("0e01040001"));
  }
  const auto result = ltpdump("-r " + shell_quote(pcap));
  EXPECT_EQ(result.exit_code, 0);
  const auto lines = lines_of(result.output);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("MALFORMED: datagram cut short by the capture's snap length"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("LTP CR session 1/4"), std::string::npos) << lines[1];
}

TEST(Ltpdump, CaptureFileCutShortShowsWhatItCanThenExits1) {
  ScratchDir scratch;
  const std::string pcap = (scratch.path() / "cut.pcap").string();
  {
    PcapWriter writer(pcap, LinkType::raw);
    ASSERT_TRUE(writer.ok());
    writer.write(from_hex("0e01040001"));
    writer.write(from_hex("0e01050001"));
  }
  std::filesystem::resize_file(pcap, std::filesystem::file_size(pcap) - 3);
  const auto result = ltpdump("-r " + shell_quote(pcap));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("LTP CR session 1/4"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("ltpdump: error reading"), std::string::npos) << result.output;
}

TEST(Ltpdump, UsageErrorsExit2) {
  for (const char* arguments :
       {"", "-r a.pcap -x 00", "--port abc -r a.pcap", "--port 0 -r a.pcap",
        "--port 70000 -r a.pcap", "--bogus", "-x zz", "-x 123", "-r a.pcap extra"}) {
    const auto result = ltpdump(arguments);
    EXPECT_EQ(result.exit_code, 2) << arguments << ": " << result.output;
    EXPECT_NE(result.output.find("ltpdump: "), std::string::npos) << arguments;
    EXPECT_NE(result.output.find("--help"), std::string::npos) << arguments;
  }
  EXPECT_EQ(ltpdump("--help").exit_code, 0);
}

TEST(Ltpdump, UnreadableCaptureExits1) {
  ScratchDir scratch;
  const auto missing = ltpdump("-r " + shell_quote((scratch.path() / "missing.pcap").string()));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("cannot read capture"), std::string::npos) << missing.output;

  const auto garbage_path = (scratch.path() / "garbage.pcap").string();
  std::ofstream(garbage_path) << "this is not a capture file at all";
  EXPECT_EQ(ltpdump("-r " + shell_quote(garbage_path)).exit_code, 1);
}

}  // namespace
}  // namespace openltp::interop
