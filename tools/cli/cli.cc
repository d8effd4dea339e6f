#include "tools/cli/cli.h"

#include <fmt/core.h>

#include <cstdio>

namespace ltp::cli {

ParsedCommandLine parse(cxxopts::Options& options, int argc, char** argv,
                        const std::function<std::string()>& help_text) {
  ParsedCommandLine parsed;
  try {
    parsed.args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    parsed.exit_now = usage_error(options.program(), e.what());
    return parsed;
  }
  if (parsed.args.count("help")) {
    const std::string text = help_text ? help_text() : options.help();
    std::fputs(text.c_str(), stdout);
    if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
    parsed.exit_now = kOk;
    return parsed;
  }
  if (!parsed.args.unmatched().empty()) {
    parsed.exit_now = usage_error(
        options.program(), fmt::format("unexpected argument '{}'", parsed.args.unmatched()[0]));
  }
  return parsed;
}

int usage_error(std::string_view program, std::string_view message) {
  fmt::print(stderr, "{}: {}\nTry '{} --help' for usage.\n", program, message, program);
  return kUsageError;
}

int runtime_failure(std::string_view program, std::string_view message) {
  fmt::print(stderr, "{}: {}\n", program, message);
  return kRuntimeFailure;
}

}  // namespace ltp::cli
