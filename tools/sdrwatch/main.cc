// sdrwatch: report on a node's SDR heap, and check it end to end.
//
// Operators run it from the node directory (or with --node / LTP_NODE_DIR)
// to see how full the heap is; --check walks every allocator structure and
// every registered container and exits 1 on any inconsistency. Attaching
// runs crash recovery like any other process would.
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "ipc/heap.h"
#include "ipc/heap_check.h"
#include "ipc/node_dir.h"
#include "ipc/process_log.h"
#include "ipc/transaction.h"
#include "libltp/cli/cli.h"

namespace {

using namespace ltp::ipc;

namespace cli = ltp::cli;

std::string human(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{} ({:.1f} {})", bytes, v, units[u]);
}

void print_stats(const NodeDir& node, const Heap& heap, const HeapStats& s) {
  std::printf("%-20s %s\n", "node:", node.dir().c_str());
  std::printf("%-20s %s\n", "heap file:", heap.path().c_str());
  std::printf("%-20s %s\n", "heap size:", human(s.file_size).c_str());
  std::printf("%-20s %s\n", "undo log:", human(s.log_size).c_str());
  std::printf("%-20s %s\n", "arena:", human(s.arena_size).c_str());
  std::printf("%-20s %s\n", "bytes in use:", human(s.bytes_in_use).c_str());
  std::printf("%-20s %llu\n", "objects:", static_cast<unsigned long long>(s.objects));
  std::printf("%-20s %s\n", "free bytes:", human(s.free_bytes).c_str());
  std::printf("%-20s %llu\n", "free blocks:", static_cast<unsigned long long>(s.free_blocks));
  std::printf("%-20s %s\n", "largest free block:", human(s.largest_free_block).c_str());
  std::printf("%-20s lists %llu, hash maps %llu, ordered maps %llu\n",
              "containers:", static_cast<unsigned long long>(s.lists),
              static_cast<unsigned long long>(s.hash_maps),
              static_cast<unsigned long long>(s.ordered_maps));
  for (const auto& [name, addr] : s.roots) {
    std::printf("%-20s %s = %#llx\n", "root:", name.c_str(), static_cast<unsigned long long>(addr));
  }
}

int run(int argc, char** argv) {
  cxxopts::Options options("sdrwatch", "Report on a node's SDR heap; --check verifies it.");
  cli::add_node_option(options);
  options.add_options()("check",
                        "walk every block, free list and container; exit 1 on any inconsistency")(
      "h,help", "show this help");
  const cli::ParsedCommandLine command_line = cli::parse(options, argc, argv);
  if (command_line.exit_now) return *command_line.exit_now;
  const cxxopts::ParseResult& args = command_line.args;
  auto node = cli::node_dir(args);
  if (!node) return cli::runtime_failure("sdrwatch", node.error());
  // Log (recovery notices) only to a real node: never litter a wrong dir.
  const bool heap_present = std::filesystem::exists(node.value().heap_path());
  setup_process_log(node.value(), "sdrwatch",
                    {.level = spdlog::level::warn, .to_file = heap_present});

  auto heap = Heap::attach(node.value().heap_path());
  if (!heap) {
    std::fprintf(stderr, "sdrwatch: %s: %s\n", node.value().heap_path().c_str(),
                 std::string(to_string(heap.error())).c_str());
    return cli::kRuntimeFailure;
  }
  auto txn = heap.value()->begin();
  if (!txn) {
    std::fprintf(stderr, "sdrwatch: %s\n", std::string(to_string(txn.error())).c_str());
    return cli::kRuntimeFailure;
  }
  print_stats(node.value(), *heap.value(), heap_stats(txn.value()));
  if (!args.count("check")) return cli::kOk;
  const auto problems = check_heap(txn.value());
  for (const auto& p : problems) std::printf("check: %s\n", p.c_str());
  if (!problems.empty()) {
    std::printf(
        "check: %zu problem(s); the heap is inconsistent: restore it from a copy or "
        "re-create the node\n",
        problems.size());
    return cli::kRuntimeFailure;
  }
  std::printf("check: OK\n");
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
