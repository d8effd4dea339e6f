#include "tools/ltpadmin/admin_session.h"
#include "ipc/heap.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "libltp/admin/ionrc_admin.h"
#include "libltp/admin/ionrc_commands.h"
#include "libltp/admin/ionsecrc_admin.h"
#include "libltp/admin/ionsecrc_commands.h"
#include "libltp/admin/line_reader.h"
#include "libltp/admin/ltprc_admin.h"
#include "libltp/admin/ltprc_commands.h"
#include "libltp/admin/ltpsecrc_admin.h"
#include "libltp/admin/ltpsecrc_commands.h"
#include "libltp/cli/cli.h"
#include "libltp/node/link_command.h"
#include "libltp/node/node.h"
#include "libltp/node/node_control.h"
#include "tools/ltpadmin/ionconfig.h"

namespace ltp::admin_tool {

namespace {

std::string_view help_text(Language language) {
  switch (language) {
    case Language::ltprc:
      return admin::ltprc::help_text();
    case Language::ionrc:
      return admin::ionrc::help_text();
    case Language::ionsecrc:
      return admin::ionsecrc::help_text();
    case Language::ltpsecrc:
      return admin::ltpsecrc::help_text();
  }
  return {};
}

// The security languages only add to a node: its heap and engine number
// come from ionadmin (ION's ionsecadmin, too, needs a running node).
bool makes_nodes(Language language) {
  return language == Language::ltprc || language == Language::ionrc;
}

}  // namespace

AdminSession::AdminSession(ipc::NodeDir dir, Language language, std::string program)
    : dir_(dir), language_(language), program_(std::move(program)), actions_(dir, language) {}

AdminSession::~AdminSession() = default;

// The heap is attached on the first line that needs it; ltprc's and
// ionrc's `1` create it (sized by ionrc's config file, if any) when the
// directory has none.
Result<ipc::Heap*, std::string> AdminSession::heap_for(const admin::Tokens& tokens) {
  if (heap_) return heap_.get();
  std::error_code ec;
  if (!std::filesystem::exists(dir_.heap_path(), ec)) {
    if (!makes_nodes(language_)) {
      return failure(
          fmt::format("no node in {} yet: run ionadmin (or ionstart) first", dir_.dir().string()));
    }
    if (tokens[0] != "1") {
      return failure(fmt::format("no node in {} yet: the first command must be `1 {}`",
                                 dir_.dir().string(),
                                 language_ == Language::ltprc ? "<est_max_export_sessions>"
                                                              : "<node_nbr> [<config file>]"));
    }
    ipc::HeapCreateOptions options;
    if (language_ == Language::ionrc) {
      BOOST_OUTCOME_TRY(command, admin::ionrc::parse(tokens, node::now_ms()));
      const auto& init = std::get<admin::ionrc::Initialize>(command);
      if (init.config_file) {
        BOOST_OUTCOME_TRY(sized, heap_options_from_ionconfig(*init.config_file));
        options = sized;
      }
    }
    if (auto created = node::ensure_heap(dir_, options); !created) {
      return failure(created.error().message);
    }
  }
  auto heap = ipc::Heap::attach(dir_.heap_path());
  if (!heap) {
    return failure(fmt::format("cannot attach the heap {}: {}", dir_.heap_path().string(),
                               ipc::to_string(heap.error())));
  }
  heap_ = std::move(heap).value();
  return heap_.get();
}

Result<admin::LineOutcome, std::string> AdminSession::execute(const admin::Tokens& tokens) {
  // Help, version, time and quit work before there is a node.
  if (!heap_ && tokens.size() == 1 && !std::filesystem::exists(dir_.heap_path())) {
    if (tokens[0] == "h" || tokens[0] == "?") {
      return admin::LineOutcome{std::nullopt, std::string(help_text(language_))};
    }
    if (tokens[0] == "q") return admin::LineOutcome{admin::Quit{}, {}};
    if (language_ != Language::ionrc && tokens[0] == "v") {
      return admin::LineOutcome{admin::ShowVersion{}, {}};
    }
    if (language_ == Language::ltprc && tokens[0] == "t") {
      return admin::LineOutcome{admin::ShowTime{}, {}};
    }
  }
  BOOST_OUTCOME_TRY(heap, heap_for(tokens));
  switch (language_) {
    case Language::ltprc: {
      admin::LtprcAdmin ltprc(*heap);
      ltprc.check_link_commands([](std::string_view command, admin::LinkSide side) {
        return node::check_link_command(command, side, node::default_bin_dir());
      });
      return ltprc.execute(tokens);
    }
    case Language::ionrc:
      return admin::IonrcAdmin(*heap).execute(tokens);
    case Language::ionsecrc:
      return admin::IonsecrcAdmin(*heap).execute(tokens);
    case Language::ltpsecrc:
      return admin::LtpsecrcAdmin(*heap).execute(tokens);
  }
  return failure(std::string("unknown command language"));
}

Result<Next, admin::Diagnostic> AdminSession::run_line(std::string_view file, std::size_t number,
                                                       std::string_view text) {
  BOOST_OUTCOME_TRY(outcome, admin::run_line(file, number, text, [this](const admin::Tokens& t) {
                      return execute(t);
                    }));
  actions_.print(outcome.text);
  if (!outcome.action) return Next::read_on;
  auto next = actions_.carry_out(*outcome.action);
  if (!next) return failure(admin::Diagnostic{std::string(file), number, next.error()});
  return next.value();
}

int AdminSession::run_lines(std::string_view file, const std::vector<NumberedLine>& lines) {
  for (const auto& line : lines) {
    auto next = run_line(file, line.number, line.text);
    if (!next) {
      fmt::print(stderr, "{}\n", cli::printable(next.error().to_string()));
      return cli::kRuntimeFailure;
    }
    if (next.value() == Next::quit) break;
  }
  return cli::kOk;
}

int AdminSession::run_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return cli::runtime_failure(program_,
                                fmt::format("cannot open {}: check the file name", path.string()));
  }
  const std::string file = path.string();
  admin::LineReader reader(in);
  std::string text;
  for (;;) {
    const auto read = reader.next(text);
    if (read == admin::LineReader::Read::end) return cli::kOk;
    auto next = read == admin::LineReader::Read::too_long
                    ? Result<Next, admin::Diagnostic>(failure(
                          admin::Diagnostic{file, reader.number(), admin::too_long_message()}))
                    : run_line(file, reader.number(), text);
    if (!next) {
      fmt::print(stderr, "{}\n", cli::printable(next.error().to_string()));
      return cli::kRuntimeFailure;
    }
    if (next.value() == Next::quit) return cli::kOk;
  }
}

int AdminSession::run_interactive(std::istream& in, bool prompt) {
  bool failed = false;
  std::string text;
  admin::LineReader reader(in);
  for (;;) {
    if (prompt) {
      std::fputs(": ", stdout);
      std::fflush(stdout);
    }
    const auto read = reader.next(text);
    if (read == admin::LineReader::Read::too_long) {
      fmt::print(stderr, "stdin:{}: {}\n", reader.number(), admin::too_long_message());
      failed = true;
      break;
    }
    if (read == admin::LineReader::Read::end) {
      if (prompt) std::fputc('\n', stdout);  // end the prompt line after ^D
      break;
    }
    auto next = run_line("stdin", reader.number(), text);
    if (!next) {
      failed = true;
      // At a terminal the line is the one just typed: the reason is enough.
      fmt::print(stderr, "{}\n",
                 cli::printable(prompt ? next.error().message : next.error().to_string()));
      continue;
    }
    if (next.value() == Next::quit) break;
  }
  return failed && !prompt ? cli::kRuntimeFailure : cli::kOk;
}

int AdminSession::stop_node() {
  if (auto stopped = actions_.stop(); !stopped) {
    return cli::runtime_failure(program_, stopped.error());
  }
  return cli::kOk;
}

int AdminSession::restart_node() {
  if (auto restarted = actions_.carry_out(admin::StopNode{true}); !restarted) {
    return cli::runtime_failure(program_, restarted.error());
  }
  return cli::kOk;
}

}  // namespace ltp::admin_tool
