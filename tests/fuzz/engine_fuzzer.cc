// libFuzzer target for the engine's live inbound path (issue 17; built
// when OPENLTP_FUZZ is ON): datagrams go through Engine::handle_inbound /
// handle_inbound_batch of two engines (the lock-step harness, two heaps in
// /dev/shm) that have blocks in flight both ways, not only through the
// codec. After every input both heaps must pass ipc::check_heap; every
// segment the engines send must decode and fit the span's segment size;
// no SDU may get two outcomes; handle_inbound may fail only for the heap.
// Every `epoch` inputs each pair is run until everything has aged out:
// nothing may be left (Lockstep::leftovers) and every SDU must have had
// exactly one outcome. ASan and UBSan watch the rest.
//
// Input: byte 0 picks one of four pairs (kVariants: plain; HMAC-SHA1-80
// both ways; HMAC-SHA256-128 one way and NULL the other, with cookies both
// ways; a 1.5 MB heap
// with 3 session slots and purge). The rest is a list of operations, each
// a control octet C whose low 3 bits say what it is:
//   0, 1  datagram: M, L, then L octets      2  the same with a 2-octet L
//         C bit 3: to engine 2 (else 1); C bits 4-7: serial pick (0: keep).
//         M bits 0-1: 0 raw bytes; if they decode, 1 aim at a session of
//         the receiver that fits the type, 2 at any session known, 3 as 1
//         and signed as the receiver's rule wants. M bits 2-7: which one.
//   3     K, S, V: resend the K-th last segment that crossed the link,
//         changed by S and V (duplicate, bit flip, cut, offset, serial,
//         type, length, session); C bit 3: back to its sender; C bit 4: sign.
//   4     T: let the link run T ms (T >= 200: (T - 199) * 250 ms).
//   5     everything due now, then the clock jumps to the next event.
//   6     O, V: a client or link action (send, cancel, link down/up,
//         restart, flush, loss on the link; O bit 3 picks the engine).
//   7     batch on/off: datagrams are collected and handed over as one
//         handle_inbound_batch per engine.
// Session numbers are random, so a fuzzer cannot guess them: it aims
// decoded segments at the sessions open (or remembered as closed) now,
// and the serial pick takes checkpoint and report serials that crossed.
//
// State persists across inputs (a fresh pair costs milliseconds, an input
// well under one); a pair with nothing in flight gets its starting blocks
// again, and every pair is drained and made afresh each epoch, so a run's
// memory stays flat. As a finding may need the inputs before it, the
// environment has:
//   ENGINE_FUZZ_EPOCH=N      inputs per epoch (default 256; 1 when libFuzzer
//                            is given files to run, as for a crash file)
//   ENGINE_FUZZ_HISTORY=P    the current epoch's inputs go to P.<pid> (kept
//                            only if the run dies; format: 4-octet little-
//                            endian length, input, repeated)
//   ENGINE_FUZZ_REPLAY=F     runs such a file from fresh pairs, drains, exits
//   ENGINE_FUZZ_DEBUG=1|2    what each epoch reached | also every operation
// -detect_leaks=0 and -use_counters=0 are the defaults (see
// LLVMFuzzerInitialize).
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ipc/heap_check.h"
#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/transaction.h"
#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"
#include "libltp/codec/encode.h"
#include "libltp/db/security_db.h"
#include "libltp/engine/engine.h"
#include "libltp/engine/testing/lockstep.h"

namespace {

namespace codec = ltp::codec;
namespace db = ltp::db;
namespace ipc = ltp::ipc;
using codec::Ciphersuite;
using codec::SegmentType;
using codec::SessionId;
using ltp::engine::EngineError;
using ltp::engine::kAllRed;
using ltp::engine::testing::Crossing;
using ltp::engine::testing::Lockstep;
using ltp::engine::testing::LockstepConfig;
using ltp::engine::testing::Verdict;

constexpr std::uint64_t kA = Lockstep::kA;
constexpr std::uint64_t kB = Lockstep::kB;

void discard_pairs();

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "engine_inbound_fuzzer: %s\n", what.c_str());
  std::fflush(stderr);
  // The trap ends the process without destructors: remove the pairs'
  // heaps and shared memory first (OPENLTP_KEEP_TEST_DIRS=DIR keeps the
  // heaps), as minimizing a finding fails thousands of times.
  discard_pairs();
  __builtin_trap();
}

// The key of every keyed rule; the fuzzer signs with it too, so that
// inputs can get past authentication and reach the sessions behind it.
const std::vector<std::uint8_t> kKey = {0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79,
                                        0x2d, 0x31, 0x37, 0x21, 0x09, 0x08, 0x07, 0x06};
constexpr const char* kKeyName = "fuzz";

struct Variant {
  const char* name;
  std::uint64_t heap_bytes;
  std::uint64_t segment_size;
  std::uint64_t aggregation_threshold;  // 1: one SDU per block
  std::uint64_t block_unit;             // octets per unit of a send's size octet
  std::uint64_t max_sessions;           // export and import slots
  std::uint64_t purge;                  // cancel exports when the link goes down
  std::uint64_t checkpoint_every;       // discretionary checkpoints
  std::uint64_t retransmission_cycles;
  // The receive rule engine 1 has for 2, and engine 2 for 1; the sender
  // has the matching transmit rule.
  std::array<std::optional<Ciphersuite>, 2> receive_rule;
  bool cookies = false;  // cookie rules both ways
};

constexpr std::size_t kVariants = 4;
const std::array<Variant, kVariants> kVariantTable = {{
    {.name = "plain",
     .heap_bytes = 16 << 20,
     .segment_size = 1000,
     .aggregation_threshold = 1,
     .block_unit = 64,
     .max_sessions = 10,
     .purge = 0,
     .checkpoint_every = 4,
     .retransmission_cycles = 0,
     .receive_rule = {}},
    {.name = "hmac-sha1-80 both ways",
     .heap_bytes = 16 << 20,
     .segment_size = 1000,
     .aggregation_threshold = 6000,  // SDUs aggregate into blocks
     .block_unit = 64,
     .max_sessions = 10,
     .purge = 0,
     .checkpoint_every = 0,
     .retransmission_cycles = 3,
     .receive_rule = {Ciphersuite::hmac_sha1_80, Ciphersuite::hmac_sha1_80}},
    {.name = "hmac-sha256-128 to 2, null to 1, cookies",
     .heap_bytes = 16 << 20,
     .segment_size = 700,
     .aggregation_threshold = 1,
     .block_unit = 64,
     .max_sessions = 6,
     .purge = 0,
     .checkpoint_every = 0,
     .retransmission_cycles = 0,
     .receive_rule = {Ciphersuite::null, Ciphersuite::hmac_sha256_128},
     .cookies = true},
    // Little room (no heapmax): blocks of up to 64 KB can run the allocator out.
    {.name = "small heap",
     .heap_bytes = 3 << 19,
     .segment_size = 500,
     .aggregation_threshold = 1,
     .block_unit = 256,
     .max_sessions = 3,
     .purge = 1,
     .checkpoint_every = 0,
     .retransmission_cycles = 0,
     .receive_rule = {}},
}};

std::optional<Ciphersuite> receive_rule(const Variant& v, std::uint64_t id) {
  return v.receive_rule[id - 1];
}

LockstepConfig config_for(const Variant& v, std::uint64_t seed) {
  LockstepConfig config;
  config.seed = seed;
  config.heap_bytes = v.heap_bytes;
  config.owlt_ms = 30;
  config.node.own_queuing_ms = 20;
  config.node.closed_memory_ms = 3000;
  config.span.max_segment_size = v.segment_size;
  config.span.aggregation_size_threshold = v.aggregation_threshold;
  config.span.aggregation_time_limit_ms = 50;
  config.span.queuing_latency_ms = 20;
  config.span.max_export_sessions = v.max_sessions;
  config.span.max_import_sessions = v.max_sessions;
  config.span.purge = v.purge;
  config.span.checkpoint_every_segments = v.checkpoint_every;
  config.span.max_retransmission_cycles = v.retransmission_cycles;
  config.span.checkpoint_limit = 4;
  config.span.report_limit = 4;
  config.span.cancel_limit = 2;
  config.span.stale_import_ms = 5000;
  config.configure = [&v](std::uint64_t id, ipc::Transaction& txn) {
    const auto mine = receive_rule(v, id);
    const auto peers = receive_rule(v, Lockstep::peer(id));
    if (!mine && !peers) return;
    auto secdb = db::SecurityDb::open_or_create(txn);
    if (!secdb) fail("security database");
    if (!secdb.value().add_key(txn, kKeyName, kKey)) fail("add key");
    auto add = [&](db::AuthDirection direction, Ciphersuite suite) {
      const db::AuthRule rule{Lockstep::peer(id), static_cast<std::uint64_t>(suite),
                              codec::needs_key(suite) ? kKeyName : ""};
      if (!secdb.value().add_rule(txn, direction, rule)) fail("add rule");
    };
    if (mine) add(db::AuthDirection::receive, *mine);
    if (peers) add(db::AuthDirection::transmit, *peers);
    if (v.cookies && !secdb.value().add_cookie_rule(txn, Lockstep::peer(id))) fail("cookie rule");
  };
  return config;
}

// One pair of engines of one variant, with what the checks need to know.
struct Pair {
  Pair(const Variant& v, std::uint64_t seed) : variant(v), net(config_for(v, seed)) {
    net.set_filter([this](const Crossing& x) { return link(x); });
  }
  Verdict link(const Crossing& x) {
    if (refilling) {
      // Some first-pass data is lost, so reports ask for retransmissions.
      const bool lose = codec::is_data(x.type) && x.index_of_type % 4 == 1;
      return Verdict{lose ? 0 : 1};
    }
    if (drop_next > 0) {
      --drop_next;
      return Verdict{0};
    }
    Verdict v;
    if (dup_next > 0) {
      --dup_next;
      v.copies = 2;
    }
    if (delay_next > 0) {
      --delay_next;
      v.delay_ms = 40;  // more than the OWLT: overtaken by later segments
    }
    return v;
  }

  const Variant& variant;
  Lockstep net;
  bool refilling = false;
  unsigned drop_next = 0, dup_next = 0, delay_next = 0;
  std::array<bool, 2> down{};                                       // link_state(down) given
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> sdus;      // (sender, number)
  std::map<std::pair<std::uint64_t, std::uint64_t>, int> outcomes;  // export outcomes seen
  std::array<std::size_t, 2> notices_seen{};
  std::size_t trace_checked = 0;
  std::uint64_t sends = 0;
  bool batching = false;
  std::array<std::vector<std::vector<std::uint8_t>>, 2> pending;  // per engine, batch mode
};

// The sessions an engine knows: exports (its own number) and imports
// (the peer's), open ones first, then those remembered as closed.
struct Known {
  std::vector<SessionId> exports, imports;  // open, then closed
  std::size_t open_exports = 0, open_imports = 0;
};

Known known_sessions(Pair& p, std::uint64_t id) {
  auto& engine = p.net.engine(id);
  auto begun = engine.heap().begin();
  if (!begun) fail("begin a transaction to list sessions");
  ipc::Transaction& txn = begun.value();
  const db::DbRoot root = engine.db().root(txn);
  const std::uint64_t peer = Lockstep::peer(id);
  auto numbers = [&](ipc::Addr map, std::uint64_t originator, std::vector<SessionId>& out) {
    std::vector<SessionId> found;
    ipc::PHashMap::open(txn, map).value().for_each(txn, [&](std::uint64_t number, std::uint64_t) {
      found.push_back({originator, number});
    });
    std::sort(found.begin(), found.end(),
              [](const SessionId& a, const SessionId& b) { return a.number < b.number; });
    out.insert(out.end(), found.begin(), found.end());
  };
  Known k;
  numbers(root.export_sessions, id, k.exports);
  k.open_exports = k.exports.size();
  numbers(root.closed_exports, id, k.exports);
  const auto span = engine.db().find_span(txn, peer);
  if (!span) fail("no span to the peer");
  const db::SpanRecord record = *txn.get<db::SpanRecord>(*span);
  numbers(record.import_sessions, peer, k.imports);
  k.open_imports = k.imports.size();
  numbers(record.closed_imports, peer, k.imports);
  txn.abort();
  return k;
}

// Segments that the receiver of the session sends (the others come from
// its originator).
bool from_receiver(SegmentType t) {
  return t == SegmentType::report || t == SegmentType::cancel_from_receiver ||
         t == SegmentType::cancel_ack_to_sender;
}

// Encodes `segment`, signed for engine `to` if `sign` and `to` has a
// receive rule (its extensions then replaced by the authentication ones).
std::optional<std::vector<std::uint8_t>> encode_for(const Pair& p, codec::Segment segment,
                                                    std::uint64_t to, bool sign) {
  const auto suite = sign ? receive_rule(p.variant, to) : std::nullopt;
  std::uint8_t suite_octet = 0;
  std::array<std::uint8_t, codec::kMaxMacSize> placeholder{};
  std::array<codec::Extension, 1> header_ext, trailer_ext;
  if (suite) {
    suite_octet = static_cast<std::uint8_t>(*suite);
    header_ext[0] = {0, {&suite_octet, 1}};
    trailer_ext[0] = {0, {placeholder.data(), codec::mac_size(*suite).value_or(0)}};
    segment.header.header_extensions =
        codec::ExtensionsView(std::span<const codec::Extension>(header_ext));
    segment.header.trailer_extensions =
        codec::ExtensionsView(std::span<const codec::Extension>(trailer_ext));
  }
  std::vector<std::uint8_t> bytes(codec::encoded_size(segment));
  if (!codec::encode(segment, bytes)) return std::nullopt;
  if (suite && !codec::sign_authentication(bytes, kKey)) return std::nullopt;
  return bytes;
}

// Checkpoint (or report) serials of `session` that `from` sent lately.
std::vector<std::uint64_t> serials_sent(const Pair& p, std::uint64_t from, SessionId session,
                                        bool reports) {
  std::vector<std::uint64_t> found;
  const auto& trace = p.net.trace();
  const std::size_t start = trace.size() > 512 ? trace.size() - 512 : 0;
  for (std::size_t i = start; i < trace.size(); ++i) {
    const Crossing& x = trace[i];
    if (x.from != from || !(x.session == session)) continue;
    if (reports ? x.type == SegmentType::report : codec::is_checkpoint(x.type)) {
      found.push_back(reports ? x.report_serial : x.checkpoint_serial);
    }
  }
  return found;
}

// Replaces the serials of a segment to `to` with ones that crossed for its
// session, so that it answers (or repeats) something real.
void pick_serials(const Pair& p, codec::Segment& segment, std::uint64_t to, unsigned pick) {
  const SessionId session = segment.header.session;
  const std::uint64_t peer = Lockstep::peer(to);
  auto choose = [pick](const std::vector<std::uint64_t>& from, std::uint64_t& field) {
    if (!from.empty()) field = from[pick % from.size()];
  };
  if (auto* d = std::get_if<codec::DataSegment>(&segment.body); d && d->checkpoint) {
    choose(serials_sent(p, peer, session, false), d->checkpoint->checkpoint_serial);
    if (pick & 8) choose(serials_sent(p, to, session, true), d->checkpoint->report_serial);
  } else if (auto* rs = std::get_if<codec::ReportSegment>(&segment.body)) {
    choose(serials_sent(p, to, session, false), rs->checkpoint_serial);
    if (pick & 8) choose(serials_sent(p, peer, session, true), rs->report_serial);
  } else if (auto* ra = std::get_if<codec::ReportAck>(&segment.body)) {
    choose(serials_sent(p, to, session, true), ra->report_serial);
  }
}

// ENGINE_FUZZ_DEBUG: 1 prints what each epoch reached, 2 also every
// operation (to read a finding's inputs).
int debug_level() {
  static const int level = [] {
    const char* e = std::getenv("ENGINE_FUZZ_DEBUG");
    return e ? std::atoi(e) : 0;
  }();
  return level;
}

std::string describe(std::span<const std::uint8_t> bytes) {
  const auto decoded = codec::decode(bytes);
  if (!decoded) return std::to_string(bytes.size()) + " octets that do not decode";
  const codec::Segment& s = decoded.value();
  std::string out = std::string(codec::type_name(s.header.type)) + " " +
                    std::to_string(s.header.session.originator) + "/" +
                    std::to_string(s.header.session.number);
  if (const auto* d = std::get_if<codec::DataSegment>(&s.body)) {
    out += " [" + std::to_string(d->offset) + ", +" + std::to_string(d->length()) + ")";
    if (d->checkpoint) {
      out += " CP " + std::to_string(d->checkpoint->checkpoint_serial) + " RS " +
             std::to_string(d->checkpoint->report_serial);
    }
  } else if (const auto* r = std::get_if<codec::ReportSegment>(&s.body)) {
    out += " RS " + std::to_string(r->report_serial) + " CP " +
           std::to_string(r->checkpoint_serial) + " [" + std::to_string(r->lower_bound) + ", " +
           std::to_string(r->upper_bound) + ") claims";
    for (const codec::Claim c : r->claims) {
      out += " " + std::to_string(c.offset) + "+" + std::to_string(c.length);
    }
  } else if (const auto* a = std::get_if<codec::ReportAck>(&s.body)) {
    out += " RS " + std::to_string(a->report_serial);
  } else if (const auto* c = std::get_if<codec::Cancel>(&s.body)) {
    out += " reason " + std::to_string(static_cast<int>(c->reason));
  }
  if (!s.header.header_extensions.empty()) out += " +extensions";
  return out;
}

void deliver(Pair& p, std::uint64_t to, std::vector<std::uint8_t> bytes) {
  if (debug_level() >= 2) {
    std::fprintf(stderr, "  t=%lu to %lu%s: %s\n", p.net.now(), to, p.batching ? " (batch)" : "",
                 describe(bytes).c_str());
  }
  if (p.batching) {
    p.pending[to - 1].push_back(std::move(bytes));
    return;
  }
  const auto r = p.net.engine(to).handle_inbound(bytes, p.net.now());
  if (!r && r.error() != EngineError::heap) fail("handle_inbound failed, not for the heap");
}

void flush_batches(Pair& p) {
  for (const std::uint64_t to : {kA, kB}) {
    auto& datagrams = p.pending[to - 1];
    if (datagrams.empty()) continue;
    std::vector<std::span<const std::uint8_t>> views(datagrams.begin(), datagrams.end());
    const auto r = p.net.engine(to).handle_inbound_batch(views, p.net.now());
    if (!r && r.error() != EngineError::heap) fail("handle_inbound_batch failed, not for the heap");
    datagrams.clear();
  }
}

// Reads the operations of one input; past its end every read is empty.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool done() const { return at_ >= bytes_.size(); }
  std::uint8_t byte() { return done() ? 0 : bytes_[at_++]; }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, bytes_.size() - at_);
    const auto out = bytes_.subspan(at_, n);
    at_ += n;
    return out;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

void datagram_op(Pair& p, Reader& in, std::uint8_t c) {
  const std::uint64_t to = c & 8 ? kB : kA;
  const unsigned serial_pick = c >> 4;
  const std::uint8_t aim = in.byte();
  std::size_t length = in.byte();
  if ((c & 7) == 2) length = length << 8 | in.byte();
  const auto raw = in.take(length);
  const unsigned mode = aim & 3;
  std::vector<std::uint8_t> bytes(raw.begin(), raw.end());
  if (mode == 0) return deliver(p, to, std::move(bytes));
  // The decoded segment's views point into the input, which outlives it.
  if (auto decoded = codec::decode(raw)) {
    codec::Segment segment = decoded.value();
    std::vector<SessionId> pool;
    const bool to_export = from_receiver(segment.header.type);
    const Known mine = known_sessions(p, to);
    if (mode == 2) {
      const Known theirs = known_sessions(p, Lockstep::peer(to));
      for (const auto* k : {&mine, &theirs}) {
        pool.insert(pool.end(), k->exports.begin(), k->exports.end());
        pool.insert(pool.end(), k->imports.begin(), k->imports.end());
      }
    } else {
      pool = to_export ? mine.exports : mine.imports;
    }
    if (!pool.empty()) segment.header.session = pool[(aim >> 2) % pool.size()];
    if (serial_pick != 0) pick_serials(p, segment, to, serial_pick);
    if (auto out = encode_for(p, segment, to, mode == 3)) bytes = std::move(*out);
  }
  deliver(p, to, std::move(bytes));
}

// Changes a segment that crossed the link (S picks how, V by how much).
std::vector<std::uint8_t> mutate(const Pair& p, const Crossing& x, std::uint64_t to, std::uint8_t s,
                                 std::uint8_t v, bool sign) {
  std::vector<std::uint8_t> bytes = x.bytes;
  const unsigned how = s & 7;
  if (how == 0 || bytes.empty()) return bytes;  // a duplicate (a replay of a signed one verifies)
  if (how == 1) {
    bytes[v % bytes.size()] ^= static_cast<std::uint8_t>(1u << (s >> 3 & 7));
    return bytes;
  }
  if (how == 2) {
    bytes.resize(v % bytes.size());
    return bytes;
  }
  auto decoded = codec::decode(bytes);
  if (!decoded) return bytes;
  codec::Segment segment = decoded.value();
  const bool big = s & 8;
  const auto delta = static_cast<std::int8_t>(v);
  auto nudge = [&](std::uint64_t& serial) {
    serial += static_cast<std::uint64_t>(static_cast<std::int64_t>(delta));
    if (serial == 0) serial = 1;
  };
  std::vector<codec::Claim> claims;
  auto* data = std::get_if<codec::DataSegment>(&segment.body);
  auto* report = std::get_if<codec::ReportSegment>(&segment.body);
  switch (how) {
    case 3:  // where: offsets and bounds
      if (data) data->offset = big ? std::uint64_t{v} * 16 : data->offset + v;
      if (report) (big ? report->lower_bound : report->upper_bound) += v;
      break;
    case 4:  // serials
      if (data && data->checkpoint) {
        nudge(big ? data->checkpoint->report_serial : data->checkpoint->checkpoint_serial);
      }
      if (report) nudge(big ? report->report_serial : report->checkpoint_serial);
      if (auto* ra = std::get_if<codec::ReportAck>(&segment.body)) nudge(ra->report_serial);
      break;
    case 5: {  // type, within the same kind of body
      const auto t = segment.header.type;
      if (codec::is_red_data(t) && data) {
        const auto nt = static_cast<SegmentType>(v % 4);
        if (codec::is_checkpoint(nt) && !data->checkpoint) {
          data->checkpoint = codec::CheckpointSerials{std::uint64_t{v} + 1, 0};
        }
        if (!codec::is_checkpoint(nt)) data->checkpoint.reset();
        segment.header.type = nt;
      } else if (codec::is_green_data(t)) {
        segment.header.type =
            t == SegmentType::green_data ? SegmentType::green_data_eob : SegmentType::green_data;
      } else if (t == SegmentType::cancel_from_sender || t == SegmentType::cancel_from_receiver) {
        segment.header.type = t == SegmentType::cancel_from_sender
                                  ? SegmentType::cancel_from_receiver
                                  : SegmentType::cancel_from_sender;
      } else if (t == SegmentType::cancel_ack_to_sender ||
                 t == SegmentType::cancel_ack_to_receiver) {
        segment.header.type = t == SegmentType::cancel_ack_to_sender
                                  ? SegmentType::cancel_ack_to_receiver
                                  : SegmentType::cancel_ack_to_sender;
      }
      break;
    }
    case 6:  // length: payload, claims, reason, client
      if (data) {
        if (big) {
          data->client_service_id = v;
        } else {
          data->payload = data->payload.first(std::max<std::size_t>(1, v % data->payload.size()));
        }
      }
      if (report && !report->claims.empty()) {
        claims.assign(report->claims.begin(), report->claims.end());
        claims.resize(std::max<std::size_t>(1, v % claims.size()));
        report->claims = codec::ClaimsView(std::span<const codec::Claim>(claims));
      }
      if (auto* cancel = std::get_if<codec::Cancel>(&segment.body)) {
        cancel->reason = static_cast<codec::CancelReason>(v);
      }
      break;
    case 7:  // session
      segment.header.session.number =
          big ? segment.header.session.number + v : segment.header.session.number ^ v;
      break;
  }
  auto out = encode_for(p, segment, to, sign);
  return out ? std::move(*out) : bytes;
}

void replay_op(Pair& p, Reader& in, std::uint8_t c) {
  const std::uint8_t k = in.byte(), s = in.byte(), v = in.byte();
  const auto& trace = p.net.trace();
  if (trace.empty()) return;
  const std::size_t back = k % std::min<std::size_t>(trace.size(), 256);
  const Crossing x = trace[trace.size() - 1 - back];
  const std::uint64_t to = c & 8 ? x.from : x.to;
  deliver(p, to, mutate(p, x, to, s, v, c & 16));
}

void send(Pair& p, std::uint64_t from, std::size_t size, std::uint64_t red) {
  const auto sid = p.net.send(from, Lockstep::pattern(size, ++p.sends), red);
  if (sid.number != 0) ++p.sdus[{from, sid.number}];
}

void client_op(Pair& p, Reader& in) {
  const std::uint8_t o = in.byte(), v = in.byte();
  const std::uint64_t id = o & 8 ? kB : kA;
  if (debug_level() >= 2) {
    static const char* const names[] = {"send",    "cancel export", "cancel import", "link down",
                                        "link up", "restart",       "flush",         "link loss"};
    std::fprintf(stderr, "  t=%lu engine %lu: %s %u\n", p.net.now(), id, names[o & 7], v);
  }
  Lockstep& net = p.net;
  auto& engine = net.engine(id);
  switch (o & 7) {
    case 0: {
      const std::size_t size = 1 + std::size_t{v} * p.variant.block_unit;
      const std::uint64_t red[] = {kAllRed, size / 2, 0, size - 1};
      send(p, id, size, red[o >> 4 & 3]);
      break;
    }
    case 1:
    case 2: {
      const Known k = known_sessions(p, id);
      const bool exports = (o & 7) == 1;
      const std::size_t open = exports ? k.open_exports : k.open_imports;
      if (open == 0) break;
      const SessionId s = (exports ? k.exports : k.imports)[v % open];
      (void)(exports ? engine.cancel_export(s.number, net.now())
                     : engine.cancel_import(s.originator, s.number, net.now()));
      break;
    }
    case 3:
    case 4: {
      const bool up = (o & 7) == 4;
      (void)engine.link_state(Lockstep::peer(id), up, net.now());
      p.down[id - 1] = !up;
      break;
    }
    case 5:
      net.restart(id);
      break;
    case 6:
      (void)engine.flush(Lockstep::peer(id), net.now());
      break;
    case 7:
      p.drop_next = v & 7;
      p.dup_next = v >> 3 & 7;
      p.delay_next = v >> 6;
      break;
  }
}

// Blocks both ways, stepped until data has crossed and reports are on
// their way back: export and import sessions, checkpoints, reports and
// their timers all exist when the input starts.
void refill(Pair& p) {
  p.refilling = true;
  send(p, kA, 6000, kAllRed);
  send(p, kA, 3000, 1000);
  send(p, kB, 5000, kAllRed);
  send(p, kB, 800, 0);
  for (const std::uint64_t id : {kA, kB})
    (void)p.net.engine(id).flush(Lockstep::peer(id), p.net.now());
  p.net.run(45);
  p.refilling = false;
}

bool idle(Pair& p) {
  const Known a = known_sessions(p, kA);
  const Known b = known_sessions(p, kB);
  return a.open_exports + a.open_imports + b.open_exports + b.open_imports == 0;
}

// The checks after every input.
void check(Pair& p) {
  Lockstep& net = p.net;
  for (const std::uint64_t id : {kA, kB}) {
    auto begun = net.engine(id).heap().begin();
    if (!begun) fail("begin a transaction to check the heap");
    const auto problems = ipc::check_heap(begun.value());
    begun.value().abort();
    if (!problems.empty()) {
      std::string all =
          std::string("heap of engine ") + (id == kA ? "1" : "2") + " (" + p.variant.name + "):";
      for (const auto& problem : problems) all += "\n  " + problem;
      fail(all);
    }
    const auto& notices = net.notices(id);
    for (std::size_t& i = p.notices_seen[id - 1]; i < notices.size(); ++i) {
      const auto type = notices[i].type;
      if (type != db::NoticeType::export_complete && type != db::NoticeType::export_cancelled) {
        continue;
      }
      const std::pair key{id, notices[i].session.number};
      if (notices[i].session.originator != id || ++p.outcomes[key] > p.sdus[key]) {
        fail("more export outcomes than SDUs for session " + std::to_string(key.second));
      }
    }
  }
  const auto& trace = net.trace();
  for (std::size_t& i = p.trace_checked; i < trace.size(); ++i) {
    if (trace[i].bytes.size() > p.variant.segment_size) {
      fail("engine " + std::to_string(trace[i].from) + " sent a segment of " +
           std::to_string(trace[i].bytes.size()) + " octets, over the segment size");
    }
  }
}

struct Fuzz {
  std::array<std::unique_ptr<Pair>, kVariants> pairs;
  std::uint64_t epoch = 256;
  std::uint64_t in_epoch = 0;
  int history = -1;
  std::string history_path;
};

Fuzz& fuzz() {
  static Fuzz f;
  return f;
}

// ENGINE_FUZZ_DEBUG=1: what the inputs of an epoch reached, per engine
// (are the checks looking at live sessions, or at refused nonsense?).
void print_reach(Pair& p) {
  for (const std::uint64_t id : {kA, kB}) {
    const auto st = p.net.engine(id).stats(Lockstep::peer(id));
    if (!st) continue;
    const db::SpanStats& s = st.value();
    std::fprintf(stderr,
                 "reach %s engine %lu: rx %lu (invalid %lu, closed %lu, limit %lu), CP rx %lu, RS "
                 "rx %lu, RA rx %lu, cancels rx %lu/%lu/%lu/%lu, imports done %lu cancelled %lu, "
                 "exports done %lu cancelled %lu, data resent %lu\n",
                 p.variant.name, id, s.segments_received, s.segments_dropped_invalid,
                 s.segments_dropped_closed, s.segments_dropped_limit, s.checkpoints_received,
                 s.reports_received, s.report_acks_received, s.cancels_received[0],
                 s.cancels_received[1], s.cancels_received[3], s.cancels_received[4],
                 s.import_sessions_completed, s.import_sessions_cancelled,
                 s.export_sessions_completed, s.export_sessions_cancelled,
                 s.data_segments_retransmitted);
  }
}

// The export sessions still open, for the report of a drain that failed.
std::string stuck_exports(Pair& p, std::uint64_t id) {
  auto& engine = p.net.engine(id);
  auto begun = engine.heap().begin();
  if (!begun) return {};
  ipc::Transaction& txn = begun.value();
  std::string out;
  ipc::PHashMap::open(txn, engine.db().root(txn).export_sessions)
      .value()
      .for_each(txn, [&](std::uint64_t number, std::uint64_t addr) {
        const db::ExportSession s = *txn.get<db::ExportSession>(addr);
        auto count = [&](ipc::Addr map) {
          return std::to_string(ipc::PHashMap::open(txn, map).value().size(txn));
        };
        out += "\n  engine " + std::to_string(id) + " export " + std::to_string(number) +
               ": state " + std::to_string(static_cast<int>(s.state)) + ", red " +
               std::to_string(s.red_length) + " of " + std::to_string(s.block_length) +
               ", first pass done " + std::to_string(s.first_pass_done) + " (cursor " +
               std::to_string(s.first_pass_cursor) + "), queued " +
               std::to_string(s.queue_node != ipc::kNullAddr) + ", checkpoints awaiting " +
               count(s.checkpoints) + ", reports handled " + count(s.handled_reports) + ", timer " +
               std::to_string(s.timer != ipc::kNullAddr) + ", outcomes " +
               std::to_string(p.outcomes[{id, number}]) + " of " +
               std::to_string(p.sdus[{id, number}]) + " SDUs";
      });
  txn.abort();
  return out;
}

// Runs the pair until everything has aged out: nothing may be left, and
// every SDU must have had exactly one outcome.
void drain(Pair& p) {
  flush_batches(p);
  p.batching = false;
  p.drop_next = p.dup_next = p.delay_next = 0;
  for (const std::uint64_t id : {kA, kB}) {
    if (p.down[id - 1]) (void)p.net.engine(id).link_state(Lockstep::peer(id), true, p.net.now());
    p.down[id - 1] = false;
  }
  if (!p.net.run()) fail(std::string("still busy after an hour (") + p.variant.name + ")");
  if (std::getenv("ENGINE_FUZZ_DEBUG")) print_reach(p);
  check(p);
  const auto left = p.net.leftovers();
  if (!left.empty()) {
    std::string all = std::string("left behind (") + p.variant.name + "):";
    for (const auto& l : left) all += "\n  " + l;
    for (const std::uint64_t id : {kA, kB}) all += stuck_exports(p, id);
    if (debug_level() >= 2) {
      all += "\nthe link:";
      for (const Crossing& x : p.net.trace()) {
        all += "\n  t=" + std::to_string(x.sent_at) + " " + std::to_string(x.from) + "->" +
               std::to_string(x.to) + ": " + describe(x.bytes);
      }
    }
    fail(all);
  }
  for (const auto& [key, count] : p.sdus) {
    const auto it = p.outcomes.find(key);
    if (it == p.outcomes.end() || it->second != count) {
      fail("session " + std::to_string(key.second) + " of engine " + std::to_string(key.first) +
           " sent " + std::to_string(count) + " SDUs, had " +
           std::to_string(it == p.outcomes.end() ? 0 : it->second) + " outcomes");
    }
  }
}

void discard_pairs() {
  for (auto& pair : fuzz().pairs) {
    try {
      pair.reset();
    } catch (...) {
      // Already failing: what is left stays in /dev/shm.
    }
  }
}

void record(std::span<const std::uint8_t> input) {
  Fuzz& f = fuzz();
  if (f.history < 0) return;
  const std::uint32_t n = static_cast<std::uint32_t>(input.size());
  const std::uint8_t length[4] = {static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                                  static_cast<std::uint8_t>(n >> 16),
                                  static_cast<std::uint8_t>(n >> 24)};
  iovec iov[2] = {{const_cast<std::uint8_t*>(length), 4},
                  {const_cast<std::uint8_t*>(input.data()), input.size()}};
  (void)!::writev(f.history, iov, 2);
}

void end_epoch() {
  Fuzz& f = fuzz();
  for (auto& pair : f.pairs) {
    if (pair) drain(*pair);
    pair.reset();
  }
  f.in_epoch = 0;
  if (f.history >= 0) {
    (void)!::ftruncate(f.history, 0);
    (void)::lseek(f.history, 0, SEEK_SET);
  }
}

void run_input(std::span<const std::uint8_t> input) {
  Fuzz& f = fuzz();
  record(input);
  if (!input.empty()) {
    const std::size_t which = input[0] % kVariants;
    auto& slot = f.pairs[which];
    if (!slot) slot = std::make_unique<Pair>(kVariantTable[which], 1000 + which);
    Pair& p = *slot;
    if (debug_level() >= 2) {
      std::fprintf(stderr, "input %lu of the epoch, %s\n", f.in_epoch, p.variant.name);
    }
    if (idle(p)) refill(p);
    Reader in(input.subspan(1));
    while (!in.done()) {
      const std::uint8_t c = in.byte();
      const unsigned kind = c & 7;
      if (kind <= 2) {
        datagram_op(p, in, c);
        continue;
      }
      flush_batches(p);
      switch (kind) {
        case 3:
          replay_op(p, in, c);
          break;
        case 4: {
          const std::uint8_t t = in.byte();
          const std::uint64_t ms = t < 200 ? t : (t - 199) * 250;
          if (debug_level() >= 2) std::fprintf(stderr, "  t=%lu run %lu ms\n", p.net.now(), ms);
          p.net.run(ms);
          break;
        }
        case 5:
          if (debug_level() >= 2)
            std::fprintf(stderr, "  t=%lu run to the next event\n", p.net.now());
          p.net.run(0);
          break;
        case 6:
          client_op(p, in);
          break;
        case 7:
          p.batching = !p.batching;
          break;
      }
    }
    flush_batches(p);
    p.batching = false;
    check(p);
  }
  if (++f.in_epoch >= f.epoch) end_epoch();
}

void guarded(std::span<const std::uint8_t> input) {
  // The harness throws when an engine misbehaves (a segment it sent does
  // not decode, engines that never settle): a finding like any other.
  try {
    run_input(input);
  } catch (const std::exception& e) {
    fail(std::string("exception: ") + e.what());
  }
}

void remove_history() {
  Fuzz& f = fuzz();
  if (f.history < 0) return;
  ::close(f.history);
  f.history = -1;
  std::filesystem::remove(f.history_path);
}

// ENGINE_FUZZ_REPLAY: the inputs a history file holds, from fresh pairs,
// then one drain; exits.
[[noreturn]] void replay_history(const char* path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<std::uint8_t> all((std::istreambuf_iterator<char>(file)),
                                      std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) fail(std::string("cannot read ") + path);
  Fuzz& f = fuzz();
  f.epoch = UINT64_MAX;
  std::size_t at = 0, count = 0;
  while (at + 4 <= all.size()) {
    const std::size_t n =
        all[at] | all[at + 1] << 8 | all[at + 2] << 16 | std::size_t{all[at + 3]} << 24;
    at += 4;
    const std::size_t take = std::min(n, all.size() - at);
    std::fprintf(stderr, "replay: input %zu, %zu octets\n", count, take);
    guarded(std::span(all).subspan(at, take));
    at += take;
    ++count;
  }
  try {
    end_epoch();
  } catch (const std::exception& e) {
    fail(std::string("exception: ") + e.what());
  }
  std::fprintf(stderr, "replay: %zu inputs from %s, no problem found\n", count, path);
  std::exit(0);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // This target's defaults, put before the given flags (the last of a
  // flag wins), as libFuzzer reads its flags after this call: no leak
  // check per input (state kept across inputs is not a leak, and the
  // check runs an input twice), and features from edges only (hit counts
  // depend on the state an input meets, and would make most inputs "new").
  static char no_leak_check[] = "-detect_leaks=0";
  static char edges_only[] = "-use_counters=0";
  static std::vector<char*> args;
  args.assign(*argv, *argv + *argc);
  args.insert(args.begin() + 1, {no_leak_check, edges_only});
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size() - 1);
  *argv = args.data();

  Fuzz& f = fuzz();
  // Running given files (a crash to reproduce): each from fresh pairs.
  for (int i = 1; i < *argc; ++i) {
    const char* arg = (*argv)[i];
    std::error_code ec;
    if (arg[0] != '-' && std::filesystem::is_regular_file(arg, ec)) f.epoch = 1;
  }
  if (const char* e = std::getenv("ENGINE_FUZZ_EPOCH"); e && *e) {
    f.epoch = std::max<std::uint64_t>(1, std::strtoull(e, nullptr, 10));
  }
  if (const char* r = std::getenv("ENGINE_FUZZ_REPLAY"); r && *r) replay_history(r);
  if (const char* h = std::getenv("ENGINE_FUZZ_HISTORY"); h && *h) {
    f.history_path = std::string(h) + "." + std::to_string(::getpid());
    f.history = ::open(f.history_path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
    if (f.history < 0) fail("cannot create " + f.history_path);
    // A normal end (time or runs used up) removes it; a crash leaves it.
    std::atexit(remove_history);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  guarded(std::span<const std::uint8_t>(data, size));
  return 0;
}
