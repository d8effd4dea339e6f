#include "tests/ion/ion_node.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

namespace ltp::ion_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Machine-wide, as ION's IPC is: see the header.
constexpr char kLockPath[] = "/tmp/openltp-ion.lock";
constexpr auto kAdminLimit = std::chrono::milliseconds(60s);
// Contacts and ranges last a day: longer than any test.
constexpr int kPlanSeconds = 86400;

int occurrences(std::string_view text, std::string_view what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

long long value_after(const std::string& text, const std::string& label) {
  const auto at = text.find(label + ": ");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + label.size() + 2));
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A key for ION's working memory that no shared memory on the machine
// has now (ION's default, 0xff01, would attach to any other ION's).
long free_wm_key(const IpcSnapshot& now) {
  for (long key = 0x4f4c0000 + (::getpid() & 0xfff);; ++key) {
    bool used = false;
    for (const auto& [k, id] : now.shm) used = used || k == key;
    if (!used) return key;
  }
}

}  // namespace

std::string ion_config_text(const fs::path& dir, long wm_key, long heap_words) {
  // ION's defaults are too small for a 1 MB block: segmenting it is one
  // transaction whose log outgrows the 1 MB SDR working memory, and ION's
  // ltpmeter then ends. The SDR is named after the working memory's key:
  // ION finds SDRs by name, machine-wide, so two nodes need two names.
  return fmt::format(
      "wmKey {0}\n"
      "sdrName openltp{0:x}\n"
      "wmSize 20000000\n"
      "sdrWmSize 20000000\n"
      "heapWords {2}\n"
      "pathName {1}\n",
      wm_key, dir.string(), heap_words);
}

std::string ionrc_text(const IonNodeConfig& c) {
  return fmt::format("1 {} node.ionconfig\ns\nm horizon +0\n", c.engine) + contact_plan_text(c);
}

std::string contact_plan_text(const IonNodeConfig& c) {
  std::string text;
  auto contacts = c.contacts;
  if (contacts.empty()) contacts.push_back({"+0", fmt::format("+{}", kPlanSeconds)});
  for (const auto& contact : contacts) {
    for (const auto& [from, to] : {std::pair{c.engine, c.peer_engine}, {c.peer_engine, c.engine}}) {
      text += fmt::format("a contact {} {} {} {} {}\n", contact.from, contact.until, from, to,
                          c.bytes_per_second);
    }
  }
  text += fmt::format("a range +0 +{} {} {} {}\n", kPlanSeconds, c.engine, c.peer_engine, c.owlt_s);
  return text;
}

std::string ltprc_text(const IonNodeConfig& c) {
  // Aggregation size 1: each ltp_send is a block of its own.
  return fmt::format(
      "1 {sessions}\n"
      "m maxber {maxber}\n"
      "{screening}"
      "a span {peer} {sessions} {sessions} {segment} 1 1 'udplso 127.0.0.1:{peer_port}'\n"
      "a seat 'udplsi 127.0.0.1:{port}'\n"
      "s\n",
      fmt::arg("sessions", c.max_sessions), fmt::arg("maxber", c.maxber),
      fmt::arg("screening", c.screening ? "" : "m screening n\n"), fmt::arg("peer", c.peer_engine),
      fmt::arg("segment", c.max_segment_size), fmt::arg("peer_port", c.peer_port),
      fmt::arg("port", c.lsi_port));
}

std::string ionsecrc_text(const IonAuth& auth, const std::string& key_file) {
  return fmt::format("1\na key {} {}\n", auth.key_name, key_file);
}

std::string ltpsecrc_text(const IonAuth& auth) {
  // The NULL suite's key is published: ION takes no key name with it.
  const std::string key = auth.ciphersuite == 255 ? "" : " " + auth.key_name;
  std::string text;
  for (auto engine : auth.receive_from) {
    text += fmt::format("a ltprecvauthrule {} {}{}\n", engine, auth.ciphersuite, key);
  }
  for (auto engine : auth.transmit_to) {
    text += fmt::format("a ltpxmitauthrule {} {}{}\n", engine, auth.ciphersuite, key);
  }
  return text;
}

CounterReport parse_counter_output(const std::string& out) {
  return {value_after(out, "Sessions canceled"), value_after(out, "Blocks received"),
          value_after(out, "Bytes received"),
          out.find("Stopping ltpcounter.") != std::string::npos};
}

IonNode::IonNode(fs::path prefix) : prefix_(std::move(prefix)) {
  dir_ = fs::weakly_canonical(temp_.path());
  node_list_dir_ = dir_ / "node-list";
  fs::create_directories(node_list_dir_);
  env_ = {"ION_NODE_LIST_DIR=" + node_list_dir_.string(), "PATH=" + (prefix_ / "bin").string(),
          "HOME=" + dir_.string(), "LC_ALL=C"};
}

IonNode::~IonNode() {
  if (const auto left = stop(); !left.empty()) std::fprintf(stderr, "IonNode: %s\n", left.c_str());
}

// The process's hold on the machine-wide lock: one open file, flocked;
// each running node (and its watchdog) keeps a duplicate of it, so the
// lock is let go when the last of them closes.
struct ProcessLock {
  std::mutex mutex;
  int fd = -1;
  int holders = 0;
};
ProcessLock& process_lock() {
  static ProcessLock lock;
  return lock;
}

std::string IonNode::lock() {
  unlock();
  auto& shared = process_lock();
  std::lock_guard guard(shared.mutex);
  if (shared.holders == 0) {
    shared.fd = ::open(kLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (shared.fd < 0) return fmt::format("cannot open {}", kLockPath);
    if (::flock(shared.fd, LOCK_EX | LOCK_NB) != 0) {
      std::fprintf(stderr, "IonNode: waiting for another process's ION node (%s)\n", kLockPath);
      if (::flock(shared.fd, LOCK_EX) != 0) {
        ::close(shared.fd);
        shared.fd = -1;
        return fmt::format("cannot lock {}", kLockPath);
      }
    }
  }
  lock_fd_ = ::fcntl(shared.fd, F_DUPFD_CLOEXEC, 0);
  if (lock_fd_ < 0) return fmt::format("cannot hold {}", kLockPath);
  ++shared.holders;
  return {};
}

void IonNode::unlock() {
  if (lock_fd_ < 0) return;
  ::close(lock_fd_);
  lock_fd_ = -1;
  auto& shared = process_lock();
  std::lock_guard guard(shared.mutex);
  if (--shared.holders == 0) {
    ::close(shared.fd);
    shared.fd = -1;
  }
}

std::string IonNode::start(const IonNodeConfig& config) {
  if (started_) return "the ION node is already started";
  config_ = config;
  if (auto locked = lock(); !locked.empty()) return locked;
  before_ = IpcSnapshot::take();
  started_ = true;  // from here on stop() cleans up and lets go of the lock
  const auto snapshot_file = dir_ / "ipc-before.txt";
  write_file(snapshot_file, before_.to_text());
  std::string error;
  watchdog_ = IonWatchdog::start(identity(), snapshot_file, lock_fd_, error);
  if (!watchdog_) return error;
  for (const auto& words : dying_) ion_test::if_test_dies(dir_, words);

  write_file(dir_ / "node.ionconfig",
             ion_config_text(dir_, free_wm_key(before_), config.heap_words));
  write_file(dir_ / "node.ionrc", ionrc_text(config));
  write_file(dir_ / "node.ltprc", ltprc_text(config));
  if (auto ran = run_admin("ionadmin", "node.ionrc"); !ran.empty()) return ran;
  if (!await_log("[i] rfxclock is running.")) return "ION's rfxclock did not start:\n" + log();
  if (config.auth) {
    write_file(dir_ / "ltp-auth.key", config.auth->key);
    write_file(dir_ / "node.ionsecrc", ionsecrc_text(*config.auth, "ltp-auth.key"));
    write_file(dir_ / "node.ltpsecrc", ltpsecrc_text(*config.auth));
    if (auto ran = run_admin("ionsecadmin", "node.ionsecrc"); !ran.empty()) return ran;
    if (auto ran = run_admin("ltpsecadmin", "node.ltpsecrc"); !ran.empty()) return ran;
  }
  if (auto ran = run_admin("ltpadmin", "node.ltprc"); !ran.empty()) return ran;
  const std::vector<std::string> running{
      "[i] ltpclock is running.", "[i] ltpdeliv is running.", "[i] ltpmeter is running.",
      "[i] udplso is running",
      fmt::format("[i] udplsi is running, spec=[127.0.0.1:{}].", config.lsi_port)};
  for (const auto& line : running) {
    if (!await_log(line)) return fmt::format("ION did not log \"{}\":\n{}", line, log());
  }
  return await_span_up(config.peer_engine);
}

std::string IonNode::await_span_up(std::uint64_t peer) {
  // ION logs nothing when a contact takes effect: ask ltpadmin (`i span`
  // only reads) between short pauses, for a bounded time.
  write_file(dir_ / "span-info.ltprc", fmt::format("i span {}\n", peer));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string out;
  while (std::chrono::steady_clock::now() < deadline) {
    auto info = run("ltpadmin", {"span-info.ltprc"});
    if (info->wait(kAdminLimit) != 0) break;
    out = info->out();
    if (value_after(out, "localXmit") > 0 && value_after(out, "remoteXmit") > 0) return {};
    std::this_thread::sleep_for(50ms);
  }
  return fmt::format("ION's span to engine {} did not come up: {}\n{}", peer, out, log());
}

std::string IonNode::run_admin(const std::string& program, const std::string& rc_file) {
  const int errors_before = occurrences(log(), " at line ");
  auto admin = run(program, {rc_file});
  const auto status = admin->wait(kAdminLimit);
  const std::string out = admin->out() + admin->err();
  const bool complained = out.find("Syntax error") != std::string::npos ||
                          out.find("Unknown") != std::string::npos ||
                          occurrences(log(), " at line ") > errors_before;
  if (status == 0 && !complained) return {};
  return fmt::format("{} {}: {}\nion.log:\n{}", admin->command(),
                     status ? fmt::format("exited with {}", *status) : "did not finish", out,
                     log());
}

std::string IonNode::stop() {
  if (!started_) return {};
  started_ = false;
  std::string left = kill_ion_processes(identity());
  const std::string ipc = remove_new_ipc(before_);
  if (!ipc.empty()) left += (left.empty() ? "" : "; ") + ipc;
  watchdog_.reset();  // the node is stopped: the watchdog ends quietly
  unlock();
  return left;
}

std::unique_ptr<tools_test::ToolProcess> IonNode::run(const std::string& program,
                                                      const std::vector<std::string>& args) {
  std::vector<std::string> argv{(prefix_ / "bin" / program).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<tools_test::ToolProcess>(argv, dir_,
                                                   tools_test::SpawnOptions{dir_, env_});
}

std::unique_ptr<tools_test::ToolProcess> IonNode::start_counter(unsigned client,
                                                                std::uint64_t max_bytes) {
  std::vector<std::string> args{std::to_string(client)};
  if (max_bytes != 0) args.push_back(std::to_string(max_bytes));
  return run("ltpcounter", args);
}

bool IonNode::await_counter_open(tools_test::ToolProcess& counter,
                                 std::chrono::milliseconds limit) {
  // Nothing to wait on but the thread's appearance: short waits for the
  // process's exit between looks.
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (counter.threads() >= 2) return true;
    if (counter.wait(2ms)) return false;
  }
  return false;
}

std::unique_ptr<tools_test::ToolProcess> IonNode::start_driver(std::uint64_t engine,
                                                               unsigned client, int cycles,
                                                               std::size_t size,
                                                               std::size_t green) {
  return run("ltpdriver", {std::to_string(engine), std::to_string(client), std::to_string(cycles),
                           std::to_string(green), std::to_string(size)});
}

void IonNode::if_test_dies(const std::vector<std::string>& words) {
  dying_.push_back(words);
  if (started_) ion_test::if_test_dies(dir_, words);
}

std::string IonNode::restart() {
  if (auto left = stop(); !left.empty()) return left;
  // start() waits for log lines that the first start wrote too.
  std::error_code ec;
  std::filesystem::rename(dir_ / "ion.log",
                          dir_ / fmt::format("ion.log.before-restart-{}", ++restarts_), ec);
  return start(config_);
}

bool IonNode::await_log(std::string_view text, int count, std::chrono::milliseconds limit) {
  // inotify on the directory: ion.log may not exist yet.
  const int watch = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (watch < 0) return false;
  ::inotify_add_watch(watch, dir_.c_str(), IN_MODIFY | IN_CREATE);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool found = false;
  while (!(found = occurrences(log(), text) >= count)) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd ready{watch, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (::read(watch, events, sizeof events) > 0) {
      }
    }
  }
  ::close(watch);
  return found;
}

std::string IonNode::log() const {
  std::ifstream in(dir_ / "ion.log");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ltp::ion_test
