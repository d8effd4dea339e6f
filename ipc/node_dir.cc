#include "ipc/node_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>

#include "ipc/hash.h"

namespace ltp::ipc {

std::string_view to_string(NodeDirError e) {
  switch (e) {
    case NodeDirError::not_found:
      return "node directory does not exist; create it, or pass --node DIR / set LTP_NODE_DIR";
    case NodeDirError::not_a_directory:
      return "node path is not a directory; pass --node DIR / set LTP_NODE_DIR to the node's "
             "directory";
  }
  return "unknown node directory error";
}

NodeDir::NodeDir(std::filesystem::path dir, std::uint64_t key)
    : dir_(std::move(dir)), key_(key), prefix_(fmt::format("oltp-{:016x}-", key)) {}

Result<NodeDir, NodeDirError> NodeDir::at(const std::filesystem::path& dir) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(dir, ec);
  if (ec) return failure(NodeDirError::not_found);
  struct stat st {};
  if (::stat(canonical.c_str(), &st) != 0) return failure(NodeDirError::not_found);
  if (!S_ISDIR(st.st_mode)) return failure(NodeDirError::not_a_directory);
  // Path alone could collide after a rename+recreate; device+inode alone
  // could be reused. Together they name this directory now.
  std::uint64_t key = fnv1a64(canonical.native());
  key = mix64(key ^ static_cast<std::uint64_t>(st.st_dev));
  key = mix64(key ^ static_cast<std::uint64_t>(st.st_ino));
  return NodeDir(std::move(canonical), key);
}

Result<NodeDir, NodeDirError> NodeDir::resolve(const std::optional<std::string>& node_option) {
  if (node_option && !node_option->empty()) return at(*node_option);
  if (const char* env = std::getenv("LTP_NODE_DIR"); env && *env) return at(env);
  return at(std::filesystem::current_path());
}

}  // namespace ltp::ipc
