// ltprecv: receive the blocks sent to a client service id and write each
// red part out intact — to a file, a directory (one file per block) or
// stdout. The receiving half of ltpsend. See man/ltprecv.1.
//
// Exit status: 0 after --count blocks or on SIGINT/SIGTERM, 1 runtime
// failure (node missing or stopped, id in use, cannot write), 2 usage.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "ipc/process_log.h"
#include "libltp/api/client.h"
#include "libltp/cli/cli.h"

namespace {

namespace api = ltp::api;
namespace cli = ltp::cli;
namespace fs = std::filesystem;
constexpr std::string_view kProgram = "ltprecv";

// Where blocks go: one file for all (in order), one file per block in a
// directory, or stdout.
class Output {
 public:
  static std::optional<Output> make(const std::optional<std::string>& target, std::string& error) {
    Output out;
    std::error_code ec;
    if (!target) {
      out.file_ = stdout;
    } else if (fs::is_directory(*target, ec)) {
      out.dir_ = *target;
    } else if ((out.file_ = std::fopen(target->c_str(), "wb")) == nullptr) {
      error = fmt::format("cannot create {}: {}", *target, std::strerror(errno));
      return std::nullopt;
    } else {
      out.owned_ = true;
    }
    return out;
  }
  Output(Output&& other) noexcept
      : file_(std::exchange(other.file_, nullptr)),
        owned_(std::exchange(other.owned_, false)),
        dir_(std::move(other.dir_)) {}
  ~Output() {
    if (owned_) std::fclose(file_);
  }

  // Writes the block straight from the heap; returns "" or what failed.
  // In a directory it goes to a hidden .part name first and is renamed
  // whole, so a block file that exists is complete even if we are killed
  // mid-write (the node then hands the block to the next ltprecv again).
  std::string write(const api::Notice& block) {
    std::FILE* file = file_;
    std::string path = "standard output", part;
    if (!dir_.empty()) {
      const auto name = fmt::format("block-{}-{}.bin", block.session.engine, block.session.number);
      path = (dir_ / name).string();
      part = (dir_ / ("." + name + ".part")).string();
      file = std::fopen(part.c_str(), "wb");
      if (file == nullptr) return fmt::format("cannot create {}: {}", part, std::strerror(errno));
    }
    bool ok = true;
    for (const auto& chunk : block.data.chunks()) {
      ok = ok && std::fwrite(chunk.data(), 1, chunk.size(), file) == chunk.size();
    }
    ok = std::fflush(file) == 0 && ok;
    if (!dir_.empty()) {
      ok = std::fclose(file) == 0 && ok;
      ok = ok && std::rename(part.c_str(), path.c_str()) == 0;
    }
    if (!ok) {
      const std::string reason = std::strerror(errno);
      if (!part.empty()) std::remove(part.c_str());
      return fmt::format("cannot write {}: {}", path, reason);
    }
    // Session numbers are what a blind attacker lacks: debug level only.
    spdlog::debug("block {}:{} written", block.session.engine, block.session.number);
    spdlog::info("a block from engine {} ({} bytes) written to {}", block.session.engine,
                 block.data.size(), path);
    return {};
  }

 private:
  Output() = default;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  fs::path dir_;
};

int run(int argc, char** argv) {
  cxxopts::Options options(std::string(kProgram),
                           "Receive the blocks sent to client service id CLIENT and write each "
                           "one out intact.");
  options.positional_help("CLIENT");
  cli::add_node_option(options);
  options.add_options()(
      "o,output",
      "a FILE (blocks written one after another) or a DIR (one block-ENGINE-SESSION.bin "
      "per block); default: standard output",
      cxxopts::value<std::string>())("count", "stop after N blocks",
                                     cxxopts::value<std::uint64_t>())("h,help", "show this help")(
      "client", "client service id", cxxopts::value<std::uint64_t>());
  options.parse_positional({"client"});
  const cli::ParsedCommandLine command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const auto& args = command_line.args;
  if (!args.count("client")) return cli::usage_error(kProgram, "CLIENT is required");
  const auto client_id = args["client"].as<std::uint64_t>();
  const std::uint64_t count = args.count("count") ? args["count"].as<std::uint64_t>() : UINT64_MAX;
  const std::optional<std::string> target =
      args.count("output") ? std::optional(args["output"].as<std::string>()) : std::nullopt;

  auto client = api::Client::attach(cli::node_option(args));
  if (!client) return cli::runtime_failure(kProgram, client.error().message);
  ltp::ipc::setup_process_log(client.value()->dir(), std::string(kProgram));
  std::string error;
  auto output = Output::make(target, error);
  if (!output) return cli::runtime_failure(kProgram, error);
  auto ap = api::AccessPoint::open(client.value(), client_id);
  if (!ap) return cli::runtime_failure(kProgram, ap.error().message);
  api::interrupt_on_stop_signals(*ap.value());

  for (std::uint64_t received = 0; received < count;) {
    auto notice = ap.value()->next_notice();
    if (!notice) return cli::runtime_failure(kProgram, notice.error().message);
    const api::Notice& n = notice.value();
    switch (n.type) {
      case api::NoticeType::none:
        if (api::stop_signalled()) return cli::kOk;
        break;
      case api::NoticeType::red_part:
        if (auto failed = output->write(n); !failed.empty()) {
          return cli::runtime_failure(kProgram, failed);
        }
        ++received;
        break;
      case api::NoticeType::import_cancelled:
        spdlog::debug("block {}:{} cancelled", n.session.engine, n.session.number);
        spdlog::warn("reception of a block from engine {} cancelled: {}", n.session.engine,
                     api::reason_text(n.reason));
        break;
      default:  // green segments and our own exports' notices: not ours to write
        break;
    }
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
