// Interoperability of the codec with ION 4.1.3 and with tshark:
//  - every segment in the captures of real ION traffic decodes, and
//    ltpdump's fields agree with tshark's LTP dissector frame by frame;
//  - segments we encode (every type, random fields, with extensions)
//    decode in tshark to the same fields, without malformed/expert marks,
//    and in scapy's LTP layer to the same fields and payload;
//  - the engine's RFC 5327-authenticated segments decode in tshark, the
//    two extensions shown, nothing flagged.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "ipc/transaction.h"
#include "libltp/codec/auth.h"
#include "libltp/codec/encode.h"
#include "libltp/codec/testing/random_segment.h"
#include "libltp/db/security_db.h"
#include "libltp/engine/testing/lockstep.h"
#include "tests/interop/harness.h"
#include "tests/interop/pcap_writer.h"

namespace openltp::interop {
namespace {

namespace codec = ltp::codec;

bool is_cancel_ack(const nlohmann::json& object) {
  const int type = object.value("type", -1);
  return type == 13 || type == 15;
}

// Checks every object of ltpdump against tshark's view of the same frame.
// tshark 4.0 takes a cancel-ack (CAS/CAR, which has no content) to carry
// one more octet: it does not show one of 4 octets at all, throws a
// malformed-packet exception on a longer one that ends after the header,
// and misreads extensions after the header. For those only the type (and
// the session, when shown) is compared. Returns the number of frames
// compared field by field.
std::size_t expect_agreement(const std::vector<nlohmann::json>& ours, const TsharkFrames& theirs) {
  std::size_t compared = 0;
  std::set<std::uint64_t> seen;
  for (const auto& object : ours) {
    const std::uint64_t frame = object["frame"];
    seen.insert(frame);
    const auto it = theirs.find(frame);
    if (is_cancel_ack(object)) {
      if (it == theirs.end()) continue;
      const auto& fields = it->second;
      if (fields.contains("ltp.type")) {
        EXPECT_EQ(std::stoi(fields.at("ltp.type"), nullptr, 0), object["type"]) << frame;
      }
      if (fields.contains("ltp.session.orig")) {
        EXPECT_EQ(std::stoull(fields.at("ltp.session.orig")), object["session_originator"]);
        EXPECT_EQ(std::stoull(fields.at("ltp.session.number")), object["session_number"]);
      }
      continue;
    }
    if (it == theirs.end()) {
      ADD_FAILURE() << "tshark shows no LTP in frame " << frame << ": " << object.dump();
      continue;
    }
    for (const auto& diff : compare_with_tshark(object, it->second)) {
      ADD_FAILURE() << "frame " << frame << ": " << diff << "\n  ours: " << object.dump();
    }
    ++compared;
  }
  for (const auto& [frame, fields] : theirs) {
    EXPECT_TRUE(seen.contains(frame)) << "tshark shows LTP in frame " << frame << ", we do not";
  }
  return compared;
}

struct Capture {
  const char* file;
  std::set<int> types;  // segment types the README says are in it
};

// ctest lists a parameter by what PrintTo says: the capture's name, not
// its bytes (which hold pointers and change from build to build).
void PrintTo(const Capture& capture, std::ostream* os) { *os << capture.file; }

class IonCapture : public ::testing::TestWithParam<Capture> {
 protected:
  std::string path() const { return captures_dir() + "/" + GetParam().file; }
};

TEST_P(IonCapture, EverySegmentDecodes) {
  const auto objects = ltpdump_json(path(), "1113,1114");
  const auto udp_frames = run(std::string(OPENLTP_TSHARK) + " -n -r " + shell_quote(path()) +
                              " -Y 'udp.port==1113 || udp.port==1114' 2>/dev/null | wc -l");
  EXPECT_EQ(objects.size(), std::stoull(udp_frames.output));
  std::set<int> types;
  for (const auto& object : objects) {
    EXPECT_FALSE(object.contains("malformed")) << object.dump();
    EXPECT_FALSE(object.contains("keep_alive")) << object.dump();
    types.insert(object.value("type", -1));
  }
  EXPECT_EQ(types, GetParam().types);
}

TEST_P(IonCapture, FieldsAgreeWithTshark) {
  const auto objects = ltpdump_json(path(), "1113,1114");
  std::size_t cancel_acks = 0;
  for (const auto& object : objects) cancel_acks += is_cancel_ack(object);
  EXPECT_EQ(expect_agreement(objects, tshark_ltp_fields(path())), objects.size() - cancel_acks);
}

INSTANTIATE_TEST_SUITE_P(Ion413, IonCapture,
                         ::testing::Values(Capture{"ion-red.pcap", {0, 3, 8, 9}},
                                           Capture{"ion-mixed.pcap", {0, 2, 4, 7, 8, 9}},
                                           Capture{"ion-unreach.pcap", {0, 14, 15}},
                                           Capture{"ion-rlexc.pcap", {0, 3, 12}},
                                           Capture{"ion-loss.pcap", {0, 1, 3, 8, 9, 12, 13}},
                                           Capture{"ion-multirs.pcap", {0, 1, 3, 8, 9}}),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(4, name.find('.') - 4);
                           return name;
                         });

TEST(IonCapture, MultiReportSplitsOneCheckpointIntoEightReports) {
  std::map<std::uint64_t, int> reports_per_checkpoint;
  for (const auto& object : ltpdump_json(captures_dir() + "/ion-multirs.pcap", "1113,1114")) {
    if (object.value("type", -1) == 8) ++reports_per_checkpoint[object["checkpoint_serial"]];
  }
  int most = 0;
  for (const auto& [checkpoint, count] : reports_per_checkpoint) most = std::max(most, count);
  EXPECT_GE(most, 8);
}

// What tshark 4.0's LTP dissector can show correctly (each limit found by
// feeding it hand-made segments; the codec's own tests cover the rest):
//  - SDNVs of 10 octets (values of 2^63 and over) come out as 2^64 - 1 and
//    derail the rest of the segment;
//  - report bounds are read as signed 32-bit numbers (2^31 and over wrong);
//  - a report with no claims throws a malformed-packet exception;
//  - a second header extension is shown as a copy of the first;
//  - serial numbers of 2^32 and over get CCSDS expert warnings.
constexpr codec::testing::FieldLimits kTsharkLimits{.value_bits = 63,
                                                    .serial_bits = 32,
                                                    .bound_bits = 31,
                                                    .max_header_extensions = 1,
                                                    .min_claims = 1};

// Our encodings, written to a pcap, decoded by tshark.
class OurEncoding : public ::testing::TestWithParam<bool> {};

TEST_P(OurEncoding, TsharkDecodesTheSameFields) {
  const bool with_extensions = GetParam();
  ScratchDir scratch;
  const std::string pcap = (scratch.path() / "encoded.pcap").string();
  std::mt19937_64 rng(with_extensions ? 77 : 78);
  std::vector<codec::SessionId> sessions;
  {
    PcapWriter writer(pcap, LinkType::raw);
    ASSERT_TRUE(writer.ok());
    for (int round = 0; round < 25; ++round) {
      for (codec::SegmentType type : codec::testing::kAllSegmentTypes) {
        codec::testing::RandomSegment random(rng, type, with_extensions, kTsharkLimits);
        std::vector<std::uint8_t> wire(codec::encoded_size(random.segment()));
        ASSERT_TRUE(codec::encode(random.segment(), wire));
        writer.write(wire);
        sessions.push_back(random.segment().header.session);
      }
    }
  }
  const auto objects = ltpdump_json(pcap, "1113");
  ASSERT_EQ(objects.size(), sessions.size());
  for (std::size_t i = 0; i < objects.size(); ++i) {
    ASSERT_FALSE(objects[i].contains("malformed")) << objects[i].dump();
    EXPECT_EQ(objects[i]["session_originator"], sessions[i].originator);
    EXPECT_EQ(objects[i]["session_number"], sessions[i].number);
  }
  EXPECT_EQ(expect_agreement(objects, tshark_ltp_fields(pcap)), objects.size() * 10 / 12);
}

// scapy's LTP layer (python3-scapy) reads SDNVs of up to 32 bits only,
// and expects an SDNV in cancel-acks, which have no content.
constexpr codec::testing::FieldLimits kScapyLimits{
    .value_bits = 32, .serial_bits = 32, .bound_bits = 32};

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string text;
  for (std::uint8_t b : bytes) text += fmt::format("{:02x}", b);
  return text;
}

TEST_P(OurEncoding, ScapyDecodesTheSameFields) {
  const bool with_extensions = GetParam();
  ScratchDir scratch;
  const std::string pcap = (scratch.path() / "encoded.pcap").string();
  std::mt19937_64 rng(with_extensions ? 177 : 178);
  std::vector<std::unique_ptr<codec::testing::RandomSegment>> segments;
  {
    PcapWriter writer(pcap, LinkType::ethernet);
    ASSERT_TRUE(writer.ok());
    for (int round = 0; round < 20; ++round) {
      for (codec::SegmentType type : codec::testing::kAllSegmentTypes) {
        if (type == codec::SegmentType::cancel_ack_to_sender ||
            type == codec::SegmentType::cancel_ack_to_receiver) {
          continue;
        }
        segments.push_back(std::make_unique<codec::testing::RandomSegment>(
            rng, type, with_extensions, kScapyLimits));
        std::vector<std::uint8_t> wire(codec::encoded_size(segments.back()->segment()));
        ASSERT_TRUE(codec::encode(segments.back()->segment(), wire));
        writer.write(wire);
      }
    }
  }
  const auto ours = ltpdump_json(pcap, "1113");
  const auto result = run(std::string(OPENLTP_SCAPY_LTP) + " " + shell_quote(pcap));
  ASSERT_EQ(result.exit_code, 0);
  std::vector<nlohmann::json> theirs;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) theirs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(theirs.size(), segments.size());
  ASSERT_EQ(ours.size(), segments.size());

  for (std::size_t i = 0; i < theirs.size(); ++i) {
    const auto& scapy = theirs[i];
    ASSERT_FALSE(scapy.contains("error")) << scapy.dump();
    for (const auto& [key, value] : scapy.items()) {
      if (key == "payload") continue;
      auto expected = ours[i][key];
      if (key == "header_extensions" || key == "trailer_extensions") {
        for (auto& e : expected)
          e = {{"tag", e["tag"]}, {"length", e["length"]}, {"value", e["value"]}};
      }
      EXPECT_EQ(value, expected) << "frame " << i + 1 << " " << key;
    }
    const auto* data = std::get_if<codec::DataSegment>(&segments[i]->segment().body);
    if (data) {
      EXPECT_EQ(scapy["payload"], hex(data->payload)) << "frame " << i + 1;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Random, OurEncoding, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "WithExtensions" : "Plain"; });

// A transfer between two engines that sign every segment (a lost data
// segment brings reports and a retransmission in), captured and shown to
// tshark and ltpdump: every segment carries one header and one trailer
// extension, and neither decoder flags anything.
class EngineAuthenticated : public ::testing::TestWithParam<codec::Ciphersuite> {};

TEST_P(EngineAuthenticated, TsharkDecodesSignedSegments) {
  using ltp::engine::testing::Lockstep;
  ltp::engine::testing::LockstepConfig config;
  const auto suite = GetParam();
  config.configure = [suite](std::uint64_t id, ltp::ipc::Transaction& txn) {
    auto secdb = ltp::db::SecurityDb::open_or_create(txn).value();
    const std::vector<std::uint8_t> key(20, 0x11);
    ASSERT_TRUE(secdb.add_key(txn, "k", key));
    const ltp::db::AuthRule rule{Lockstep::peer(id), static_cast<std::uint64_t>(suite), "k"};
    ASSERT_TRUE(secdb.add_rule(txn, ltp::db::AuthDirection::receive, rule));
    ASSERT_TRUE(secdb.add_rule(txn, ltp::db::AuthDirection::transmit, rule));
  };
  Lockstep net(config);
  net.set_filter([](const ltp::engine::testing::Crossing& x) {
    return ltp::engine::testing::Verdict{
        x.type == codec::SegmentType::red_data && x.index_of_type == 1 ? 0 : 1};
  });
  net.send(Lockstep::kA, Lockstep::pattern(20000, 5));
  ASSERT_TRUE(net.run());
  ASSERT_EQ(net.notices(Lockstep::kB, ltp::db::NoticeType::red_part).size(), 1u);

  ScratchDir scratch;
  const std::string pcap = (scratch.path() / "signed.pcap").string();
  {
    PcapWriter writer(pcap, LinkType::raw);
    ASSERT_TRUE(writer.ok());
    for (const auto& x : net.trace()) writer.write(x.bytes);
  }
  const auto objects = ltpdump_json(pcap, "1113");
  ASSERT_EQ(objects.size(), net.trace().size());
  const auto frames = tshark_ltp_fields(pcap);
  ASSERT_EQ(frames.size(), objects.size());
  for (const auto& [frame, fields] : frames) {
    EXPECT_FALSE(fields.contains("_ws.malformed")) << "frame " << frame;
    EXPECT_FALSE(fields.contains("_ws.expert")) << "frame " << frame;
    EXPECT_EQ(fields.at("ltp.hdr.extn.cnt"), "1") << "frame " << frame;
    EXPECT_EQ(fields.at("ltp.trl.extn.cnt"), "1") << "frame " << frame;
    EXPECT_EQ(fields.at("ltp.hdr.extn.tag"), "0x00") << "frame " << frame;
  }
  for (const auto& object : objects) EXPECT_FALSE(object.contains("malformed")) << object.dump();
  EXPECT_GT(expect_agreement(objects, frames), 0u);
}

INSTANTIATE_TEST_SUITE_P(Suites, EngineAuthenticated,
                         ::testing::Values(codec::Ciphersuite::hmac_sha1_80,
                                           codec::Ciphersuite::hmac_sha256_128),
                         [](const auto& info) {
                           return info.param == codec::Ciphersuite::hmac_sha1_80 ? "HmacSha1_80"
                                                                                 : "HmacSha256_128";
                         });

}  // namespace
}  // namespace openltp::interop
