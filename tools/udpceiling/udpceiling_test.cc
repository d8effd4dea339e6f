// udpceiling smoke test: it moves data and prints one parsable JSON line.
// No timing is asserted.
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct ProgramRun {
  int exit_code;
  std::string output;
};

ProgramRun udpceiling(const std::string& args) {
  const std::string command = UDPCEILING_PATH " " + args + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ProgramRun run{-1, {}};
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe)) run.output += buffer.data();
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

void expect_moved_data(const ProgramRun& run, std::size_t size) {
  ASSERT_EQ(run.exit_code, 0);
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json["datagram_size"], size);
  EXPECT_GT(json["datagrams"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(json["bytes"].get<std::uint64_t>(), json["datagrams"].get<std::uint64_t>() * size);
  EXPECT_GT(json["mbit_per_s"].get<double>(), 0.0);
  EXPECT_GE(json["lost"].get<std::int64_t>(), 0);
  EXPECT_GT(json["seconds"].get<double>(), 0.0);
}

TEST(Udpceiling, MovesAByteCount) { expect_moved_data(udpceiling("--bytes 1400000"), 1400); }

TEST(Udpceiling, MovesForADuration) {
  expect_moved_data(udpceiling("--size 9000 --duration 0.2 --batch 16"), 9000);
}

TEST(Udpceiling, MovesOverIpv6) {
  const auto run = udpceiling("--bytes 100000 --size 1000 --receive-at [::1]:0");
  if (run.exit_code == 1) GTEST_SKIP() << "no IPv6 loopback";
  expect_moved_data(run, 1000);
}

TEST(Udpceiling, UsageErrors) {
  EXPECT_EQ(udpceiling("--help").exit_code, 0);
  EXPECT_EQ(udpceiling("--size 4").exit_code, 2);
  EXPECT_EQ(udpceiling("--batch 0").exit_code, 2);
  EXPECT_EQ(udpceiling("--bytes 10 --duration 1").exit_code, 2);
  EXPECT_EQ(udpceiling("--duration -1").exit_code, 2);
  EXPECT_EQ(udpceiling("stray").exit_code, 2);
  EXPECT_EQ(udpceiling("--receive-at 127.0.0.1:x").exit_code, 2);
}

}  // namespace
