// Helpers for the interop tests: run a command, a scratch directory, and
// the two decoders being compared (ltpdump --json and tshark's LTP
// dissector) with a field-by-field comparison.
//
// Test-only; used by interop_test.cc and ltpdump_test.cc. Paths of the
// binaries come from compile definitions set in CMakeLists.txt.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace openltp::interop {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only
};

// Runs `command` through /bin/sh, capturing stdout (stderr is discarded
// unless the command redirects it).
CommandResult run(const std::string& command);

// Quotes `text` for /bin/sh.
std::string shell_quote(const std::string& text);

// A fresh directory under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ltpdump_path();
std::string captures_dir();

// ltpdump --json -r pcap --port ports: one JSON object per line.
std::vector<nlohmann::json> ltpdump_json(const std::string& pcap, const std::string& ports);

// tshark's LTP fields per frame number (only frames where tshark shows an
// LTP segment). Values are tshark's text, repeated fields joined by ','.
using TsharkFrames = std::map<std::uint64_t, std::map<std::string, std::string>>;
TsharkFrames tshark_ltp_fields(const std::string& pcap);

// Differences between ltpdump's object for a segment and tshark's fields
// for the same frame (empty when they agree on every field both show).
std::vector<std::string> compare_with_tshark(const nlohmann::json& ours,
                                             const std::map<std::string, std::string>& theirs);

}  // namespace openltp::interop
