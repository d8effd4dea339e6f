#include "libltp/db/security_db.h"

#include <gtest/gtest.h>

#include "ipc/testing/heap_fixture.h"

namespace ltp::db {
namespace {

using SecurityDbTest = ipc::testing::HeapFixture;

const std::vector<std::uint8_t> kKey = {1, 2, 3, 4, 5, 6, 7, 8};

TEST_F(SecurityDbTest, KeysAndRulesPersist) {
  auto txn = begin();
  EXPECT_FALSE(SecurityDb::find(txn));
  auto db = SecurityDb::open_or_create(txn).value();
  ASSERT_TRUE(db.add_key(txn, "k1", kKey));
  EXPECT_EQ(db.add_key(txn, "k1", kKey).error(), DbError::already_exists);
  ASSERT_TRUE(db.add_rule(txn, AuthDirection::receive, {2, 0, "k1"}));
  ASSERT_TRUE(db.add_rule(txn, AuthDirection::transmit, {2, 255, ""}));
  EXPECT_EQ(db.add_rule(txn, AuthDirection::receive, {2, 0, "k1"}).error(),
            DbError::already_exists);
  ASSERT_TRUE(txn.commit());

  auto again = begin();
  auto found = SecurityDb::find(again).value();
  EXPECT_EQ(found.root_addr(), db.root_addr());
  const auto value = found.key_value(again, "k1").value();
  EXPECT_EQ(std::vector<std::uint8_t>(value.begin(), value.end()), kKey);
  EXPECT_EQ(found.rule_info(again, AuthDirection::receive, 2).value().key_name, "k1");
  EXPECT_EQ(found.rule_info(again, AuthDirection::transmit, 2).value().ciphersuite, 255u);
  EXPECT_FALSE(found.rule_info(again, AuthDirection::receive, 3));
  ASSERT_TRUE(again.commit());
}

TEST_F(SecurityDbTest, CookieRulesAndAnUpgradeFromFormatOne) {
  auto txn = begin();
  auto db = SecurityDb::open_or_create(txn).value();
  ASSERT_TRUE(db.add_key(txn, "k1", kKey));
  ASSERT_TRUE(db.add_rule(txn, AuthDirection::receive, {2, 0, "k1"}));
  ASSERT_TRUE(db.add_cookie_rule(txn, 2));
  EXPECT_EQ(db.add_cookie_rule(txn, 2).error(), DbError::already_exists);
  EXPECT_EQ(db.add_cookie_rule(txn, 0).error(), DbError::bad_config);
  EXPECT_EQ(db.cookie_rule_info(txn, 2).value().engine_id, 2u);
  EXPECT_EQ(db.list_cookie_rules(txn).size(), 1u);
  ASSERT_TRUE(db.delete_cookie_rule(txn, 2));
  EXPECT_EQ(db.delete_cookie_rule(txn, 2).error(), DbError::no_such_rule);
  // Made into a format 1 database, as a node from before cookies has.
  const SecurityRoot now = *txn.get<SecurityRoot>(db.root_addr());
  const std::uint64_t v1[] = {1, now.keys, now.recv_rules, now.xmit_rules};
  auto old = txn.alloc(sizeof v1).value();
  ASSERT_TRUE(txn.write(old, v1, sizeof v1));
  ASSERT_TRUE(txn.set_root(kSecurityDbRootName, old));
  EXPECT_FALSE(SecurityDb::find(txn));
  ASSERT_TRUE(SecurityDb::upgrade(txn));
  auto upgraded = SecurityDb::find(txn).value();
  EXPECT_EQ(upgraded.rule_info(txn, AuthDirection::receive, 2).value().key_name, "k1");
  EXPECT_TRUE(upgraded.key_value(txn, "k1"));
  ASSERT_TRUE(upgraded.add_cookie_rule(txn, 3));
  ASSERT_TRUE(txn.commit());
}

// What a typo in a config file would make is refused, naming why.
TEST_F(SecurityDbTest, BadKeysAndRulesAreRefused) {
  auto txn = begin();
  auto db = SecurityDb::open_or_create(txn).value();
  EXPECT_EQ(db.add_key(txn, "", kKey).error(), DbError::bad_config);
  EXPECT_EQ(db.add_key(txn, std::string(32, 'x'), kKey).error(), DbError::bad_config);
  EXPECT_EQ(db.add_key(txn, "has blank", kKey).error(), DbError::bad_config);
  EXPECT_EQ(db.add_key(txn, "empty", {}).error(), DbError::bad_config);
  EXPECT_EQ(db.add_key(txn, "huge", std::vector<std::uint8_t>(kMaxKeyBytes + 1)).error(),
            DbError::bad_config);
  EXPECT_EQ(db.add_rule(txn, AuthDirection::receive, {2, 0, "nokey"}).error(),
            DbError::no_such_key);
  EXPECT_EQ(db.add_rule(txn, AuthDirection::receive, {0, 255, ""}).error(), DbError::bad_config);
  EXPECT_EQ(db.change_rule(txn, AuthDirection::receive, {2, 255, ""}).error(),
            DbError::no_such_rule);
  EXPECT_EQ(db.delete_rule(txn, AuthDirection::transmit, 2).error(), DbError::no_such_rule);
  EXPECT_EQ(db.change_key(txn, "nokey", kKey).error(), DbError::no_such_key);
  ASSERT_TRUE(txn.commit());
}

// A rule's key cannot vanish under it; a changed rule keeps its counts.
TEST_F(SecurityDbTest, AKeyInUseStaysAndCountsSurviveAChange) {
  auto txn = begin();
  auto db = SecurityDb::open_or_create(txn).value();
  ASSERT_TRUE(db.add_key(txn, "k1", kKey));
  ASSERT_TRUE(db.add_key(txn, "k2", kKey));
  ASSERT_TRUE(db.add_rule(txn, AuthDirection::receive, {2, 0, "k1"}));
  EXPECT_EQ(db.delete_key(txn, "k1").error(), DbError::key_in_use);
  const Addr rule = db.find_rule(txn, AuthDirection::receive, 2).value();
  ASSERT_TRUE(txn.put(rule + offsetof(AuthRuleRecord, segments_refused), std::uint64_t{5}));
  ASSERT_TRUE(db.change_rule(txn, AuthDirection::receive, {2, 0, "k2"}));
  EXPECT_EQ(db.rule_info(txn, AuthDirection::receive, 2).value().segments_refused, 5u);
  ASSERT_TRUE(db.delete_key(txn, "k1"));
  ASSERT_EQ(db.list_keys(txn).size(), 1u);
  EXPECT_EQ(db.list_keys(txn)[0].name, "k2");
  ASSERT_TRUE(db.delete_rule(txn, AuthDirection::receive, 2));
  ASSERT_TRUE(db.delete_key(txn, "k2"));
  EXPECT_TRUE(db.list_keys(txn).empty());
  ASSERT_TRUE(txn.commit());
}

}  // namespace
}  // namespace ltp::db
