#include "libltp/cli/cli.h"

#include <fmt/core.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace ltp::cli {

void add_node_option(cxxopts::Options& options) {
  options.add_options()("node",
                        "node directory (default: $LTP_NODE_DIR, else the current directory)",
                        cxxopts::value<std::string>());
}

std::optional<std::string> node_option(const cxxopts::ParseResult& args) {
  if (args.count("node") == 0) return std::nullopt;
  return args["node"].as<std::string>();
}

Result<ipc::NodeDir, std::string> node_dir(const cxxopts::ParseResult& args) {
  const auto option = node_option(args);
  auto dir = ipc::NodeDir::resolve(option);
  if (!dir) {
    const char* env = std::getenv("LTP_NODE_DIR");
    const std::string tried = option ? *option : env && *env ? env : ".";
    return failure(fmt::format("{}: {}", tried, ipc::to_string(dir.error())));
  }
  return std::move(dir).value();
}

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

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

int usage_error(std::string_view program, std::string_view message) {
  fmt::print(stderr, "{}: {}\nTry '{} --help' for usage.\n", program, printable(message), program);
  return kUsageError;
}

void on_signals(std::initializer_list<int> signals, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  for (int sig : signals) ::sigaction(sig, &action, nullptr);
}

int runtime_failure(std::string_view program, std::string_view message) {
  fmt::print(stderr, "{}: {}\n", program, printable(message));
  return kRuntimeFailure;
}

}  // namespace ltp::cli
