// Replays captures of real ION 4.1.3 traffic (tests/interop/captures) into
// our engine: what ION's engine 1 sent to its engine 2 is fed to our
// engine 2, which must deliver what ION's ltpcounter received and answer
// the way ION's engine 2 did.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using codec::SegmentType;
using db::NoticeType;
using testing::Lockstep;
constexpr auto kB = Lockstep::kB;
constexpr std::uint16_t kEngine2Port = 1114;

// UDP payloads sent to `port`, in capture order, from a pcapng file of
// Ethernet/IPv4/UDP frames (what the captures hold).
std::vector<std::vector<std::uint8_t>> udp_payloads_to(const std::string& name,
                                                       std::uint16_t port) {
  const auto path = std::filesystem::path(OPENLTP_CAPTURES_DIR) / name;
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> d((std::istreambuf_iterator<char>(in)), {});
  auto u32 = [&](std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, &d[at], 4);
    return v;
  };
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t at = 0; at + 12 <= d.size();) {
    const std::uint32_t type = u32(at), length = u32(at + 4);
    if (length < 12 || at + length > d.size()) break;
    if (type == 6) {  // enhanced packet block
      const std::size_t frame = at + 28;
      const std::uint32_t captured = u32(at + 20);
      const std::size_t ip = frame + 14;
      const std::size_t udp = ip + (d[ip] & 0x0f) * 4;
      const std::uint16_t dst = static_cast<std::uint16_t>(d[udp + 2] << 8 | d[udp + 3]);
      const std::uint16_t udp_length = static_cast<std::uint16_t>(d[udp + 4] << 8 | d[udp + 5]);
      if (d[ip + 9] == 17 && dst == port && udp + udp_length <= frame + captured) {
        out.emplace_back(d.begin() + udp + 8, d.begin() + udp + udp_length);
      }
    }
    at += length;
  }
  return out;
}

testing::LockstepConfig ion_like() {
  testing::LockstepConfig c;
  c.span.max_segment_size = 1400;
  c.span.stale_import_ms = 30000;
  c.node.closed_memory_ms = 10000;
  return c;
}

// Feeds ION engine 1's segments to our engine 2, 1 ms apart; what our
// engine 2 sends back goes nowhere (ION's engine 1 is not here).
void replay(Lockstep& net, const std::string& capture) {
  net.set_filter([](const testing::Crossing&) { return testing::Verdict{0, 0}; });
  std::uint64_t delay = 0;
  for (auto& datagram : udp_payloads_to(capture, kEngine2Port))
    net.inject(kB, std::move(datagram), delay++);
  ASSERT_GT(delay, 0u) << capture;
  ASSERT_TRUE(net.run());
}

TEST(IonReplay, AggregatedRedBlock) {
  Lockstep net(ion_like());
  replay(net, "ion-red.pcap");
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].length, 60000u);  // three 20000-octet SDUs in one block
  EXPECT_TRUE(red[0].end_of_block);
  // Our answer: one report, one claim covering it all, citing ION's checkpoint.
  const auto reports = net.crossings(SegmentType::report);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].claims, 1u);
  EXPECT_NE(reports[0].checkpoint_serial, 0u);
  EXPECT_EQ(net.engine(kB).node_stats().malformed_dropped, 0u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

TEST(IonReplay, RedAndGreenBlocks) {
  Lockstep net(ion_like());
  replay(net, "ion-mixed.pcap");
  // Each SDU has green data, so each closes its block: two blocks of
  // 15000 red and 5000 green octets.
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 2u);
  for (const auto& n : red) {
    EXPECT_EQ(n.length, 15000u);
    EXPECT_FALSE(n.end_of_block);
  }
  std::map<std::uint64_t, std::uint64_t> green;
  int eobs = 0;
  for (const auto& n : net.notices(kB, NoticeType::green_segment)) {
    EXPECT_GE(n.offset, 15000u);
    green[n.session.number] += n.length;
    eobs += n.end_of_block;
  }
  for (const auto& [session, bytes] : green) EXPECT_EQ(bytes, 5000u) << session;
  EXPECT_EQ(green.size(), 2u);
  EXPECT_EQ(eobs, 2);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

TEST(IonReplay, LossyTransfersWithIonRetransmissions) {
  Lockstep net(ion_like());
  replay(net, "ion-loss.pcap");
  // ION's checkpoints cite ION's report serials, unknown to us; we must
  // still assemble every block whose data crossed, each exactly once.
  std::map<std::uint64_t, int> delivered;
  for (const auto& n : net.notices(kB, NoticeType::red_part)) {
    ++delivered[n.session.number];
    EXPECT_EQ(n.length, 100000u);
  }
  EXPECT_GE(delivered.size(), 2u);  // ION cancelled one of its three sessions
  for (const auto& [number, times] : delivered) EXPECT_EQ(times, 1) << number;
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

TEST(IonReplay, MegabyteBlockWithSplitReports) {
  Lockstep net(ion_like());
  replay(net, "ion-multirs.pcap");
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].length, 1000000u);
  // Our first report for ION's first checkpoint is split, at most 20 claims each.
  std::size_t split = 0;
  for (const auto& c : net.trace()) {
    if (c.type == SegmentType::report) {
      EXPECT_LE(c.claims, 20u);
      split += c.claims == 20;
    }
  }
  EXPECT_GT(split, 0u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

TEST(IonReplay, UnknownClientService) {
  Lockstep net(ion_like());
  replay(net, "ion-unreach.pcap");
  std::size_t unreach = 0;
  for (const auto& c : net.trace()) {
    unreach += c.type == SegmentType::cancel_from_receiver && c.reason == 1;
  }
  EXPECT_GE(unreach, 1u);
  EXPECT_TRUE(net.notices(kB).empty());
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

}  // namespace
}  // namespace ltp::engine
