// Reading a named key's value from a file, for ionsecadmin's `a key` and
// `c key` (IonsecrcAdmin).
//
// The value is the file's raw bytes, as ION reads it: nothing is trimmed,
// so a key written with `echo secret > f` ends with the newline. Before a
// byte is read, the file must be a regular file that only its owner can
// read or write (mode & 077 == 0), not empty and at most db::kMaxKeyBytes
// long; otherwise the message names the file and what to do. A relative
// path is relative to the current directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ipc/result.h"

namespace ltp::admin {

// A key's bytes, wiped from memory when they go out of scope.
class KeyBytes {
 public:
  KeyBytes() = default;
  // `size` zero bytes, to be filled through writable().
  explicit KeyBytes(std::size_t size) : bytes_(size) {}
  KeyBytes(KeyBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {}
  KeyBytes& operator=(KeyBytes&& other) noexcept;
  KeyBytes(const KeyBytes&) = delete;
  KeyBytes& operator=(const KeyBytes&) = delete;
  ~KeyBytes() { wipe(); }

  std::span<const std::uint8_t> view() const { return bytes_; }
  std::span<std::uint8_t> writable() { return bytes_; }
  // Keeps the first `size` bytes; the rest are wiped first.
  void truncate(std::size_t size);

 private:
  void wipe();
  std::vector<std::uint8_t> bytes_;
};

Result<KeyBytes, std::string> read_key_file(const std::filesystem::path& path);

}  // namespace ltp::admin
