// TestNode: a node of its own for a multi-process test — a private
// temporary node directory configured from ionrc/ltprc text, started and
// stopped through the same admin API as ltpadmin, and always stopped and
// removed when the test ends (daemons by pid, shm and semaphores by name).
//
// Used by the runtime's integration tests, the tools' tests and the
// Python tests' C++ helpers.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/node_dir.h"
#include "ipc/testing/temp_dir.h"
#include "libltp/node/node.h"
#include "libltp/node/node_control.h"

namespace ltp::node::testing {

class TestNode {
 public:
  TestNode();
  ~TestNode();  // stops the node if it runs

  const ipc::NodeDir& dir() const { return *dir_; }
  const std::filesystem::path& path() const { return temp_.path(); }

  // Runs ionrc then ltprc text (one command per line) against the heap,
  // creating it first. Returns "" or the first diagnostic.
  std::string configure(std::string_view ionrc, std::string_view ltprc);
  // Runs ionsecrc then ltpsecrc text (keys, authentication rules) the same
  // way. Returns "" or the first diagnostic.
  std::string configure_security(std::string_view ionsecrc, std::string_view ltpsecrc);
  // start_node() with the build's daemons; "" or the error message.
  std::string start();
  std::string stop();
  // A fresh attachment (the node must be started).
  std::unique_ptr<Node> attach();
  // The node's log so far (for failure messages).
  std::string log() const;

 private:
  ipc::testing::TempDir temp_;
  std::unique_ptr<ipc::NodeDir> dir_;
};

// A free UDP port on loopback (bound and released; tests race-free enough
// because the kernel does not hand the same ephemeral port out again at once).
int free_udp_port();

}  // namespace ltp::node::testing
