// NodeDir: where a node lives and the names derived from it.
//
// Every program (daemons, tools, tests) resolves its node with
// NodeDir::resolve(): `--node DIR` beats env LTP_NODE_DIR beats the current
// directory (ION users run tools from the node's directory). From the
// canonical directory come the heap file path, the log path and the prefix
// of every shared-memory / semaphore name, so several nodes coexist on one
// host and never open each other's objects.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "ipc/result.h"

namespace ltp::ipc {

enum class NodeDirError {
  not_found,        // the directory does not exist
  not_a_directory,  // the path exists but is not a directory
};

std::string_view to_string(NodeDirError e);

class NodeDir {
 public:
  // --node value (if given) > $LTP_NODE_DIR (if set and non-empty) > cwd.
  static Result<NodeDir, NodeDirError> resolve(const std::optional<std::string>& node_option);
  static Result<NodeDir, NodeDirError> at(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path heap_path() const { return dir_ / "sdr.heap"; }
  std::filesystem::path log_path() const { return dir_ / "ltp.log"; }
  // The running ltpclock's pid, which it writes (a restarted one too).
  std::filesystem::path clock_pid_path() const { return dir_ / "ltpclock.pid"; }
  // Hash of the canonical path, device and inode.
  std::uint64_t key() const { return key_; }
  // "oltp-<16 hex digits>-": prefix of every shm/semaphore name of this node.
  const std::string& ipc_prefix() const { return prefix_; }
  std::string ipc_name(std::string_view suffix) const { return prefix_ + std::string(suffix); }

 private:
  NodeDir(std::filesystem::path dir, std::uint64_t key);
  std::filesystem::path dir_;
  std::uint64_t key_;
  std::string prefix_;
};

}  // namespace ltp::ipc
