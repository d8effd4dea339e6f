#include "libltp/engine/testing/lockstep.h"

#include "ipc/heap.h"
#include "libltp/db/volatile_db.h"
#include "libltp/engine/rate_model.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "ipc/transaction.h"
#include "libltp/codec/decode.h"
#include "libltp/db/ltp_db.h"

namespace ltp::engine::testing {

namespace {
[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("lockstep: ") + what);
}
}  // namespace

std::filesystem::path scratch_base() {
  if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return {};
}

std::vector<Crossing> Lockstep::crossings(codec::SegmentType type) const {
  return crossings([type](const Crossing& c) { return c.type == type; });
}

std::vector<Crossing> Lockstep::crossings(const std::function<bool(const Crossing&)>& keep) const {
  std::vector<Crossing> picked;
  for (const auto& c : trace_) {
    if (keep(c)) picked.push_back(c);
  }
  return picked;
}

std::vector<std::uint8_t> Lockstep::pattern(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

LockstepConfig long_link_config(std::uint64_t owlt_ms, std::uint64_t rate, bool told) {
  LockstepConfig c;
  c.owlt_ms = owlt_ms;
  c.link_rate = rate;
  c.transmit_rate = told ? rate : 0;
  c.span.max_segment_size = 1400;
  c.span.aggregation_size_threshold = 1;
  c.span.aggregation_time_limit_ms = 10;
  return c;
}

Lockstep::Lockstep(const LockstepConfig& config) : config_(config) {
  for (std::uint64_t id = 1; id <= config_.nodes; ++id) {
    sides_.push_back(std::make_unique<Side>());
    setup(*sides_.back(), id);
  }
}

Lockstep::Side::~Side() {
  engine.reset();
  segment.reset();
  if (node) ipc::VolatileSegment::remove(*node);
}

void Lockstep::setup(Side& s, std::uint64_t id) {
  s.id = id;
  s.batch.set_exclusive(config_.exclusive_batches);
  s.node.emplace(ipc::NodeDir::at(s.dir.path()).value());
  const std::uint64_t heap_bytes = id == kB && config_.receiver_heap_bytes != 0
                                       ? config_.receiver_heap_bytes
                                       : config_.heap_bytes;
  if (!ipc::Heap::create(s.node->heap_path(), {.size = heap_bytes, .log_size = 1 << 20})) {
    fail("heap create");
  }
  auto heap = ipc::Heap::attach(s.node->heap_path());
  if (!heap) fail("heap attach");
  s.heap = std::move(heap).value();
  {
    auto txn = s.heap->begin().value();
    db::NodeConfig node = config_.node;
    std::vector<db::SpanConfig> spans;
    for (const auto other : peers_of(id)) {
      spans.push_back(config_.span);
      spans.back().engine_id = other;
      if (config_.tweak) config_.tweak(id, node, spans.back());
    }
    auto db = db::LtpDb::create(txn, id, node).value();
    for (const auto& span : spans) {
      if (!db.add_span(txn, span)) fail("add span");
    }
    if (config_.open_clients &&
        !db.open_client(txn, kClient, static_cast<std::uint64_t>(::getpid()))) {
      fail("open client");
    }
    if (config_.configure) config_.configure(id, txn);
    if (!txn.commit()) fail("commit");
  }
  attach(s);
  s.baseline_blocks = s.heap->header().alloc.blocks_in_use;
}

void Lockstep::attach(Side& s) {
  auto segment = ipc::VolatileSegment::create(*s.node, s.heap->identity(), {.size = 1 << 20});
  if (!segment) fail("volatile segment");
  s.segment = std::move(segment).value();
  s.vdb.emplace(db::VolatileDb::attach(*s.segment));
  for (const auto other : peers_of(s.id)) {
    db::VolatileSpan* v = s.vdb->span(other);
    v->owlt_ms = config_.owlt_ms;
    v->transmit_rate = config_.transmit_rate;
    v->learned.lso_learns = config_.learn_rate ? 1 : 0;
  }
  const std::uint64_t seed = config_.seed * 2 + now_ + (config_.same_seed_on_every_node ? 0 : s.id);
  auto engine = Engine::attach(*s.heap, &*s.vdb, s.signals, {.serial_seed = seed});
  if (!engine) fail("engine attach");
  s.engine = std::move(engine).value();
}

void Lockstep::restart(std::uint64_t id) {
  Side& s = side(id);
  s.engine.reset();
  s.vdb.reset();
  s.segment.reset();
  ipc::VolatileSegment::remove(*s.node);
  s.heap.reset();
  auto heap = ipc::Heap::attach(s.node->heap_path());
  if (!heap) fail("heap attach after restart");
  s.heap = std::move(heap).value();
  attach(s);
}

void Lockstep::close_client(std::uint64_t id) {
  Side& s = side(id);
  (void)s.engine->acknowledge_notice(kClient, s.cursor);
  auto txn = s.heap->begin().value();
  if (!db::LtpDb::open(txn).value().close_client(txn, kClient) || !txn.commit())
    fail("close client");
}

codec::SessionId Lockstep::send_to(std::uint64_t from, std::uint64_t to,
                                   const std::vector<std::uint8_t>& sdu, std::uint64_t red_length) {
  auto r = engine(from).send(kClient, to, sdu, red_length, now_);
  if (!r) return {};
  return r.value();
}

void Lockstep::inject(std::uint64_t to, std::vector<std::uint8_t> bytes, std::uint64_t delay_ms) {
  in_flight_.emplace(std::make_pair(now_ + delay_ms, arrival_sequence_++),
                     Arrival{to, std::move(bytes)});
}

bool Lockstep::transmit(Side& s, std::uint64_t to) {
  bool any = false;
  OutboundBatch& batch = s.batch;
  const std::uint64_t rate = config_.link_rate;
  std::uint64_t& span_free_us = s.span_free_us[to];
  for (;;) {
    // As udplso --learn-rate paces: at the rate the span learned, under the
    // contact plan's; the link's own rate is the host's, which it knows
    // nothing of.
    const db::VolatileSpan& v = vspan_of(s, to);
    const std::uint64_t pace =
        config_.learn_rate ? rate_model::sending_rate(v.learned, v.transmit_rate) : 0;
    const bool paced = pace != 0;
    if (!paced) span_free_us = 0;
    // A rate-limited link takes what it can start within this millisecond,
    // one segment at a time, so the rest waits in the engine's queues.
    const std::uint64_t free_us =
        std::max(rate != 0 ? s.link_free_us : 0, paced ? span_free_us : 0);
    if (free_us >= (now_ + 1) * 1000) {
      s.resume_us = s.backlogged ? std::min(s.resume_us, free_us) : free_us;
      s.backlogged = true;
      break;
    }
    batch.clear();
    auto n = s.engine->dequeue(to, rate == 0 && !paced ? 64 : 1, now_, batch);
    if (!n || n.value() == 0) break;
    any = true;
    for (const auto& out : batch.segments()) {
      Crossing c;
      c.from = s.id;
      c.to = to;
      c.sent_at = now_;
      c.bytes = OutboundBatch::flatten(out);
      const auto decoded = codec::decode(c.bytes);
      if (!decoded) fail("engine sent a segment its own decoder rejects");
      const codec::Segment& seg = decoded.value();
      c.type = seg.header.type;
      c.session = seg.header.session;
      if (const auto* d = std::get_if<codec::DataSegment>(&seg.body)) {
        c.offset = d->offset;
        c.length = d->length();
        if (d->checkpoint) {
          c.checkpoint_serial = d->checkpoint->checkpoint_serial;
          c.report_serial = d->checkpoint->report_serial;
        }
      } else if (const auto* rs = std::get_if<codec::ReportSegment>(&seg.body)) {
        c.report_serial = rs->report_serial;
        c.checkpoint_serial = rs->checkpoint_serial;
        c.claims = rs->claims.size();
      } else if (const auto* ra = std::get_if<codec::ReportAck>(&seg.body)) {
        c.report_serial = ra->report_serial;
      } else if (const auto* x = std::get_if<codec::Cancel>(&seg.body)) {
        c.reason = static_cast<std::uint8_t>(x->reason);
      }
      c.index_of_type = s.sent_by_type[c.type]++;
      if (rate != 0) {
        s.link_free_us = std::max(s.link_free_us, now_ * 1000) + c.bytes.size() * 1'000'000 / rate;
      }
      if (paced) {
        span_free_us = std::max(span_free_us, now_ * 1000) + c.bytes.size() * 1'000'000 / pace;
      }
      const Verdict v = filter_ ? filter_(c) : Verdict{};
      for (int i = 0; i < v.copies; ++i) {
        in_flight_.emplace(std::make_pair(now_ + config_.owlt_ms + v.delay_ms, arrival_sequence_++),
                           Arrival{c.to, c.bytes});
      }
      trace_.push_back(std::move(c));
    }
    (void)s.engine->segments_sent(to, batch.segments(), now_);  // sent at once
  }
  return any;
}

void Lockstep::collect_notices(Side& s) {
  while (now_ >= s.client_busy_until) {
    auto n = s.engine->next_notice(kClient, s.cursor);
    if (!n || !n.value()) return;
    const Notice& notice = *n.value();
    SeenNotice seen{notice.type,
                    notice.session,
                    notice.reason,
                    notice.end_of_block,
                    notice.offset,
                    notice.length,
                    {},
                    now_};
    if (notice.data != ipc::kNullAddr) {
      seen.data = s.engine->read_data(notice.data);
      (void)s.engine->release_data(kClient, notice.data, s.cursor);
      s.client_busy_until = now_ + config_.client_read_ms;
    }
    s.notices.push_back(std::move(seen));
  }
}

bool Lockstep::step() {
  bool acted = false;
  while (!actions_.empty() && actions_.begin()->first <= now_) {
    auto action = std::move(actions_.begin()->second);
    actions_.erase(actions_.begin());
    action();
    acted = true;
  }
  for (auto& s : sides_) {
    s->backlogged = false;
    for (const auto to : peers_of(s->id)) acted |= transmit(*s, to);
  }
  // Deliver what has arrived, each engine's share as one batch.
  std::map<std::uint64_t, std::vector<std::vector<std::uint8_t>>> arrived;
  while (!in_flight_.empty() && in_flight_.begin()->first.first <= now_) {
    arrived[in_flight_.begin()->second.to].push_back(std::move(in_flight_.begin()->second.bytes));
    in_flight_.erase(in_flight_.begin());
  }
  for (auto& [to, datagrams] : arrived) {
    std::vector<std::span<const std::uint8_t>> views(datagrams.begin(), datagrams.end());
    (void)engine(to).handle_inbound_batch(views, now_);
    acted = true;
  }
  for (auto& s : sides_) {
    const auto deadline = s->engine->next_deadline();
    if (deadline && *deadline <= now_) {
      (void)s->engine->on_timers(now_);
      acted = true;
    }
    collect_notices(*s);
  }
  return acted;
}

std::optional<std::uint64_t> Lockstep::next_event() {
  std::optional<std::uint64_t> next;
  auto consider = [&](std::optional<std::uint64_t> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (!in_flight_.empty()) consider(in_flight_.begin()->first.first);
  if (!actions_.empty()) consider(actions_.begin()->first);
  for (auto& s : sides_) {
    consider(s->engine->next_deadline());
    if (s->backlogged) consider(s->resume_us / 1000);
    if (s->client_busy_until > now_) consider(s->client_busy_until);
  }
  return next;
}

bool Lockstep::run(std::uint64_t limit_ms) {
  const std::uint64_t end = now_ + limit_ms;
  int same_instant = 0;
  while (now_ <= end) {
    if (step()) {
      if (++same_instant < 100000) continue;
      fail("engines never settle at one instant");
    }
    same_instant = 0;
    const auto next = next_event();
    if (!next) return true;
    now_ = std::max(now_ + 1, *next);
  }
  return false;
}

std::size_t Lockstep::count(std::uint64_t from, codec::SegmentType type) const {
  std::size_t n = 0;
  for (const auto& c : trace_) n += c.from == from && c.type == type;
  return n;
}

std::vector<SeenNotice> Lockstep::notices(std::uint64_t id, db::NoticeType type) const {
  std::vector<SeenNotice> out;
  for (const auto& n : side(id).notices) {
    if (n.type == type) out.push_back(n);
  }
  return out;
}

std::vector<std::string> Lockstep::leftovers(std::uint64_t id) {
  Side& s = side(id);
  std::vector<std::string> problems;
  const std::string who = std::string(1, static_cast<char>('A' + id - 1)) + ": ";
  auto txn = s.heap->begin().value();
  const auto db = db::LtpDb::open(txn).value();
  const db::DbRoot root = db.root(txn);
  auto check = [&](std::uint64_t n, const char* what) {
    if (n != 0) problems.push_back(who + what + " = " + std::to_string(n));
  };
  check(ipc::PHashMap::open(txn, root.export_sessions).value().size(txn), "export sessions");
  check(ipc::PHashMap::open(txn, root.closed_exports).value().size(txn), "closed exports");
  check(ipc::POrderedMap::open(txn, root.timeline).value().size(txn), "timers");
  for (const auto other : peers_of(id)) {
    const auto span = db.find_span(txn, other);
    const db::SpanRecord record = *txn.get<db::SpanRecord>(*span);
    check(ipc::PHashMap::open(txn, record.import_sessions).value().size(txn), "import sessions");
    check(ipc::PHashMap::open(txn, record.closed_imports).value().size(txn), "closed imports");
    check(ipc::PList::open(txn, record.control_queue).value().size(txn), "control queue");
    check(ipc::PList::open(txn, record.data_queue).value().size(txn), "data queue");
    check(ipc::PList::open(txn, record.timers).value().size(txn), "span timers");
    check(ipc::PList::open(txn, record.releases).value().size(txn), "blocks awaiting release");
    check(record.open_block, "open block");
    check(record.export_count, "export count");
    check(record.import_count, "import count");
  }
  (void)txn.commit();
  const std::uint64_t blocks = s.heap->header().alloc.blocks_in_use;
  if (blocks != s.baseline_blocks) {
    problems.push_back(who + "heap objects " + std::to_string(blocks) + " vs " +
                       std::to_string(s.baseline_blocks) + " at start");
  }
  return problems;
}

}  // namespace ltp::engine::testing
