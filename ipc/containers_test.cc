// Container tests: PList, PHashMap and POrderedMap against std:: models
// under random operations, aborts that leave them untouched, type checks
// on open(), and destroy() returning every byte.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>
#include <unordered_map>

#include "ipc/heap_check.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "ipc/testing/heap_fixture.h"

namespace ltp::ipc {
namespace {

using testing::HeapFixture;

class ContainersTest : public HeapFixture {
 protected:
  void expect_consistent(const Transaction& txn) {
    for (const auto& p : check_heap(txn)) ADD_FAILURE() << p;
  }
};

std::deque<std::uint64_t> contents(const Transaction& txn, const PList& list) {
  std::deque<std::uint64_t> out;
  for (Addr n = list.first(txn); n != kNullAddr; n = list.next(txn, n)) {
    out.push_back(list.value(txn, n));
  }
  return out;
}

TEST_F(ContainersTest, ListBehavesLikeASequence) {
  auto txn = begin();
  auto list = PList::create(txn).value();
  std::deque<std::uint64_t> model;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 3000; ++i) {
    switch (rng() % 5) {
      case 4: {  // before a random element, or at the back past the last
        const std::size_t at = model.empty() ? 0 : rng() % (model.size() + 1);
        Addr node = list.first(txn);
        for (std::size_t k = 0; k < at; ++k) node = list.next(txn, node);
        ASSERT_TRUE(list.insert_before(txn, node, i));
        model.insert(model.begin() + static_cast<std::ptrdiff_t>(at), i);
        break;
      }
      case 0:
        ASSERT_TRUE(list.push_back(txn, i));
        model.push_back(i);
        break;
      case 1:
        ASSERT_TRUE(list.push_front(txn, i));
        model.push_front(i);
        break;
      case 2:
        if (!model.empty()) {
          EXPECT_EQ(list.pop_front(txn).value(), model.front());
          model.pop_front();
        }
        break;
      case 3:
        if (!model.empty()) {
          ASSERT_TRUE(list.erase(txn, list.last(txn)));
          model.pop_back();
        }
        break;
    }
  }
  EXPECT_EQ(list.size(txn), model.size());
  EXPECT_EQ(contents(txn, list), model);
  // Backwards too.
  std::deque<std::uint64_t> backwards;
  for (Addr n = list.last(txn); n != kNullAddr; n = list.prev(txn, n)) {
    backwards.push_front(list.value(txn, n));
  }
  EXPECT_EQ(backwards, model);
  expect_consistent(txn);
  ASSERT_TRUE(txn.commit());
}

TEST_F(ContainersTest, HashMapMatchesModelThroughGrowth) {
  auto txn = begin();
  auto map = PHashMap::create(txn).value();
  std::unordered_map<std::uint64_t, std::uint64_t> model;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t key = rng() % 5000;
    switch (rng() % 3) {
      case 0: {
        auto r = map.insert(txn, key, i);
        if (model.count(key)) {
          EXPECT_EQ(r.error(), HeapError::duplicate_key);
        } else {
          ASSERT_TRUE(r);
          model[key] = i;
        }
        break;
      }
      case 1:
        ASSERT_TRUE(map.assign(txn, key, i));
        model[key] = i;
        break;
      case 2: {
        auto r = map.erase(txn, key);
        if (model.count(key)) {
          EXPECT_EQ(r.value(), model[key]);
          model.erase(key);
        } else {
          EXPECT_EQ(r.error(), HeapError::not_found);
        }
        break;
      }
    }
    if (i % 1000 == 0) {
      ASSERT_TRUE(txn.commit());
      txn = begin();
    }
  }
  EXPECT_EQ(map.size(txn), model.size());
  for (std::uint64_t k = 0; k < 5000; ++k) {
    auto found = map.find(txn, k);
    ASSERT_EQ(found.has_value(), model.count(k) == 1);
    if (found) {
      EXPECT_EQ(*found, model[k]);
    }
  }
  std::size_t visited = 0;
  map.for_each(txn, [&](std::uint64_t k, std::uint64_t v) {
    EXPECT_EQ(model.at(k), v);
    ++visited;
  });
  EXPECT_EQ(visited, model.size());
  expect_consistent(txn);
  ASSERT_TRUE(txn.commit());
}

TEST_F(ContainersTest, OrderedMapMatchesModel) {
  auto txn = begin();
  auto map = POrderedMap::create(txn).value();
  std::map<OrderedKey, std::uint64_t> model;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    const OrderedKey key{rng() % 50, rng() % 200};
    if (rng() % 3 != 0) {
      auto r = map.insert(txn, key, i);
      if (model.count(key)) {
        EXPECT_EQ(r.error(), HeapError::duplicate_key);
      } else {
        ASSERT_TRUE(r);
        model[key] = i;
      }
    } else if (rng() % 2 == 0) {
      auto r = map.erase(txn, key);
      EXPECT_EQ(r.has_value(), model.erase(key) == 1);
    } else {
      // Rekey: sometimes to a neighbouring key (in place), sometimes far.
      const OrderedKey to =
          rng() % 2 == 0 ? OrderedKey{key.hi, key.lo + 1} : OrderedKey{rng() % 50, rng() % 200};
      auto r = map.rekey(txn, key, to, i);
      if (!model.count(key)) {
        EXPECT_EQ(r.error(), HeapError::not_found);
      } else if (to != key && model.count(to)) {
        EXPECT_EQ(r.error(), HeapError::duplicate_key);
      } else {
        ASSERT_TRUE(r);
        model.erase(key);
        model[to] = i;
      }
    }
    if (i % 1000 == 0) {
      ASSERT_TRUE(txn.commit());
      txn = begin();
    }
  }
  EXPECT_EQ(map.size(txn), model.size());
  for (int probe = 0; probe < 2000; ++probe) {
    const OrderedKey key{rng() % 52, rng() % 210};
    auto lb = map.lower_bound(txn, key);
    auto mlb = model.lower_bound(key);
    ASSERT_EQ(lb.has_value(), mlb != model.end());
    if (lb) {
      EXPECT_EQ(lb->key, mlb->first);
    }
    auto ub = map.upper_bound(txn, key);
    auto mub = model.upper_bound(key);
    ASSERT_EQ(ub.has_value(), mub != model.end());
    if (ub) {
      EXPECT_EQ(ub->value, mub->second);
    }
  }
  EXPECT_EQ(map.first(txn)->key, model.begin()->first);
  EXPECT_EQ(map.last(txn)->key, model.rbegin()->first);
  // In-order iteration via upper_bound.
  std::size_t n = 0;
  for (auto e = map.first(txn); e; e = map.upper_bound(txn, e->key)) ++n;
  EXPECT_EQ(n, model.size());
  expect_consistent(txn);
  ASSERT_TRUE(txn.commit());
}

TEST_F(ContainersTest, AbortLeavesContainersUntouched) {
  Addr list_h, hash_h, ordered_h;
  {
    auto txn = begin();
    auto list = PList::create(txn).value();
    auto hash = PHashMap::create(txn).value();
    auto ordered = POrderedMap::create(txn).value();
    for (std::uint64_t i = 0; i < 50; ++i) {
      ASSERT_TRUE(list.push_back(txn, i));
      ASSERT_TRUE(hash.insert(txn, i, i * 2));
      ASSERT_TRUE(ordered.insert(txn, {0, i}, i * 3));
    }
    list_h = list.header();
    hash_h = hash.header();
    ordered_h = ordered.header();
    ASSERT_TRUE(txn.commit());
  }
  {
    auto txn = begin();
    auto list = PList::open(txn, list_h).value();
    auto hash = PHashMap::open(txn, hash_h).value();
    auto ordered = POrderedMap::open(txn, ordered_h).value();
    for (std::uint64_t i = 0; i < 500; ++i) {
      ASSERT_TRUE(list.push_front(txn, 1000 + i));
      ASSERT_TRUE(hash.assign(txn, 1000 + i, 0));
      ASSERT_TRUE(ordered.insert(txn, {1, i}, 0));
    }
    ASSERT_TRUE(hash.erase(txn, 3));
    ASSERT_TRUE(ordered.erase(txn, {0, 4}));
    ASSERT_TRUE(list.destroy(txn));
    txn.abort();
  }
  auto txn = begin();
  auto list = PList::open(txn, list_h).value();
  auto hash = PHashMap::open(txn, hash_h).value();
  auto ordered = POrderedMap::open(txn, ordered_h).value();
  EXPECT_EQ(list.size(txn), 50u);
  EXPECT_EQ(hash.size(txn), 50u);
  EXPECT_EQ(ordered.size(txn), 50u);
  EXPECT_EQ(*hash.find(txn, 3), 6u);
  EXPECT_EQ(*ordered.find(txn, {0, 4}), 12u);
  expect_consistent(txn);
}

TEST_F(ContainersTest, OpenChecksTheType) {
  auto txn = begin();
  auto list = PList::create(txn).value();
  EXPECT_EQ(PHashMap::open(txn, list.header()).error(), HeapError::wrong_type);
  EXPECT_EQ(POrderedMap::open(txn, list.header()).error(), HeapError::wrong_type);
  EXPECT_EQ(PList::open(txn, 12345).error(), HeapError::wrong_type);
  EXPECT_TRUE(PList::open(txn, list.header()));
}

TEST_F(ContainersTest, DestroyReturnsEveryByte) {
  std::uint64_t baseline = 0;
  {
    auto txn = begin();
    baseline = heap_stats(txn).bytes_in_use;
    auto list = PList::create(txn).value();
    auto hash = PHashMap::create(txn).value();
    auto ordered = POrderedMap::create(txn).value();
    for (std::uint64_t i = 0; i < 1000; ++i) {
      ASSERT_TRUE(list.push_back(txn, i));
      ASSERT_TRUE(hash.insert(txn, i, i));
      ASSERT_TRUE(ordered.insert(txn, {i, 0}, i));
    }
    ASSERT_TRUE(txn.commit());
    auto txn2 = begin();
    EXPECT_EQ(heap_stats(txn2).lists, 1u);
    ASSERT_TRUE(list.destroy(txn2));
    ASSERT_TRUE(hash.destroy(txn2));
    ASSERT_TRUE(ordered.destroy(txn2));
    ASSERT_TRUE(txn2.commit());
  }
  auto txn = begin();
  const HeapStats s = heap_stats(txn);
  EXPECT_EQ(s.bytes_in_use, baseline);
  EXPECT_EQ(s.lists + s.hash_maps + s.ordered_maps, 0u);
  expect_consistent(txn);
}

}  // namespace
}  // namespace ltp::ipc
