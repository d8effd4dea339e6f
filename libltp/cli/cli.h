// The command-line conventions every OpenLTP program shares.
//
// Each main() in tools/ and daemons/ builds its cxxopts::Options, then
// calls parse(): it handles --help, malformed options and stray arguments
// the same way everywhere, so users get one behaviour and one set of exit
// statuses (0 ok, 1 runtime failure, 2 usage error) from every program.
#pragma once

#include <cxxopts.hpp>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "ipc/node_dir.h"
#include "ipc/result.h"

namespace ltp::cli {

inline constexpr int kOk = 0;
inline constexpr int kRuntimeFailure = 1;
inline constexpr int kUsageError = 2;

struct ParsedCommandLine {
  // Set when the program should return this status at once: kOk after
  // printing --help, kUsageError after explaining a bad command line.
  std::optional<int> exit_now;
  cxxopts::ParseResult args;
};

// Parses argv. Leftover arguments are a usage error unless the options
// declare positional ones. `help_text` replaces options.help() when a
// program prints groups or examples of its own.
ParsedCommandLine parse(cxxopts::Options& options, int argc, char** argv,
                        const std::function<std::string()>& help_text = {});

// Adds `--node DIR`, the node directory option every program takes.
void add_node_option(cxxopts::Options& options);
// The --node value, if given (for APIs that apply the rule themselves).
std::optional<std::string> node_option(const cxxopts::ParseResult& args);
// The node's directory by the one rule: --node, else $LTP_NODE_DIR, else
// the current directory. The error is a message that says what to do.
Result<ipc::NodeDir, std::string> node_dir(const cxxopts::ParseResult& args);

// `text` safe for a terminal: control bytes other than newline and tab
// (a config file's or a peer's) become \xNN, so a message that quotes
// them cannot move the cursor, clear the screen or retitle the window.
std::string printable(std::string_view text);

// "PROGRAM: MESSAGE" and a pointer to --help on stderr; returns kUsageError.
int usage_error(std::string_view program, std::string_view message);
// "PROGRAM: MESSAGE" on stderr; returns kRuntimeFailure. Both print
// MESSAGE through printable().
int runtime_failure(std::string_view program, std::string_view message);

// Calls `handler` on each of `signals`, without SA_RESTART, so that the
// signal also interrupts a blocking system call (the caller's loop then
// looks at the flag its handler set).
void on_signals(std::initializer_list<int> signals, void (*handler)(int));

}  // namespace ltp::cli
