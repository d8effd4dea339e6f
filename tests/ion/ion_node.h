// IonNode: a live ION 4.1.3 node (NASA JPL's reference implementation,
// built by build-ion) as the peer of OpenLTP in a test, on loopback.
//
// The ION interoperability tests (tests/ion/ion_interop_test.cc) and any
// later test against ION call it: start() writes the node's .ionrc and
// .ltprc (and, for authentication, .ionsecrc and .ltpsecrc) in a temporary
// directory of the test's own and runs ionadmin, ionsecadmin, ltpsecadmin
// and ltpadmin there, as ION's ionstart does; run() starts ION's other
// programs (ltpdriver, ltpcounter); stop(), also run by the destructor,
// ends the node.
//
// What ION needs, and how this keeps it away from everything else:
// - ION's programs have the names of OpenLTP's (ltpadmin, ltpclock,
//   udplsi...): each is started by its full path under ION's prefix, and
//   the test's own PATH never names ION. ION starts its daemons itself by
//   name (execlp), so the environment it gets has PATH set to ION's bin/
//   and nothing else: it can find only its own programs.
// - Each node has its own ION_NODE_LIST_DIR and working directory, which
//   also identify its processes (tests/ion/ion_cleanup.h).
// - ION's shared memory and semaphores are machine-wide (fixed keys, and
//   /dev/shm/sem.ion:GLOBAL:*): ION nodes of one process at a time on the
//   machine, under an flock on /tmp/openltp-ion.lock that its nodes share
//   (each node has its own working-memory key and SDR name, so a bench
//   can run an ION pair); what a node creates is found by comparing with
//   a snapshot taken before it starts, so a process stops its nodes in
//   the reverse order of their starts.
// - stop() kills the node's processes by pid and removes only the IPC
//   that appeared since the snapshot; a watchdog process does the same if
//   the test dies first (tests/ion/ion_watchdog.h). ION's ionstop, killm
//   and `ltpadmin .` kill by name and are never run.
// Waits are for events: lines in ion.log (inotify), a process's exit.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/testing/temp_dir.h"
#include "tests/ion/ion_cleanup.h"
#include "tests/ion/ion_watchdog.h"
#include "tests/tools/tool_process.h"

namespace ltp::ion_test {

// RFC 5327 authentication on the ION side: a named key (ionsecadmin
// `a key NAME FILE`) and rules (ltpsecadmin `a ltprecvauthrule ENGINE
// SUITE NAME`, `a ltpxmitauthrule ...`). ION applies them only when built
// with --ltpauth.
struct IonAuth {
  std::string key_name = "openltp-test-key";
  std::string key;                          // the key's octets, as they go in the key file
  int ciphersuite = 0;                      // 0 HMAC-SHA1-80, 1 RSA-SHA256, 255 NULL (no key named)
  std::vector<std::uint64_t> receive_from;  // engines whose segments must be authenticated
  std::vector<std::uint64_t> transmit_to;   // engines whose segments ION signs
};

struct IonNodeConfig {
  std::uint64_t engine = 2;  // ION's node and LTP engine number
  int lsi_port = 0;          // ION's udplsi listens on 127.0.0.1:lsi_port
  std::uint64_t peer_engine = 1;
  int peer_port = 0;  // ION's udplso sends to 127.0.0.1:peer_port
  // The contact plan's rate, each way: ION's udplso paces to it, and ION
  // drops (screens) segments from a peer without a contact toward it.
  std::uint64_t bytes_per_second = 12'500'000;
  int max_sessions = 32;
  int max_segment_size = 1400;
  // ION's screening (`m screening`, on by default in ION) drops segments
  // from a peer until ION's clocks have applied a contact from it: up to
  // about 3 s after the start (rfxclock and ltpclock act on 1-second ticks,
  // one after the other), with no event to wait for. Off here, so that the
  // node takes segments once started; start() still waits until ION sends
  // and runs its timers (ltpadmin's `i span` shows both rates).
  bool screening = false;
  // ltprc's `m maxber`, from which ION derives its retransmission limits
  // ("max timeouts" in ion.log: 4 with ION's default, 1e-6). ION's udplsi
  // overflows its socket and answers late when the machine is busy (a
  // build on 2 cores), so it treats the loopback link as a lossy one.
  std::string maxber = "0.0001";
  std::optional<IonAuth> auth;
  // The contact plan's one-way light time (`a range`), seconds.
  std::uint64_t owlt_s = 0;
  // When the contacts each way are up, as ionrc times (`+S` from when the
  // plan is loaded, or absolute `yyyy/mm/dd-hh:mm:ss` UTC); none: a day
  // from the start.
  struct Contact {
    std::string from, until;
  };
  std::vector<Contact> contacts;
  // ION's heap (ionconfig `heapWords`, 8 octets each): blocks being
  // received, and sent ones when not in files, live there.
  long heap_words = 2'500'000;
};

// The files start() writes, from the configuration (the node's own
// directory is `dir`, ION's shared-memory key `wm_key`).
std::string ion_config_text(const std::filesystem::path& dir, long wm_key,
                            long heap_words = 2'500'000);
std::string ionrc_text(const IonNodeConfig& config);
// Its contacts and range: ionrc lines that OpenLTP's ionadmin takes too.
std::string contact_plan_text(const IonNodeConfig& config);
std::string ltprc_text(const IonNodeConfig& config);
std::string ionsecrc_text(const IonAuth& auth, const std::string& key_file);
std::string ltpsecrc_text(const IonAuth& auth);

// What ION's ltpcounter printed when it stopped (-1: not printed).
struct CounterReport {
  long long cancelled = -1, blocks = -1, bytes = -1;
  bool stopped = false;  // "Stopping ltpcounter."
};
CounterReport parse_counter_output(const std::string& out);

class IonNode {
 public:
  explicit IonNode(std::filesystem::path prefix);
  ~IonNode();

  // Starts the node; "" or why not (with ION's log).
  std::string start(const IonNodeConfig& config);
  // Kills its processes, removes its IPC; "" or what was left. Idempotent.
  std::string stop();
  // stop(), then start() with the same configuration: a new ION node (its
  // shared memory made afresh, so its session numbers count from 1 again),
  // its earlier log kept as ion.log.before-restart-N.
  std::string restart();

  // Starts ION's `program` (a name in its bin/) in the node's directory.
  std::unique_ptr<tools_test::ToolProcess> run(const std::string& program,
                                               const std::vector<std::string>& args);
  // ltpcounter: counts the blocks for `client` and exits once it has
  // `max_bytes` (0: ION's default, 2 billion; stop it with SIGINT).
  std::unique_ptr<tools_test::ToolProcess> start_counter(unsigned client,
                                                         std::uint64_t max_bytes = 0);
  // Waits until the counter holds its client service, so a block sent
  // from now on reaches it. ltpcounter prints nothing then; its second
  // thread (the progress printer) starts right after ltp_open succeeds.
  bool await_counter_open(tools_test::ToolProcess& counter,
                          std::chrono::milliseconds limit = std::chrono::seconds(30));
  // ltpdriver: `cycles` blocks of `size` octets to `engine`'s `client`,
  // the last `green` of each green. It exits once ION has the blocks,
  // before they are delivered. (A size of 1 means random sizes to
  // ltpdriver: not offered here.)
  std::unique_ptr<tools_test::ToolProcess> start_driver(std::uint64_t engine, unsigned client,
                                                        int cycles, std::size_t size,
                                                        std::size_t green = 0);
  // The file ltpdriver sends from: each block is its first `size` octets.
  std::filesystem::path driver_sdu_file() const { return dir_ / "ltpdriverSduFile"; }

  // What the node's watchdog does besides ending ION if the test dies
  // (see if_test_dies() in ion_watchdog.h): e.g. stop the test's OpenLTP
  // node. Only while the node runs.
  void if_test_dies(const std::vector<std::string>& words);

  // Waits until ion.log holds `text` `count` times; false after `limit`.
  bool await_log(std::string_view text, int count = 1,
                 std::chrono::milliseconds limit = std::chrono::seconds(30));
  std::string log() const;
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& prefix() const { return prefix_; }

 private:
  // Runs an admin program on an rc file and waits for it; "" or what went
  // wrong (ION reports errors in ion.log as "at line N of FILE, ...").
  std::string run_admin(const std::string& program, const std::string& rc_file);
  // Waits until ION transmits to `peer` and runs its timers for it.
  std::string await_span_up(std::uint64_t peer);
  IonNodeIdentity identity() const { return {prefix_, dir_, node_list_dir_}; }
  std::string lock();
  void unlock();

  std::filesystem::path prefix_;
  ipc::testing::TempDir temp_;
  std::filesystem::path dir_, node_list_dir_;
  std::vector<std::string> env_;
  IpcSnapshot before_;
  int lock_fd_ = -1;
  std::unique_ptr<IonWatchdog> watchdog_;
  bool started_ = false;
  IonNodeConfig config_;                         // start()'s, for restart()
  std::vector<std::vector<std::string>> dying_;  // if_test_dies()'s, kept across restarts
  int restarts_ = 0;
};

}  // namespace ltp::ion_test
