#include "tests/ion/ion_build.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <vector>

#include "ipc/testing/temp_dir.h"
#include "tests/tools/tool_process.h"

extern char** environ;

namespace ltp::ion_test {
namespace {

using namespace std::chrono_literals;

// A first build takes 1-2 minutes on 2 idle cores; several on busy ones.
constexpr auto kBuildLimit = std::chrono::milliseconds(9min);

std::string last_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

IonBuild run_build_ion(bool ltpauth) {
  const char* from_env = std::getenv("OPENLTP_BUILD_ION");
  const std::filesystem::path script =
      from_env != nullptr && *from_env ? from_env : OPENLTP_BUILD_ION_DEFAULT;
  if (!std::filesystem::exists(script)) {
    return {{}, fmt::format("build-ion not found at {} (set OPENLTP_BUILD_ION)", script.string())};
  }
  std::vector<std::string> argv{script.string()};
  if (ltpauth) argv.push_back("--ltpauth");
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  ipc::testing::TempDir scratch;
  tools_test::ToolProcess build(argv, scratch.path(), {scratch.path(), env});
  if (!build.started()) return {{}, "cannot run " + build.command()};
  const auto status = build.wait(kBuildLimit);
  if (status != 0) {
    return {{},
            fmt::format("{} {}: {}", build.command(),
                        status ? fmt::format("exited with {}", *status) : "did not finish in time",
                        build.err() + build.out())};
  }
  const std::filesystem::path prefix = last_line(build.out());
  if (!std::filesystem::exists(prefix / "bin" / "ionadmin")) {
    return {{}, fmt::format("{} printed no ION install prefix: {}", build.command(), build.out())};
  }
  return {prefix, {}};
}

}  // namespace

IonBuild ion_build(bool ltpauth) {
  static std::map<bool, IonBuild> built;
  auto it = built.find(ltpauth);
  if (it == built.end()) it = built.emplace(ltpauth, run_build_ion(ltpauth)).first;
  return it->second;
}

}  // namespace ltp::ion_test
