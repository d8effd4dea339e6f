// HeapFixture: a GoogleTest fixture giving each test a fresh small heap in
// its own TempDir, and helpers to run a body inside one transaction.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "ipc/heap.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/transaction.h"

namespace ltp::ipc::testing {

class HeapFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    create_and_attach(HeapCreateOptions{.size = 16 << 20, .log_size = 1 << 20});
  }

  void create_and_attach(const HeapCreateOptions& options) {
    heap_.reset();
    std::filesystem::remove(heap_path());
    ASSERT_TRUE(Heap::create(heap_path(), options));
    auto heap = Heap::attach(heap_path());
    ASSERT_TRUE(heap);
    heap_ = std::move(heap).value();
  }

  Transaction begin() {
    auto txn = heap_->begin();
    if (!txn) std::abort();
    return std::move(txn).value();
  }

  std::filesystem::path heap_path() const { return dir_.path() / "sdr.heap"; }

  TempDir dir_;
  std::unique_ptr<Heap> heap_;
};

}  // namespace ltp::ipc::testing
