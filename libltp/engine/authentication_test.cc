// RFC 5327 authentication applied by the engine (segment_auth.cc): with
// rules on both sides, transfers complete and every segment carries a MAC
// that verifies; forged reports, data, cancels and session openers from
// an attacker without the key change nothing and are counted.
#include <gtest/gtest.h>

#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/db/security_db.h"
#include "libltp/engine/testing/forgeries.h"
#include "libltp/engine/testing/lockstep.h"

namespace ltp::engine {
namespace {

using db::AuthDirection;
using db::NoticeType;
using testing::Lockstep;
constexpr auto kA = Lockstep::kA;
constexpr auto kB = Lockstep::kB;

const std::vector<std::uint8_t> kSharedKey = {0x6b, 0x65, 0x79, 0x2d, 0x6f, 0x66, 0x2d, 0x41,
                                              0x2d, 0x61, 0x6e, 0x64, 0x2d, 0x42, 0x21, 0x21};

// Both directions of the span authenticated under `suite` on both sides.
testing::LockstepConfig authenticated(codec::Ciphersuite suite) {
  testing::LockstepConfig config;
  config.span.max_segment_size = 1000;
  config.configure = [suite](std::uint64_t id, ipc::Transaction& txn) {
    auto secdb = db::SecurityDb::open_or_create(txn).value();
    const bool keyed = codec::needs_key(suite);
    if (keyed) {
      ASSERT_TRUE(secdb.add_key(txn, "shared", kSharedKey));
    }
    const db::AuthRule rule{Lockstep::peer(id), static_cast<std::uint64_t>(suite),
                            keyed ? "shared" : ""};
    ASSERT_TRUE(secdb.add_rule(txn, AuthDirection::receive, rule));
    ASSERT_TRUE(secdb.add_rule(txn, AuthDirection::transmit, rule));
  };
  return config;
}

db::AuthRule rule_of(Lockstep& net, std::uint64_t id, AuthDirection direction) {
  auto txn = net.engine(id).heap().begin().value();
  auto rule = db::SecurityDb::find(txn).value().rule_info(txn, direction, Lockstep::peer(id));
  (void)txn.commit();
  return rule.value();
}

class Authenticated : public ::testing::TestWithParam<codec::Ciphersuite> {};

TEST_P(Authenticated, EverySegmentIsSignedWithinTheSegmentSizeAndVerified) {
  Lockstep net(authenticated(GetParam()));
  const auto block = Lockstep::pattern(50000, 1);
  net.set_filter([](const testing::Crossing& x) {
    // Lose the first data segment so that reports and retransmissions are signed too.
    return testing::Verdict{x.type == codec::SegmentType::red_data && x.index_of_type == 0 ? 0 : 1};
  });
  net.send(kA, block);
  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, block);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  for (const auto& x : net.trace()) {
    EXPECT_LE(x.bytes.size(), 1000u);
    const auto segment = codec::decode(x.bytes);
    ASSERT_TRUE(segment);
    EXPECT_TRUE(codec::verify_authentication(x.bytes, segment.value(), kSharedKey, GetParam()))
        << "segment " << static_cast<int>(x.type) << " from " << x.from;
  }
  std::uint64_t sent_by_a = 0;
  for (const auto& x : net.trace()) sent_by_a += x.from == kA;
  EXPECT_EQ(rule_of(net, kA, AuthDirection::transmit).segments_passed, sent_by_a);
  EXPECT_EQ(rule_of(net, kB, AuthDirection::receive).segments_passed + 1, sent_by_a);
  EXPECT_EQ(rule_of(net, kB, AuthDirection::receive).segments_refused, 0u);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

INSTANTIATE_TEST_SUITE_P(Suites, Authenticated,
                         ::testing::Values(codec::Ciphersuite::hmac_sha1_80,
                                           codec::Ciphersuite::hmac_sha256_128,
                                           codec::Ciphersuite::null));

// What an attacker who sees the traffic but lacks the key can send: a
// report claiming the whole block, data overwriting it, a cancel, a flood
// of session openers, and copies signed with the NULL suite or a wrong
// key. None of it changes the transfer; all of it is counted.
TEST(EngineAuthentication, ForgeriesWithoutTheKeyChangeNothing) {
  Lockstep net(authenticated(codec::Ciphersuite::hmac_sha1_80));
  const auto block = Lockstep::pattern(100000, 2);
  const auto sid = net.send(kA, block);
  const std::uint64_t start = net.now();
  std::uint64_t forged = 0;
  auto forge = [&](std::uint64_t to, codec::Segment segment, std::uint64_t delay) {
    net.inject(to, testing::Forgeries::encoded(segment), delay);
    ++forged;
  };
  const testing::Forgeries forgeries(sid, block.size());
  forge(kA, forgeries.report(), 1);
  forge(kA, forgeries.cancel(codec::SegmentType::cancel_from_receiver), 2);
  codec::Segment data = forgeries.data();
  forge(kB, data, 0);
  for (std::uint64_t n = 1; n <= 50; ++n) {
    data.header.session = {kA, sid.number + n};
    forge(kB, data, n % 5);
  }
  // Signed, but with the published NULL key, or another key: refused.
  const std::uint8_t null_suite = 255;
  const std::array<std::uint8_t, codec::kHmacSha1_80Size> placeholder{};
  const codec::Extension header_ext[] = {{0, {&null_suite, 1}}};
  const codec::Extension trailer_ext[] = {{0, placeholder}};
  data.header.session = sid;
  data.header.header_extensions = codec::ExtensionsView(header_ext);
  data.header.trailer_extensions = codec::ExtensionsView(trailer_ext);
  auto null_signed = testing::Forgeries::encoded(data);
  ASSERT_TRUE(codec::sign_authentication(null_signed, {}));
  net.inject(kB, null_signed, 1);
  ++forged;
  const std::uint8_t sha1_suite = 0;
  const codec::Extension sha1_header[] = {{0, {&sha1_suite, 1}}};
  data.header.header_extensions = codec::ExtensionsView(sha1_header);
  auto wrong_key = testing::Forgeries::encoded(data);
  const std::vector<std::uint8_t> guess(16, 0x42);
  ASSERT_TRUE(codec::sign_authentication(wrong_key, guess));
  net.inject(kB, wrong_key, 1);
  ++forged;

  ASSERT_TRUE(net.run());
  const auto red = net.notices(kB, NoticeType::red_part);
  ASSERT_EQ(red.size(), 1u);
  EXPECT_EQ(red[0].data, block);
  EXPECT_EQ(net.notices(kA, NoticeType::export_complete).size(), 1u);
  EXPECT_TRUE(net.notices(kA, NoticeType::export_cancelled).empty());
  EXPECT_LT(red[0].at, start + 1000);
  EXPECT_EQ(rule_of(net, kA, AuthDirection::receive).segments_refused +
                rule_of(net, kB, AuthDirection::receive).segments_refused,
            forged);
  for (const auto& p : net.leftovers()) ADD_FAILURE() << p;
}

// A receive rule without a transmit rule at the peer: nothing the peer
// sends is accepted, so nothing is delivered (and nothing is delivered
// wrongly); the sender's session ends by its own limits.
TEST(EngineAuthentication, AnUnsignedPeerIsNotHeard) {
  auto config = authenticated(codec::Ciphersuite::hmac_sha1_80);
  auto both = config.configure;
  config.configure = [both](std::uint64_t id, ipc::Transaction& txn) {
    both(id, txn);
    if (id == kA) {
      auto secdb = db::SecurityDb::find(txn).value();
      ASSERT_TRUE(secdb.delete_rule(txn, AuthDirection::transmit, kB));
    }
  };
  config.span.checkpoint_limit = 2;
  config.span.cancel_limit = 1;
  Lockstep net(config);
  net.send(kA, Lockstep::pattern(3000, 3));
  ASSERT_TRUE(net.run());
  EXPECT_TRUE(net.notices(kB, NoticeType::red_part).empty());
  EXPECT_EQ(net.notices(kA, NoticeType::export_cancelled).size(), 1u);
  EXPECT_GT(rule_of(net, kB, AuthDirection::receive).segments_refused, 0u);
  EXPECT_EQ(rule_of(net, kB, AuthDirection::receive).segments_passed, 0u);
}

}  // namespace
}  // namespace ltp::engine
