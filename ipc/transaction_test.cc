// Transaction tests: commit, abort (byte-exact restore), nesting, log
// overflow, fresh-object and unlogged writes, roots, and threads of one
// process sharing a heap.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "ipc/heap_check.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/testing/heap_fixture.h"
#include "ipc/treap.h"

namespace ltp::ipc {
namespace {

using testing::HeapFixture;

class TransactionTest : public HeapFixture {
 protected:
  // The state an abort must restore byte for byte: the header page, every
  // block's tags, every live object's bytes and every free block's list or
  // tree fields. (The interior of free blocks is meaningless: objects
  // allocated by an aborted transaction may leave bytes there.)
  std::vector<char> persistent_bytes() {
    std::vector<char> all(std::filesystem::file_size(heap_path()));
    std::ifstream(heap_path(), std::ios::binary)
        .read(all.data(), static_cast<std::streamsize>(all.size()));
    const auto& h = heap_->header();
    auto append = [&](std::vector<char>& out, std::uint64_t from, std::uint64_t len) {
      out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(from),
                 all.begin() + static_cast<std::ptrdiff_t>(from + len));
    };
    std::vector<char> out;
    append(out, 0, format::kHeaderBytes);
    const std::uint64_t end = h.arena_offset + h.arena_size - format::kTagBytes;
    for (std::uint64_t block = h.arena_offset + format::kTagBytes; block < end;) {
      std::uint64_t tag = 0;
      std::memcpy(&tag, all.data() + block, sizeof tag);
      const std::uint64_t size = tag & ~format::kInUseBit;
      if (size == 0) break;
      if (tag & format::kInUseBit) {
        append(out, block, size);
      } else {
        append(out, block, std::min<std::uint64_t>(size, format::kTagBytes + sizeof(TreapNode)));
        append(out, block + size - format::kTagBytes, format::kTagBytes);
      }
      block += size;
    }
    return out;
  }

  Addr make_counter() {
    auto txn = begin();
    const Addr a = txn.alloc(sizeof(std::uint64_t)).value();
    EXPECT_TRUE(txn.put<std::uint64_t>(a, 0));
    EXPECT_TRUE(txn.set_root("counter", a));
    EXPECT_TRUE(txn.commit());
    return a;
  }
};

TEST_F(TransactionTest, CommittedWritesPersistAcrossAttach) {
  const Addr counter = make_counter();
  {
    auto txn = begin();
    ASSERT_TRUE(txn.put<std::uint64_t>(counter, 1234));
    ASSERT_TRUE(txn.commit());
  }
  heap_.reset();
  auto again = Heap::attach(heap_path());
  ASSERT_TRUE(again);
  auto txn = again.value()->begin().value();
  EXPECT_EQ(txn.root("counter").value(), counter);
  EXPECT_EQ(*txn.get<std::uint64_t>(counter), 1234u);
}

TEST_F(TransactionTest, AbortRestoresEveryByte) {
  const Addr counter = make_counter();
  {
    auto txn = begin();
    auto list = PList::create(txn).value();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(list.push_back(txn, i));
    ASSERT_TRUE(txn.set_root("list", list.header()));
    ASSERT_TRUE(txn.commit());
  }
  const auto before = persistent_bytes();
  {
    auto txn = begin();
    ASSERT_TRUE(txn.put<std::uint64_t>(counter, 99));
    auto list = PList::open(txn, txn.root("list").value()).value();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(list.pop_front(txn));
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(list.push_back(txn, 1000 + i));
    auto map = PHashMap::create(txn).value();
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(map.insert(txn, i, i));
    ASSERT_TRUE(txn.alloc(1 << 20));
    ASSERT_TRUE(txn.free(counter));
    ASSERT_TRUE(txn.remove_root("counter"));
    txn.abort();
  }
  EXPECT_EQ(persistent_bytes(), before);
  auto txn = begin();
  EXPECT_TRUE(check_heap(txn).empty());
}

TEST_F(TransactionTest, DestroyingAnOpenTransactionAborts) {
  const Addr counter = make_counter();
  {
    auto txn = begin();
    ASSERT_TRUE(txn.put<std::uint64_t>(counter, 5));
  }
  auto txn = begin();
  EXPECT_EQ(*txn.get<std::uint64_t>(counter), 0u);
}

TEST_F(TransactionTest, NestedTransactionsJoinTheOuterOne) {
  const Addr counter = make_counter();
  {
    auto outer = begin();
    ASSERT_TRUE(outer.put<std::uint64_t>(counter, 1));
    {
      auto inner = begin();
      ASSERT_TRUE(inner.put<std::uint64_t>(counter, 2));
      ASSERT_TRUE(inner.commit());
    }
    // Inner commit is not the commit point: the outer can still undo it.
    outer.abort();
  }
  {
    auto txn = begin();
    EXPECT_EQ(*txn.get<std::uint64_t>(counter), 0u);
  }
  {
    auto outer = begin();
    auto inner = begin();
    ASSERT_TRUE(inner.put<std::uint64_t>(counter, 3));
    ASSERT_TRUE(inner.commit());
    ASSERT_TRUE(outer.commit());
  }
  auto txn = begin();
  EXPECT_EQ(*txn.get<std::uint64_t>(counter), 3u);
}

TEST_F(TransactionTest, InnerAbortDoomsTheWholeTransaction) {
  const Addr counter = make_counter();
  {
    auto outer = begin();
    ASSERT_TRUE(outer.put<std::uint64_t>(counter, 7));
    {
      auto inner = begin();
      inner.abort();
    }
    EXPECT_TRUE(outer.is_doomed());
    auto r = outer.commit();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), HeapError::aborted);
  }
  auto txn = begin();
  EXPECT_EQ(*txn.get<std::uint64_t>(counter), 0u);
}

TEST_F(TransactionTest, LogOverflowDoomsAndRollsBack) {
  create_and_attach(HeapCreateOptions{.size = 4 << 20, .log_size = 64 << 10});
  const Addr counter = make_counter();
  Addr big = 0;
  {
    auto txn = begin();
    big = txn.alloc(256 << 10).value();
    ASSERT_TRUE(txn.commit());
  }
  const auto before = persistent_bytes();
  {
    auto txn = begin();
    ASSERT_TRUE(txn.put<std::uint64_t>(counter, 9));
    std::vector<char> junk(128 << 10, 'x');
    auto r = txn.write(big, junk.data(), junk.size());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), HeapError::log_full);
    EXPECT_EQ(txn.commit().error(), HeapError::log_full);
  }
  EXPECT_EQ(persistent_bytes(), before);
}

TEST_F(TransactionTest, FreshObjectsAreWrittenWithoutLogging) {
  create_and_attach(HeapCreateOptions{.size = 8 << 20, .log_size = 64 << 10});
  auto txn = begin();
  // 1 MiB of logged writes would overflow a 64 KiB log; into a fresh
  // object they need no pre-images at all.
  const Addr fresh = txn.alloc(1 << 20).value();
  std::vector<char> data(1 << 20, 'y');
  ASSERT_TRUE(txn.write(fresh, data.data(), data.size()));
  ASSERT_TRUE(txn.commit());
}

TEST_F(TransactionTest, UnloggedWritesSurviveAbortByContract) {
  Addr a = 0;
  {
    auto txn = begin();
    a = txn.alloc(64).value();
    ASSERT_TRUE(txn.put<std::uint64_t>(a, 1));
    ASSERT_TRUE(txn.commit());
  }
  {
    auto txn = begin();
    const std::uint64_t v = 77;
    txn.write_unlogged(a, &v, sizeof v);
    txn.abort();
  }
  auto txn = begin();
  EXPECT_EQ(*txn.get<std::uint64_t>(a), 77u);
}

TEST_F(TransactionTest, WritesOutsideTheHeapAreRefused) {
  auto txn = begin();
  const std::uint64_t v = 1;
  EXPECT_EQ(txn.write(0, &v, sizeof v).error(), HeapError::bad_address);  // header geometry
  EXPECT_EQ(txn.write(heap_->header().log_offset, &v, sizeof v).error(), HeapError::bad_address);
  EXPECT_EQ(txn.write(heap_->header().file_size - 4, &v, sizeof v).error(), HeapError::bad_address);
  EXPECT_TRUE(txn.is_doomed());
}

TEST_F(TransactionTest, RootCatalog) {
  auto txn = begin();
  EXPECT_EQ(txn.root("missing").error(), HeapError::not_found);
  EXPECT_EQ(txn.set_root(std::string(40, 'n'), 1).error(), HeapError::name_too_long);
  for (int i = 0; i < format::kRootSlots; ++i) {
    ASSERT_TRUE(txn.set_root("r" + std::to_string(i), 0));
  }
  EXPECT_EQ(txn.set_root("one-too-many", 0).error(), HeapError::catalog_full);
  ASSERT_TRUE(txn.set_root("r3", 0));  // overwrite is fine when full
  ASSERT_TRUE(txn.remove_root("r3"));
  EXPECT_TRUE(txn.set_root("now-fits", 0));
  EXPECT_TRUE(txn.commit());
}

TEST_F(TransactionTest, ThreadsOfOneProcessAreSerialised) {
  const Addr counter = make_counter();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto txn = heap_->begin().value();
        const std::uint64_t v = *txn.get<std::uint64_t>(counter);
        if (!txn.put<std::uint64_t>(counter, v + 1) || !txn.commit()) std::abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  auto txn = begin();
  EXPECT_EQ(*txn.get<std::uint64_t>(counter), 2000u);
}

TEST_F(TransactionTest, TwoAttachmentsExcludeEachOther) {
  const Addr counter = make_counter();
  auto second = Heap::attach(heap_path()).value();
  auto holder = begin();
  ASSERT_TRUE(holder.put<std::uint64_t>(counter, 10));
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  std::thread other([&] {
    char c = 'r';
    EXPECT_EQ(::write(ready[1], &c, 1), 1);
    auto txn = second->begin().value();  // blocks until `holder` commits
    EXPECT_EQ(*txn.get<std::uint64_t>(counter), 10u);
    EXPECT_TRUE(txn.put<std::uint64_t>(counter, 11));
    EXPECT_TRUE(txn.commit());
  });
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_TRUE(holder.commit());
  other.join();
  ::close(ready[0]);
  ::close(ready[1]);
  auto txn = begin();
  EXPECT_EQ(*txn.get<std::uint64_t>(counter), 11u);
}

}  // namespace
}  // namespace ltp::ipc
