// IonInterop: the fixture of the tests against a live ION 4.1.3 node
// (tests/ion/ion_interop_test.cc, ion_scenarios_test.cc): ION as engine 2
// beside an OpenLTP node as engine 1 on loopback, directly, through a
// UdpTap, or through an ltpnetem relay; both stopped by pid at the end.
// Also the helpers those tests share: reading files and tools' output, and
// the two standard transfers (OpenLTP's ltpdriver to ION's ltpcounter,
// ION's ltpdriver to OpenLTP's ltprecv).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/ion/ion_node.h"
#include "tests/ion/openltp_peer.h"
#include "tests/ion/udp_tap.h"

namespace ltp::ion_test {

inline constexpr std::uint64_t kOpenLtpEngine = 1;
inline constexpr std::uint64_t kIonEngine = 2;
inline constexpr unsigned kClient = 1;
// A 1 MB block takes well under a second each way; this is for a loaded
// 2-core machine with ION's retransmission timers in whole seconds.
inline constexpr std::chrono::milliseconds kTransferLimit{120'000};

// The file's first `limit` octets (all of it by default).
std::string slurp(const std::filesystem::path& path, std::size_t limit = std::string::npos);
// "Label: 123" in a tool's output -> 123 (-1 if absent).
long long value_after(const std::string& output, const std::string& label);
// A counter of ltpstat's span counters (0 if absent).
std::uint64_t counter(const nlohmann::json& counters, const char* name);
double seconds_since(std::chrono::steady_clock::time_point began);
std::string size_name(std::size_t size);

// What a transfer's receiver counted, and how long the transfer took.
struct Transfer {
  int blocks = 0;
  long long bytes = 0;
  long long cancelled = 0;  // ION's ltpcounter's count of cancelled imports
  double seconds = 0;
};

class IonInterop : public ::testing::Test {
 protected:
  // Starts ION (from the plain or the --ltpauth build) as engine 2 and
  // OpenLTP as engine 1, each sending to the other's udplsi — ION through
  // a UdpTap when `tap`. With `impairments` (ltpnetem's options), both
  // directions go through an ltpnetem relay instead. Skips when there is
  // no ION.
  void start(bool ltpauth = false, std::optional<IonAuth> auth = {}, bool tap = false,
             const std::vector<std::string>& impairments = {});
  void TearDown() override;

  // ltprecv for kClient, writing each block to a file of its own.
  std::unique_ptr<tools_test::ToolProcess> receive_one_block(const std::filesystem::path& into);
  // The one block in `dir` equals the first `size` octets ltpdriver sent.
  void expect_driver_block(const std::filesystem::path& dir, std::size_t size);

  // OpenLTP's ltpdriver sends `blocks` of `size` octets (the last `green`
  // green) to ION's ltpcounter, which runs until OpenLTP has closed every
  // session (ION cancels an import UNREACH when a late segment finds its
  // client gone, even for a block it delivered: docs/interop.md); then
  // `before_stop`, then ltpcounter is stopped. What it counted.
  Transfer drive_to_ion(int blocks, std::size_t size, std::size_t green = 0,
                        const std::function<void()>& before_stop = {});
  // ION's ltpdriver sends `blocks` of `size` octets (the last `green`
  // green) to OpenLTP's ltprecv -o; every file it wrote must be ION's red
  // part. The files, and no OpenLTP session may be left open.
  Transfer drive_from_ion(int blocks, std::size_t size, std::size_t green = 0);

  std::unique_ptr<IonNode> ion_;
  OpenLtpPeer openltp_;
  std::unique_ptr<UdpTap> tap_;
  std::unique_ptr<tools_test::ToolProcess> relay_;
  std::pair<int, int> relay_ports_;  // where OpenLTP sends, where ION sends
  OpenLtpConfig openltp_config_;     // start() fills in engines and ports, then keeps it
  IonNodeConfig ion_config_;         // the same for the ION node (set maxber etc. before)
};

// start() in a test body; returns from it if start() skipped or failed.
#define START_OR_RETURN(...)                      \
  do {                                            \
    start(__VA_ARGS__);                           \
    if (IsSkipped() || HasFatalFailure()) return; \
  } while (0)

}  // namespace ltp::ion_test
