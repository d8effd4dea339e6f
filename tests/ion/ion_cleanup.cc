#include "tests/ion/ion_cleanup.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "tests/tools/tool_process.h"

namespace ltp::ion_test {
namespace {

namespace fs = std::filesystem;

constexpr char kNamedSemPrefix[] = "sem.ion:";

std::string canonical_text(const fs::path& path) {
  std::error_code ec;
  const auto canonical = fs::weakly_canonical(path, ec);
  return (ec ? path : canonical).string();
}

bool node_process(pid_t pid, const IonNodeIdentity& node) {
  std::error_code ec;
  const auto proc = fs::path("/proc") / std::to_string(pid);
  const std::string exe = fs::read_symlink(proc / "exe", ec).string();
  if (ec) return false;  // gone, a zombie, or a kernel thread
  const std::string bin = canonical_text(node.prefix / "bin") + "/";
  if (exe.compare(0, bin.size(), bin) != 0) return false;
  if (fs::read_symlink(proc / "cwd", ec) == fs::path(canonical_text(node.node_dir)) && !ec) {
    return true;
  }
  // A daemon could change directory; ION_NODE_LIST_DIR, which each of them
  // inherits from the admin program we started, still names the test.
  std::ifstream in(proc / "environ", std::ios::binary);
  const std::string wanted = "ION_NODE_LIST_DIR=" + canonical_text(node.node_list_dir);
  for (std::string entry; std::getline(in, entry, '\0');) {
    if (entry == wanted) return true;
  }
  return false;
}

struct SysvObject {
  long key = 0, id = 0, attached = 0;
};

// /proc/sysvipc/shm or sem: a header line, then "key id perms ..." (shm's
// nattch is its 7th column).
std::vector<SysvObject> sysv_objects(const char* table, bool shm) {
  std::vector<SysvObject> objects;
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    SysvObject object;
    long perms = 0, size = 0, cpid = 0, lpid = 0;
    fields >> object.key >> object.id >> perms;
    if (shm) fields >> size >> cpid >> lpid >> object.attached;
    if (fields) objects.push_back(object);
  }
  return objects;
}

std::set<std::string> named_semaphores() {
  std::set<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it("/dev/shm", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind(kNamedSemPrefix, 0) == 0) names.insert(name);
  }
  return names;
}

}  // namespace

std::vector<pid_t> find_ion_processes(const IonNodeIdentity& node) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = std::stoi(name);
    if (pid <= 1 || pid == ::getpid()) continue;
    if (node_process(pid, node)) pids.push_back(pid);
  }
  return pids;
}

std::string kill_ion_processes(const IonNodeIdentity& node, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const auto pids = find_ion_processes(node);
    if (pids.empty()) return {};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::string text = "ION processes still running:";
      for (pid_t pid : pids) text += fmt::format(" {}", pid);
      return text;
    }
    std::vector<int> pidfds;
    for (pid_t pid : pids) {
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
      if (pidfd < 0) continue;  // ended meanwhile
      // Checked again now that the pidfd holds the process: the pid cannot
      // be handed to another process between this check and the signal.
      if (node_process(pid, node)) {
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
        pidfds.push_back(pidfd);
      } else {
        ::close(pidfd);
      }
    }
    for (int pidfd : pidfds) {
      tools_test::await_pidfd(pidfd, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         deadline - std::chrono::steady_clock::now()));
      ::close(pidfd);
    }
    // Looks again: a daemon may have started another process (rfxclock
    // runs ionwarn) between the scan and the kill.
  }
}

IpcSnapshot IpcSnapshot::take() {
  IpcSnapshot snapshot;
  for (const auto& o : sysv_objects("/proc/sysvipc/shm", true)) snapshot.shm.insert({o.key, o.id});
  for (const auto& o : sysv_objects("/proc/sysvipc/sem", false)) snapshot.sem.insert({o.key, o.id});
  snapshot.named_sems = named_semaphores();
  return snapshot;
}

std::string IpcSnapshot::to_text() const {
  std::string text;
  for (const auto& [key, id] : shm) text += fmt::format("shm {} {}\n", key, id);
  for (const auto& [key, id] : sem) text += fmt::format("sem {} {}\n", key, id);
  for (const auto& name : named_sems) text += fmt::format("named {}\n", name);
  return text;
}

std::optional<IpcSnapshot> IpcSnapshot::from_text(const std::string& text) {
  IpcSnapshot snapshot;
  std::istringstream lines(text);
  for (std::string kind; lines >> kind;) {
    if (kind == "named") {
      std::string name;
      if (!(lines >> name)) return std::nullopt;
      snapshot.named_sems.insert(name);
      continue;
    }
    long key = 0, id = 0;
    if (!(lines >> key >> id) || (kind != "shm" && kind != "sem")) return std::nullopt;
    (kind == "shm" ? snapshot.shm : snapshot.sem).insert({key, id});
  }
  return snapshot;
}

std::string remove_new_ipc(const IpcSnapshot& before) {
  std::string left;
  for (const auto& o : sysv_objects("/proc/sysvipc/shm", true)) {
    if (before.shm.contains({o.key, o.id})) continue;
    // Attached means a live process uses it: not a dead node's.
    if (o.attached != 0 || ::shmctl(static_cast<int>(o.id), IPC_RMID, nullptr) != 0) {
      left += fmt::format(" shm key {:#x} id {} ({} attached)", o.key, o.id, o.attached);
    }
  }
  for (const auto& o : sysv_objects("/proc/sysvipc/sem", false)) {
    if (before.sem.contains({o.key, o.id})) continue;
    if (::semctl(static_cast<int>(o.id), 0, IPC_RMID) != 0) {
      left += fmt::format(" sem key {:#x} id {}", o.key, o.id);
    }
  }
  for (const auto& name : named_semaphores()) {
    if (before.named_sems.contains(name)) continue;
    std::error_code ec;
    if (!fs::remove(fs::path("/dev/shm") / name, ec)) left += " /dev/shm/" + name;
  }
  return left.empty() ? std::string() : "IPC left behind:" + left;
}

}  // namespace ltp::ion_test
