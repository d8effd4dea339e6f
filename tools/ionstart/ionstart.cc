// ionstart (also installed as ltpstart): configure and start a whole node
// from ION's files — an .ionrc, an .ionsecrc (keys), an .ltpsecrc
// (authentication rules) and an .ltprc (whose `s` starts LTP), or one
// consolidated file with `## begin ionadmin` / `ionsecadmin` /
// `ltpsecadmin` / `ltpadmin` sections — in ION's order: the consolidated
// file's sections in that order, then -i, -s, -L, -l.
//
// A node directory whose heap already holds a configured node is resumed
// as it is (sessions in flight survive a restart); --fresh deletes the
// heap and loads the files again. On a running node it starts only the
// daemons that are not running, or says it is already started. One
// ionstart or ionstop runs on a node at a time (NodeLock).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ipc/node_dir.h"
#include "ipc/process_log.h"
#include "libltp/node/node.h"
#include "libltp/node/node_control.h"
#include "libltp/node/node_lock.h"
#include "libltp/cli/cli.h"
#include "tools/ionstart/config_sections.h"
#include "tools/ltpadmin/admin_session.h"
#include "tools/ltpadmin/tool_actions.h"

namespace {

namespace cli = ltp::cli;
using ltp::admin_tool::AdminSession;
using ltp::admin_tool::Language;

std::string help_text(cxxopts::Options& options) {
  return options.help() +
         "\nThe node's files run in ION's order: -I FILE's ionadmin, ionsecadmin, ltpsecadmin\n"
         "and ltpadmin sections, then -i, -s, -L, -l. The ltprc's `s` command starts the\n"
         "daemons.\n"
         "A node that was configured before is started as it is; --fresh reloads the files.\n"
         "\nExamples:\n"
         "  ionstart --node /var/lib/openltp/node1 -i node1.ionrc -l node1.ltprc\n"
         "  ionstart -i node1.ionrc -s node1.ionsecrc -L node1.ltpsecrc -l node1.ltprc\n"
         "  ionstart -I node1.rc\n"
         "  ionstart -I hosts.rc -t host2\n";
}

// The ION program whose language a session speaks, for its messages.
const char* admin_program(Language language) {
  switch (language) {
    case Language::ionrc:
      return "ionadmin";
    case Language::ionsecrc:
      return "ionsecadmin";
    case Language::ltpsecrc:
      return "ltpsecadmin";
    case Language::ltprc:
      return "ltpadmin";
  }
  return "ionstart";
}

// Some daemon of the node runs (its clock, or any the start planned).
bool running(ltp::node::Node& node) {
  if (node.engine_started()) return true;
  auto plan = node.daemon_plan();
  if (!plan) return false;
  for (const auto& d : plan->daemons()) {
    if (d.pid != 0 && ltp::ipc::process_alive(d.pid, d.start_time)) return true;
  }
  return false;
}

class Starter {
 public:
  Starter(std::string program, ltp::ipc::NodeDir dir)
      : program_(std::move(program)), dir_(std::move(dir)) {}

  int run_config(const std::string& path, const std::string& tag) {
    std::ifstream in(path);
    if (!in) return fail(fmt::format("cannot read {}: check the file name", path));
    auto sections = ltp::ionstart::split_sections(path, in, tag);
    if (!sections) return fail(sections.error());
    for (const auto& warning : sections.value().warnings) {
      fmt::print(stderr, "{}: warning: {}\n", program_, cli::printable(warning));
    }
    const auto& s = sections.value();
    if (s.ionadmin.empty() && s.ionsecadmin.empty() && s.ltpsecadmin.empty() &&
        s.ltpadmin.empty()) {
      return fail(
          fmt::format("{} has no {}ionadmin, ionsecadmin, ltpsecadmin or ltpadmin section "
                      "(`## begin ionadmin{}`)",
                      path, tag.empty() ? "untagged " : "", tag.empty() ? "" : " " + tag));
    }
    const std::pair<Language, const std::vector<ltp::admin_tool::NumberedLine>*> in_order[] = {
        {Language::ionrc, &s.ionadmin},
        {Language::ionsecrc, &s.ionsecadmin},
        {Language::ltpsecrc, &s.ltpsecadmin},
        {Language::ltprc, &s.ltpadmin}};
    for (const auto& [language, lines] : in_order) {
      // An absent section must not attach (a security section before a
      // node exists would complain).
      if (lines->empty()) continue;
      if (int status =
              AdminSession(dir_, language, admin_program(language)).run_lines(path, *lines);
          status != cli::kOk) {
        return status;
      }
    }
    return cli::kOk;
  }

  int run_file(Language language, const std::string& path) {
    return AdminSession(dir_, language, admin_program(language)).run_file(path);
  }

  // An existing heap: resume it, or with --fresh delete it. Returns a
  // status to exit with at once, or nothing to go on loading the files.
  std::optional<int> existing_node(bool fresh) {
    std::error_code ec;
    if (!std::filesystem::exists(dir_.heap_path(), ec)) return std::nullopt;
    if (!fresh) {
      if (auto upgraded = ltp::node::upgrade_heap(dir_); !upgraded) {
        return fail(upgraded.error().message);
      }
    }
    auto node = ltp::node::Node::attach(dir_, {.require_running = false});
    if (node && running(*node.value())) {
      // Start what died and was not restarted (both supervisors gone);
      // refused as already started when everything runs.
      node.value().reset();
      ltp::admin_tool::ToolActions actions(dir_, Language::ltprc);
      if (auto started = actions.start({}); !started) return fail(started.error());
      return cli::kOk;
    }
    if (!node && node.error().code == ltp::node::NodeErrc::wrong_format && !fresh) {
      return fail(node.error().message);
    }
    const std::optional<std::string> unfinished =
        node ? std::nullopt : std::optional(node.error().message);
    if (node) node.value().reset();
    if (fresh) {
      (void)ltp::node::stop_node(dir_);  // leftovers of a crashed run
      std::filesystem::remove(dir_.heap_path(), ec);
      if (ec) {
        return fail(fmt::format("cannot remove {}: {}", dir_.heap_path().string(), ec.message()));
      }
      fmt::print("removed the old heap {}; loading the files afresh\n", dir_.heap_path().string());
      return std::nullopt;
    }
    if (unfinished) {
      return fail(
          fmt::format("{} holds an unfinished configuration from an earlier run ({}); "
                      "run ionstart again with --fresh to load the files afresh",
                      dir_.heap_path().string(), *unfinished));
    }
    fmt::print(
        "{} is already configured: starting it as it is (run with --fresh to load the "
        "files again; sessions in flight would be lost)\n",
        dir_.dir().string());
    ltp::admin_tool::ToolActions actions(dir_, Language::ltprc);
    if (auto started = actions.start({}); !started) return fail(started.error());
    return cli::kOk;
  }

  // ION's ionstart says nothing when the ltprc lacks `s`; a node left
  // unstarted deserves a word.
  void check_started() {
    auto node = ltp::node::Node::attach(dir_, {.require_running = false});
    if (node && node.value()->engine_started()) return;
    fmt::print(stderr,
               "{}: warning: the node is configured but LTP is not started: the ltprc has no `s` "
               "command; add one, or run `echo s | ltpadmin --node {}`\n",
               program_, dir_.dir().string());
  }

 private:
  int fail(const std::string& message) { return cli::runtime_failure(program_, message); }

  std::string program_;
  ltp::ipc::NodeDir dir_;
};

int run(int argc, char** argv) {
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  cxxopts::Options options(program, "Configure and start a node from ION's config files.");
  cli::add_node_option(options);
  options.add_options()("I,config",
                        "consolidated config file with `## begin ionadmin` ... sections",
                        cxxopts::value<std::string>())("t,tag", "use the -I sections with this tag",
                                                       cxxopts::value<std::string>())(
      "i,ionrc", "ionrc file", cxxopts::value<std::string>())(
      "s,ionsecrc", "ionsecrc file (named keys)", cxxopts::value<std::string>())(
      "L,ltpsecrc", "ltpsecrc file (authentication rules)", cxxopts::value<std::string>())(
      "l,ltprc", "ltprc file", cxxopts::value<std::string>())(
      "fresh", "delete the node's heap (and any sessions in flight) and load the files again")(
      "h,help", "show this help");
  const auto command_line = cli::parse(options, argc, argv, [&] { return help_text(options); });
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  if (!args.count("config") && !args.count("ionrc") && !args.count("ionsecrc") &&
      !args.count("ltpsecrc") && !args.count("ltprc")) {
    return cli::usage_error(program, "give the node's files: -I FILE, or -i X.ionrc -l X.ltprc");
  }
  if (args.count("tag") && !args.count("config")) {
    return cli::usage_error(program, "-t selects sections of a -I file: give -I FILE too");
  }

  auto dir = cli::node_dir(args);
  if (!dir) return cli::runtime_failure(program, dir.error());
  ltp::ipc::setup_process_log(dir.value(), program);
  // A second ionstart (or an ionstop) on this node waits until this one
  // has configured and started it, then finds it running.
  auto lock = ltp::node::NodeLock::acquire(dir.value());
  if (!lock) return cli::runtime_failure(program, lock.error());
  Starter starter(program, dir.value());
  if (auto status = starter.existing_node(args.count("fresh") > 0)) return *status;

  if (args.count("config")) {
    const std::string tag = args.count("tag") ? args["tag"].as<std::string>() : "";
    if (int status = starter.run_config(args["config"].as<std::string>(), tag);
        status != cli::kOk) {
      return status;
    }
  }
  // ION's order: keys and rules are in place before the ltprc's `s`.
  const std::pair<const char*, Language> files[] = {{"ionrc", Language::ionrc},
                                                    {"ionsecrc", Language::ionsecrc},
                                                    {"ltpsecrc", Language::ltpsecrc},
                                                    {"ltprc", Language::ltprc}};
  for (const auto& [option, language] : files) {
    if (!args.count(option)) continue;
    if (int status = starter.run_file(language, args[option].as<std::string>());
        status != cli::kOk) {
      return status;
    }
  }
  starter.check_started();
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
