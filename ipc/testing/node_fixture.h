// NodeFixture: a GoogleTest fixture giving each test its own node directory
// and removing every shm segment and semaphore of that node afterwards, so
// a failing test leaks nothing into /dev/shm.
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "ipc/node_dir.h"
#include "ipc/node_semaphore.h"
#include "ipc/testing/temp_dir.h"
#include "ipc/volatile_segment.h"

namespace ltp::ipc::testing {

class NodeFixture : public ::testing::Test {
 protected:
  void SetUp() override { node_.emplace(NodeDir::at(dir_.path()).value()); }
  void TearDown() override {
    NodeSemaphore::unlink_all(*node_);
    VolatileSegment::remove(*node_);
  }
  const NodeDir& node() const { return *node_; }

  TempDir dir_;
  std::optional<NodeDir> node_;
};

}  // namespace ltp::ipc::testing
