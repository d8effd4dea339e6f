// RFC 5327 cookies applied by the engine (segment_cookies.cc): with cookie
// rules on both sides every segment of a session carries the session's
// cookie, alone or beside an authentication extension; segments aimed at a
// session by someone who knows its number but not its cookie change
// nothing and are counted; closed sessions' cookies are forgotten.
#include <gtest/gtest.h>

#include <map>

#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/db/security_db.h"
#include "libltp/engine/testing/forgeries.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::NoticeType;
using testing::Lockstep;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

testing::LockstepConfig with_cookies(bool authenticated) {
  testing::LockstepConfig config;
  config.span.max_segment_size = 1000;
  config.configure = [authenticated](std::uint64_t id, ipc::Transaction& txn) {
    auto secdb = db::SecurityDb::open_or_create(txn).value();
    ASSERT_TRUE(secdb.add_cookie_rule(txn, Lockstep::peer(id)));
    if (authenticated) {
      const db::AuthRule rule{Lockstep::peer(id),
                              static_cast<std::uint64_t>(codec::Ciphersuite::null), ""};
      ASSERT_TRUE(secdb.add_rule(txn, db::AuthDirection::receive, rule));
      ASSERT_TRUE(secdb.add_rule(txn, db::AuthDirection::transmit, rule));
    }
  };
  return config;
}

db::CookieRule rule_of(Lockstep& net, std::uint64_t id) {
  auto txn = net.engine(id).heap().begin().value();
  auto rule = db::SecurityDb::find(txn).value().cookie_rule_info(txn, Lockstep::peer(id));
  (void)txn.commit();
  return rule.value();
}

std::optional<std::vector<std::uint8_t>> cookie_in(const std::vector<std::uint8_t>& bytes) {
  const auto segment = codec::decode(bytes);
  if (!segment) return std::nullopt;
  const auto ext =
      codec::find_extension(segment.value().header.header_extensions, codec::ExtensionTag::cookie);
  if (!ext) return std::nullopt;
  const auto value = codec::as_cookie(*ext);
  if (!value) return std::nullopt;
  return std::vector<std::uint8_t>(value->begin(), value->end());
}

class Cookies : public ::testing::TestWithParam<bool> {};

TEST_P(Cookies, EverySegmentCarriesItsSessionsCookie) {
  Lockstep net(with_cookies(GetParam()));
  net.set_filter([](const testing::Crossing& x) {
    // Lose the first data segment: reports, their acknowledgements and the
    // retransmission carry the cookie too.
    return testing::Verdict{x.type == codec::SegmentType::red_data && x.index_of_type == 0 ? 0 : 1};
  });
  const auto first = Lockstep::pattern(30000, 1);
  const auto second = Lockstep::pattern(20000, 2);
  net.send(kA, first);
  net.send(kB, second);
  ASSERT_TRUE(net.run());
  ASSERT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::red_part)[0].data, first);
  ASSERT_EQ(net.notices(kA, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kA, NoticeType::red_part)[0].data, second);
  std::map<std::uint64_t, std::vector<std::uint8_t>> cookie_of_session;
  for (const auto& x : net.trace()) {
    EXPECT_LE(x.bytes.size(), 1000u);
    const auto cookie = cookie_in(x.bytes);
    ASSERT_TRUE(cookie) << "segment " << static_cast<int>(x.type) << " from " << x.from;
    EXPECT_EQ(cookie->size(), 8u);
    const auto [known, first_seen] = cookie_of_session.try_emplace(x.session.number, *cookie);
    EXPECT_TRUE(first_seen || known->second == *cookie) << "session " << x.session.number;
    if (GetParam()) {
      const auto segment = codec::decode(x.bytes).value();
      EXPECT_TRUE(codec::verify_authentication(x.bytes, segment, {}, codec::Ciphersuite::null));
    }
  }
  EXPECT_EQ(cookie_of_session.size(), 2u);
  EXPECT_NE(cookie_of_session.begin()->second, cookie_of_session.rbegin()->second);
  EXPECT_GT(rule_of(net, kA).segments_passed, 0u);
  EXPECT_EQ(rule_of(net, kA).segments_refused + rule_of(net, kB).segments_refused, 0u);
  // leftovers() ages every closed session out: its cookie goes with it.
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
  EXPECT_EQ(rule_of(net, kA).sessions + rule_of(net, kB).sessions, 0u);
}

INSTANTIATE_TEST_SUITE_P(AloneOrAuthenticated, Cookies, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "WithNullMac" : "Alone"; });

// An attacker who knows the session number (a leaked log line, a guess)
// but never saw a segment: once the session is under way at both ends, a
// report claiming the whole block, cancels from either end with no cookie
// or a made-up one, and data overwriting the block. None of it changes
// the transfer; all of it is counted. (A segment that reached the
// receiver before the session's first one would set the cookie: that
// takes knowing the number before the sender has used it.)
TEST(EngineCookies, SegmentsWithoutTheSessionsCookieChangeNothing) {
  auto config = with_cookies(false);
  config.link_rate = 1'000'000;  // the block takes 0.3 s to send: the forgeries come meanwhile
  config.transmit_rate = config.link_rate;
  Lockstep net(config);
  const auto block = Lockstep::pattern(300000, 3);
  const auto sid = net.send(kA, block);
  const std::uint64_t start = net.now();
  std::uint64_t forged = 0;
  const std::array<std::uint8_t, 8> made_up = {1, 2, 3, 4, 5, 6, 7, 8};
  const codec::Extension made_up_ext[] = {
      {static_cast<std::uint8_t>(codec::ExtensionTag::cookie), made_up}};
  auto forge = [&](std::uint64_t to, codec::Segment segment, std::uint64_t delay) {
    net.inject(to, testing::Forgeries::encoded(segment), delay);
    segment.header.header_extensions = codec::ExtensionsView(made_up_ext);
    net.inject(to, testing::Forgeries::encoded(segment), delay + 1);
    forged += 2;
  };
  const testing::Forgeries forgeries(sid, block.size());
  forge(kA, forgeries.report(), 150);
  forge(kA, forgeries.cancel(codec::SegmentType::cancel_from_receiver), 152);
  forge(kB, forgeries.cancel(codec::SegmentType::cancel_from_sender), 154);
  forge(kB, forgeries.data(), 156);

  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, block);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty());
  EXPECT_TRUE(net.notices(kB, NoticeType::import_cancelled).empty());
  EXPECT_LT(red[0].at, start + 1500);
  // Completed by the real report, not the forged one.
  EXPECT_GT(net.notices(kA, NoticeType::export_complete)[0].at, red[0].at);
  EXPECT_EQ(rule_of(net, kA).segments_refused + rule_of(net, kB).segments_refused, forged);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// Forged session openers may bring any cookie (nobody knows the session
// yet); when the import slots are full they yield to one another, freed
// without being remembered as closed — and their cookies go with them
// (found by the engine fuzzer: they stayed in the heap for good).
TEST(EngineCookies, ASessionThatYieldsItsSlotTakesItsCookieAlong) {
  auto config = with_cookies(false);
  config.span.max_import_sessions = 3;
  Lockstep net(config);
  const std::array<std::uint8_t, 8> made_up = {8, 7, 6, 5, 4, 3, 2, 1};
  const codec::Extension made_up_ext[] = {
      {static_cast<std::uint8_t>(codec::ExtensionTag::cookie), made_up}};
  for (std::uint64_t n = 1; n <= 20; ++n) {
    const testing::Forgeries forgeries({kA, 1000 + n}, 900);
    codec::Segment opener = forgeries.data();
    opener.header.header_extensions = codec::ExtensionsView(made_up_ext);
    net.inject(kB, testing::Forgeries::encoded(opener), n * 300);
  }
  const auto block = Lockstep::pattern(20000, 4);
  net.at(net.now() + 7000, [&] { net.send(kA, block); });
  ASSERT_TRUE(net.run());
  ASSERT_EQ(net.notices(kB, NoticeType::red_part).size(), 1u);
  EXPECT_EQ(net.notices(kB, NoticeType::red_part)[0].data, block);
  EXPECT_GT(net.vspan(kB).imports_yielded, 0u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
  EXPECT_EQ(rule_of(net, kB).sessions, 0u);
}

}  // namespace
}  // namespace ltp::engine
