#include "tests/ion/ion_interop_fixture.h"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/ion/ion_build.h"
#include "tests/tools/relayed_nodes.h"

namespace ltp::ion_test {

using namespace std::chrono_literals;

std::string slurp(const std::filesystem::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (limit == std::string::npos) {
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
  }
  text.resize(limit);
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

long long value_after(const std::string& output, const std::string& label) {
  const auto at = output.find(label + ": ");
  return at == std::string::npos ? -1 : std::stoll(output.substr(at + label.size() + 2));
}

std::uint64_t counter(const nlohmann::json& counters, const char* name) {
  return counters.is_object() ? counters.value(name, std::uint64_t{0}) : 0;
}

double seconds_since(std::chrono::steady_clock::time_point began) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

std::string size_name(std::size_t size) {
  if (size >= (1u << 20)) return fmt::format("{}MB", size >> 20);
  if (size >= (1u << 10)) return fmt::format("{}KB", size >> 10);
  return fmt::format("{}B", size);
}

void IonInterop::start(bool ltpauth, std::optional<IonAuth> auth, bool tap,
                       const std::vector<std::string>& impairments) {
  const auto build = ion_build(ltpauth);
  if (build.prefix.empty()) {
    GTEST_SKIP() << "no ION 4.1.3" << (ltpauth ? " (--ltpauth)" : "") << ": " << build.message;
  }
  const int openltp_port = node::testing::free_udp_port();
  int ion_port = node::testing::free_udp_port();
  while (ion_port == openltp_port) ion_port = node::testing::free_udp_port();
  // The ports above are free, not held: the tap's must differ.
  while (tap && (!tap_ || tap_->port() == openltp_port || tap_->port() == ion_port)) {
    tap_ = std::make_unique<UdpTap>(openltp_port);
  }

  // ab: OpenLTP -> ION; ba: ION -> OpenLTP.
  if (!impairments.empty()) {
    auto relay =
        tools_test::start_netem_relay(ion_port, openltp_port, impairments, openltp_.scratch());
    relay_ = std::move(relay.process);
    ASSERT_EQ(relay.error, "");
    relay_ports_ = {relay.ab_port, relay.ba_port};
  }

  IonNodeConfig ion = ion_config_;
  ion.engine = kIonEngine;
  ion.lsi_port = ion_port;
  ion.peer_engine = kOpenLtpEngine;
  ion.peer_port = tap ? tap_->port() : relay_ ? relay_ports_.second : openltp_port;
  ion.auth = std::move(auth);
  ion_config_ = ion;
  ion_ = std::make_unique<IonNode>(build.prefix);
  ASSERT_EQ(ion_->start(ion), "");
  for (const auto& words : openltp_.cleanup_commands()) ion_->if_test_dies(words);

  OpenLtpConfig openltp = openltp_config_;
  openltp.engine = kOpenLtpEngine;
  openltp.lsi_port = openltp_port;
  openltp.peer_engine = kIonEngine;
  openltp.peer_port = relay_ ? relay_ports_.first : ion_port;
  openltp_config_ = openltp;
  ASSERT_EQ(openltp_.start(openltp), "");
}

void IonInterop::TearDown() {
  if (HasFailure() && ion_) std::fprintf(stderr, "ION's log:\n%s\n", ion_->log().c_str());
  if (HasFailure()) std::fprintf(stderr, "OpenLTP's log:\n%s\n", openltp_.log().c_str());
  EXPECT_EQ(openltp_.stop(), "");
  if (ion_) {
    EXPECT_EQ(ion_->stop(), "");
  }
  tap_.reset();
  if (relay_) relay_->stop();
}

std::unique_ptr<tools_test::ToolProcess> IonInterop::receive_one_block(
    const std::filesystem::path& into) {
  std::filesystem::create_directories(into);
  auto ltprecv = openltp_.launch("ltprecv", {"1", "-o", into.string(), "--count", "1"});
  EXPECT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
  return ltprecv;
}

void IonInterop::expect_driver_block(const std::filesystem::path& dir, std::size_t size) {
  std::vector<std::filesystem::path> blocks;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) blocks.push_back(entry);
  ASSERT_EQ(blocks.size(), 1u);
  const std::string block = slurp(blocks[0]);
  EXPECT_EQ(block.size(), size);
  const std::string sent = slurp(ion_->driver_sdu_file(), size);
  EXPECT_TRUE(block == sent)
      << "the block differs from ltpdriver's file from octet "
      << std::mismatch(block.begin(), block.end(), sent.begin(), sent.end()).first - block.begin();
}

Transfer IonInterop::drive_to_ion(int blocks, std::size_t size, std::size_t green,
                                  const std::function<void()>& before_stop) {
  Transfer done;
  auto ltpcounter = ion_->start_counter(kClient);
  EXPECT_TRUE(ion_->await_counter_open(*ltpcounter)) << ltpcounter->out();
  const auto began = std::chrono::steady_clock::now();
  auto ltpdriver =
      openltp_.launch("ltpdriver", {std::to_string(kIonEngine), "1", std::to_string(blocks),
                                    std::to_string(green), std::to_string(size)});
  EXPECT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->err();
  EXPECT_TRUE(openltp_.await_no_sessions(kTransferLimit)) << openltp_.stat().dump(1);
  done.seconds = seconds_since(began);
  if (before_stop) before_stop();
  ltpcounter->signal(SIGINT);
  EXPECT_TRUE(ltpcounter->wait(30s)) << ltpcounter->out();
  const auto counted = parse_counter_output(ltpcounter->out());
  EXPECT_TRUE(counted.stopped) << ltpcounter->out();
  done.blocks = static_cast<int>(counted.blocks);
  done.bytes = counted.bytes;
  done.cancelled = counted.cancelled;
  return done;
}

Transfer IonInterop::drive_from_ion(int blocks, std::size_t size, std::size_t green) {
  Transfer done;
  const auto received = openltp_.scratch() / "received";
  std::filesystem::remove_all(received);
  std::filesystem::create_directories(received);
  auto ltprecv =
      openltp_.launch("ltprecv", {"1", "-o", received.string(), "--count", std::to_string(blocks)});
  EXPECT_TRUE(openltp_.await_client(kClient, *ltprecv)) << ltprecv->err();
  const auto began = std::chrono::steady_clock::now();
  auto ltpdriver = ion_->start_driver(kOpenLtpEngine, kClient, blocks, size, green);
  EXPECT_EQ(ltpdriver->wait(kTransferLimit), 0) << ltpdriver->out() << ltpdriver->err();
  EXPECT_EQ(ltprecv->wait(kTransferLimit), 0) << ltprecv->err();
  done.seconds = seconds_since(began);
  // ltprecv writes a block's red part: what precedes the green.
  const std::string red = slurp(ion_->driver_sdu_file(), size - green);
  for (const auto& entry : std::filesystem::directory_iterator(received)) {
    ++done.blocks;
    const std::string block = slurp(entry.path());
    done.bytes += static_cast<long long>(block.size());
    EXPECT_TRUE(block == red) << entry.path() << " differs from ION's red part";
  }
  EXPECT_TRUE(openltp_.await_no_sessions(60s)) << openltp_.stat().dump(1);
  return done;
}

}  // namespace ltp::ion_test
