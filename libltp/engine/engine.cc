// Engine entry points and inbound dispatch; the procedures themselves are
// in export_session.cc, import_session.cc, cancellation.cc, timeline.cc,
// span_queue.cc, tail_probe.cc and notices.cc.
#include "libltp/engine/engine_core.h"

#include <algorithm>
#include <utility>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "libltp/codec/decode.h"

namespace ltp::engine {

std::string_view to_string(EngineError e) {
  switch (e) {
    case EngineError::heap:
      return "the heap refused the change (full or log full)";
    case EngineError::not_initialized:
      return "no LTP database in this heap";
    case EngineError::no_such_span:
      return "no span to that engine";
    case EngineError::window_full:
      return "the span's export sessions are all in use";
    case EngineError::empty_sdu:
      return "empty service data unit";
    case EngineError::over_heapmax:
      return "LTP's share of the heap (heapmax) is used up";
    case EngineError::no_such_session:
      return "no such session";
    case EngineError::heap_full:
      return "the heap has no room for the block until blocks in flight are done";
    case EngineError::block_too_large:
      return "the block is more than half the heap";
  }
  return "unknown";
}

std::vector<std::uint8_t> OutboundBatch::flatten(const OutboundSegment& segment) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(segment.gather.total_size);
  for (std::size_t i = 0; i < segment.gather.count; ++i) {
    const auto* p = static_cast<const std::uint8_t*>(segment.gather.iov[i].iov_base);
    bytes.insert(bytes.end(), p, p + segment.gather.iov[i].iov_len);
  }
  return bytes;
}

Result<std::unique_ptr<EngineCore>, EngineError> EngineCore::attach(ipc::Heap& heap,
                                                                    db::VolatileDb* vdb,
                                                                    EngineSignals& signals,
                                                                    EngineOptions options) {
  auto txn = heap.begin();
  if (!txn) return failure(EngineError::heap);
  auto db = db::LtpDb::open(txn.value());
  if (!db) return failure(EngineError::not_initialized);
  const std::uint64_t own = db.value().own_engine_id(txn.value());
  if (!txn.value().commit()) return failure(EngineError::heap);
  return std::unique_ptr<EngineCore>(new EngineCore(heap, vdb, signals, db.value(), own, options));
}

EngineCore::EngineCore(ipc::Heap& heap, db::VolatileDb* vdb, EngineSignals& signals, db::LtpDb db,
                       std::uint64_t own, EngineOptions options)
    : heap_(heap),
      vdb_(vdb),
      signals_(signals),
      db_(db),
      own_engine_id_(own),
      random_(options.serial_seed) {}

template <class T, class F>
Result<T, EngineError> EngineCore::transact(F&& body) {
  auto txn = heap_.begin();
  if (!txn) return failure(EngineError::heap);
  wakeups_ = {};
  auto r = body(txn.value());
  if (!r) {
    txn.value().abort();
    wakeups_ = {};
    return failure(r.error());
  }
  if (!txn.value().commit()) {
    wakeups_ = {};
    return failure(EngineError::heap);
  }
  send_wakeups();
  if constexpr (std::is_void_v<T>) {
    return success();
  } else {
    return std::move(r).value();
  }
}

void EngineCore::send_wakeups() {
  const Wakeups w = std::move(wakeups_);
  wakeups_ = {};
  for (auto span : w.segments) signals_.segments_ready(span);
  for (auto client : w.notices) signals_.notice_ready(client);
  for (auto span : w.windows) signals_.export_window_open(span);
  for (auto span : w.opened) signals_.block_opened(span);
  for (auto [span, cancelled] : w.heap_short) signals_.heap_short(span, cancelled);
  if (w.timeline) signals_.timeline_changed();
}

namespace {
// Lifts a heap failure into the engine's error.
template <class T>
Result<T, EngineError> lift(HeapResult<T> r) {
  if (!r) return failure(EngineError::heap);
  if constexpr (std::is_void_v<T>) {
    return success();
  } else {
    return std::move(r).value();
  }
}
}  // namespace

std::optional<Addr> EngineCore::find_span(const Ctx& c, std::uint64_t engine) const {
  return db_.find_span(c.txn, engine);
}

HeapResult<db::NodeStats*> EngineCore::node_stats(Ctx& c) {
  return c.txn.modify<db::NodeStats>(db_.root_addr() + offsetof(db::DbRoot, stats));
}

HeapResult<db::SpanStats*> EngineCore::span_stats(Ctx& c, Addr span) {
  return c.txn.modify<db::SpanStats>(span + offsetof(db::SpanRecord, stats));
}

Result<void, EngineError> EngineCore::handle_inbound(std::span<const std::uint8_t> datagram,
                                                     std::uint64_t now,
                                                     const DatagramSource& source) {
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    Ctx c{txn, now};
    return lift(handle_segment(c, datagram, source));
  });
}

Result<void, EngineError> EngineCore::handle_inbound_batch(
    std::span<const std::span<const std::uint8_t>> datagrams, std::uint64_t now,
    std::span<const DatagramSource> sources) {
  const auto source_of = [&](std::size_t i) {
    return sources.empty() ? DatagramSource{} : sources[i];
  };
  auto all = transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    Ctx c{txn, now};
    for (std::size_t i = 0; i < datagrams.size(); ++i) {
      BOOST_OUTCOME_TRY(lift(handle_segment(c, datagrams[i], source_of(i))));
    }
    return success();
  });
  if (all) return success();
  // One segment the heap could not take must not cost the others: retry
  // them one transaction each, dropping only those that fail.
  Result<void, EngineError> outcome = success();
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    if (auto r = handle_inbound(datagrams[i], now, source_of(i)); !r) outcome = r;
  }
  return outcome;
}

bool EngineCore::from_senders_address(std::optional<std::uint64_t> sender,
                                      const DatagramSource& source) {
  if (!source.pinned || !sender) return true;  // an unknown sender is the dispatch's to drop
  if (std::find(source.engines.begin(), source.engines.end(), *sender) != source.engines.end()) {
    return true;
  }
  if (vdb_ != nullptr) {
    if (db::VolatileSpan* v = vdb_->span(*sender)) ++v->from_other_addresses;
  }
  return false;
}

HeapResult<void> EngineCore::handle_segment(Ctx& c, std::span<const std::uint8_t> datagram,
                                            const DatagramSource& source) {
  auto decoded = codec::decode_prefix(datagram);
  if (!decoded) {
    BOOST_OUTCOME_TRY(stats, node_stats(c));
    if (decoded.error() == codec::Error::keep_alive) {
      ++stats->keep_alives;
    } else {
      ++stats->malformed_dropped;
    }
    return success();
  }
  const codec::Segment& segment = decoded.value().segment;
  const codec::SegmentType type = segment.header.type;
  const bool to_our_export = type == codec::SegmentType::report ||
                             type == codec::SegmentType::cancel_from_receiver ||
                             type == codec::SegmentType::cancel_ack_to_sender;
  // Who sent it matters only to a pinned source or a security database;
  // otherwise the dispatch alone looks the session up.
  const auto secdb = security(c);
  std::optional<std::uint64_t> sender;
  if (source.pinned || secdb) {
    sender = to_our_export ? export_peer(c, segment.header.session.number)
                           : std::optional(segment.header.session.originator);
  }
  if (!from_senders_address(sender, source)) return success();
  arriving_cookie_.reset();
  if (secdb) {
    BOOST_OUTCOME_TRY(admitted,
                      authentic(c, *secdb, datagram.first(decoded.value().size), segment, sender));
    if (!admitted) return success();
    BOOST_OUTCOME_TRY(with_cookie, cookie_admits(c, *secdb, segment, sender, to_our_export));
    if (!with_cookie) return success();
  }
  if (to_our_export) {
    if (segment.header.session.originator != own_engine_id_) {
      BOOST_OUTCOME_TRY(stats, node_stats(c));
      ++stats->unknown_span_dropped;
      return success();
    }
    if (type == codec::SegmentType::report) return handle_report(c, segment);
    if (type == codec::SegmentType::cancel_from_receiver) return handle_cancel(c, segment);
    return handle_cancel_ack(c, segment);
  }
  // Data, RA, CS and CAR belong to sessions the originator (the span's
  // engine) exports to us.
  const auto span = find_span(c, segment.header.session.originator);
  if (!span) {
    BOOST_OUTCOME_TRY(stats, node_stats(c));
    ++stats->unknown_span_dropped;
    return success();
  }
  BOOST_OUTCOME_TRY(stats, span_stats(c, *span));
  ++stats->segments_received;
  stats->bytes_received += decoded.value().size;
  if (codec::is_data(type)) return handle_data(c, *span, segment);
  if (type == codec::SegmentType::report_ack) return handle_report_ack(c, segment);
  if (type == codec::SegmentType::cancel_from_sender) return handle_cancel(c, segment);
  return handle_cancel_ack(c, segment);
}

namespace {
using DeferredTimers = std::set<std::pair<std::uint64_t, std::uint64_t>>;

// The first timeline entry that `scope` covers and that is not put off.
std::optional<ipc::POrderedMap::Entry> first_in_scope(const ipc::Transaction& txn,
                                                      const ipc::POrderedMap& timeline,
                                                      TimerScope scope,
                                                      const DeferredTimers& deferred) {
  auto entry = timeline.first(txn);
  // Aggregation timers are one per span at most, and timers put off few,
  // so skipping is short.
  while (entry && ((scope == TimerScope::except_aggregation &&
                    txn.get<db::TimerRecord>(entry->value)->kind == db::TimerKind::aggregation) ||
                   deferred.contains({entry->key.hi, entry->key.lo}))) {
    entry = timeline.upper_bound(txn, entry->key);
  }
  return entry;
}
}  // namespace

Result<void, EngineError> EngineCore::on_timers(std::uint64_t now, TimerScope scope) {
  if (now >= deferred_until_) deferred_timers_.clear();
  // The due timer fired by the last transaction started, and whether one was.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> last;
  const auto fire_due = [&](bool all) {
    return transact<bool>([&](ipc::Transaction& txn) -> Result<bool, EngineError> {
      Ctx c{txn, now};
      auto timeline = ipc::POrderedMap::open(txn, root(c).timeline).value();
      bool fired = false;
      for (auto first = first_in_scope(txn, timeline, scope, deferred_timers_);
           first && first->key.hi <= now;
           first = first_in_scope(txn, timeline, scope, deferred_timers_)) {
        last = std::pair{first->key.hi, first->key.lo};
        const db::TimerRecord timer = load<db::TimerRecord>(txn, first->value);
        BOOST_OUTCOME_TRY(lift(stop_timer(c, first->value)));
        BOOST_OUTCOME_TRY(lift(fire_timer(c, timer)));
        fired = true;
        if (!all) break;
      }
      return fired;
    });
  };
  // Every due timer in one transaction, as a rule.
  auto together = fire_due(true);
  if (together) return success();
  if (together.error() != EngineError::heap) return failure(together.error());
  // Some action found no room (or the lot overflowed the undo log): one
  // transaction per timer, so that each fires or is put off on its own
  // and the others, some of which free room, still fire.
  bool put_off = false;
  for (;;) {
    last.reset();
    auto one = fire_due(false);
    if (one && !one.value()) break;
    if (!one) {
      if (one.error() != EngineError::heap || !last) return failure(one.error());
      deferred_timers_.insert(*last);
      deferred_until_ = now + kHeapFullRetryMs;
      put_off = true;
    }
  }
  if (put_off) return failure(EngineError::heap_full);
  return success();
}

std::optional<std::uint64_t> EngineCore::next_deadline(TimerScope scope) {
  auto txn = heap_.begin();
  if (!txn) return std::nullopt;
  Ctx c{txn.value(), 0};
  const auto timeline = ipc::POrderedMap::open(txn.value(), root(c).timeline).value();
  const auto first = first_in_scope(txn.value(), timeline, scope, deferred_timers_);
  (void)txn.value().commit();
  std::optional<std::uint64_t> deadline;
  if (first) deadline = first->key.hi;
  if (!deferred_timers_.empty())
    deadline = std::min(deadline.value_or(UINT64_MAX), deferred_until_);
  return deadline;
}

std::optional<std::uint64_t> EngineCore::aggregation_deadline(std::uint64_t span_engine) {
  auto txn = heap_.begin();
  if (!txn) return std::nullopt;
  Ctx c{txn.value(), 0};
  std::optional<std::uint64_t> deadline;
  if (const auto span = find_span(c, span_engine)) {
    const Addr open = load<db::SpanRecord>(txn.value(), *span).open_block;
    if (open != ipc::kNullAddr) {
      const Addr timer = load<db::ExportSession>(txn.value(), open).timer;
      if (timer != ipc::kNullAddr) {
        const auto record = load<db::TimerRecord>(txn.value(), timer);
        if (record.suspended == 0) deadline = record.deadline_ms;
      }
    }
  }
  (void)txn.value().commit();
  return deadline;
}

Result<std::size_t, EngineError> EngineCore::dequeue(std::uint64_t span_engine,
                                                     std::size_t max_segments, std::uint64_t now,
                                                     OutboundBatch& out) {
  return transact<std::size_t>([&](ipc::Transaction& txn) -> Result<std::size_t, EngineError> {
    Ctx c{txn, now};
    const auto span = find_span(c, span_engine);
    if (!span) return failure(EngineError::no_such_span);
    const std::size_t before = out.segments_.size();
    BOOST_OUTCOME_TRY(lift(release_sent_blocks(c, *span, out.exclusive_ && before == 0)));
    // Room for one more segment wholly in scratch (a report, or payloads
    // detached from a closing session).
    const std::size_t room = 2 * load<db::SpanRecord>(txn, *span).config.max_segment_size + 1024;
    bool dry = false;
    bool took_data = false;
    db::VolatileSpan* startup = holding_for_first_estimate(span_engine);
    while (out.segments_.size() - before < max_segments && out.free_scratch().size() >= room) {
      BOOST_OUTCOME_TRY(control, lift(dequeue_control(c, *span, out)));
      if (control) continue;
      BOOST_OUTCOME_TRY(data, lift(dequeue_data(c, *span, out, startup)));
      took_data = took_data || data;
      if (data) continue;
      dry = true;
      break;
    }
    // The span has nothing more to send: no later checkpoint will overtake
    // its newest one if that is lost. Once each time it runs dry, which a
    // dequeue that took exactly the last segments (a paced LSO asks for a
    // few) leaves for the next one to find.
    const bool sent = out.segments_.size() != before;
    db::VolatileSpan* v = vdb_ != nullptr ? vdb_->span(span_engine) : nullptr;
    if (dry && (sent || (v != nullptr && v->sent_since_dry != 0))) {
      BOOST_OUTCOME_TRY(lift(probe_tail(c, *span)));
    }
    if (v != nullptr) {
      v->sent_since_dry = dry ? 0 : (sent || v->sent_since_dry != 0);
      if (took_data) rate_model::on_data_sent(v->learned, now);
      if (dry) {
        rate_model::on_ran_dry(
            v->learned,
            ipc::PList::open(txn, load<db::SpanRecord>(txn, *span).data_queue).value().empty(txn));
      }
    }
    return out.segments_.size() - before;
  });
}

Result<std::size_t, EngineError> EngineCore::segments_sent(
    std::uint64_t span_engine, std::span<const OutboundSegment> segments, std::uint64_t now) {
  return transact<std::size_t>([&](ipc::Transaction& txn) -> Result<std::size_t, EngineError> {
    Ctx c{txn, now};
    const auto span = find_span(c, span_engine);
    if (!span) return failure(EngineError::no_such_span);
    std::size_t restarted = 0;
    for (const auto& segment : segments) {
      if (!segment.cue.present || segment.span_engine != span_engine) continue;
      // Gone (answered, closed) or suspended: nothing to restart.
      const auto field = cue_timer_field(c, *span, segment.cue);
      if (!field) continue;
      const Addr old = load<Addr>(txn, *field);
      if (old == ipc::kNullAddr || load<db::TimerRecord>(txn, old).suspended != 0) continue;
      const db::TimerRecord timer = load<db::TimerRecord>(txn, old);
      // A tail probe's shorter interval (remaining_ms of a running timer:
      // the interval it was started with) is kept.
      const bool probing = timer.kind == db::TimerKind::checkpoint &&
                           probe_armed(load<db::CheckpointRecord>(txn, timer.owner).probe);
      const std::uint64_t full =
          response_interval(c, *span, segment.gather.total_size, times_resent(txn, timer));
      const std::uint64_t interval = probing ? std::min(timer.remaining_ms, full) : full;
      BOOST_OUTCOME_TRY(lift(stop_timer(c, old)));
      BOOST_OUTCOME_TRY(fresh, lift(start_timer(c, timer.kind, *span, timer.session_number,
                                                timer.owner, interval)));
      BOOST_OUTCOME_TRY(lift(txn.put(*field, fresh)));
      ++restarted;
    }
    return restarted;
  });
}

Result<void, EngineError> EngineCore::link_state(std::uint64_t span_engine, bool remote_up,
                                                 std::uint64_t now) {
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    Ctx c{txn, now};
    const auto span = find_span(c, span_engine);
    if (!span) return failure(EngineError::no_such_span);
    if (vdb_ != nullptr) {
      if (auto* v = vdb_->span(span_engine)) v->remote_transmitting = remote_up ? 1 : 0;
    }
    const db::SpanRecord record = load<db::SpanRecord>(txn, *span);
    if (!remote_up && record.config.purge != 0) {
      // Purge: transmission stopped, so every export session of the span is cancelled.
      std::vector<Addr> doomed;
      ipc::PHashMap::open(txn, root(c).export_sessions)
          .value()
          .for_each(txn, [&](std::uint64_t, std::uint64_t session) {
            if (load<db::ExportSession>(txn, session).span_engine == span_engine) {
              doomed.push_back(session);
            }
          });
      for (Addr s : doomed) {
        BOOST_OUTCOME_TRY(lift(cancel_export_session(c, s, codec::CancelReason::system_cancelled)));
      }
    }
    if (!remote_up && record.suspended == 0) return lift(suspend_timers(c, *span));
    if (remote_up && record.suspended != 0) return lift(resume_timers(c, *span));
    return success();
  });
}

Result<codec::SessionId, EngineError> EngineCore::send(std::uint64_t client_id,
                                                       std::uint64_t destination,
                                                       std::span<const std::uint8_t> sdu,
                                                       std::uint64_t red_length,
                                                       std::uint64_t now) {
  // The heap out of room is a reason to wait while blocks in flight can
  // give room back, as ION's ltp_send does; a block that needs more than
  // half the heap may never find it, so that is refused at once.
  const EngineError no_room =
      sdu.size() > max_block_bytes() ? EngineError::block_too_large : EngineError::heap_full;
  auto lift_send = [&]<class T>(HeapResult<T> r) -> Result<T, EngineError> {
    if (!r && r.error() == ipc::HeapError::out_of_space) return failure(no_room);
    return lift(std::move(r));
  };
  return transact<codec::SessionId>(
      [&](ipc::Transaction& txn) -> Result<codec::SessionId, EngineError> {
        Ctx c{txn, now};
        if (sdu.empty()) return failure(EngineError::empty_sdu);
        const auto span = find_span(c, destination);
        if (!span) return failure(EngineError::no_such_span);
        if (over_heapmax(c, sdu.size())) return failure(EngineError::over_heapmax);
        // Checked before copying anything: a waiting sender retries often.
        if (!heap_has_room(sdu.size(), kSendReserve)) return failure(no_room);
        red_length = std::min<std::uint64_t>(red_length, sdu.size());

        Addr session = load<db::SpanRecord>(txn, *span).open_block;
        if (session != ipc::kNullAddr &&
            load<db::ExportSession>(txn, session).client_id != client_id) {
          // A block carries one client's data: close the other client's block.
          BOOST_OUTCOME_TRY(lift_send(close_block(c, session)));
          session = ipc::kNullAddr;
        }
        if (session == ipc::kNullAddr) {
          const db::SpanRecord record = load<db::SpanRecord>(txn, *span);
          if (record.export_count >= record.config.max_export_sessions) {
            return failure(EngineError::window_full);
          }
          BOOST_OUTCOME_TRY(opened, lift_send(open_export(c, *span, client_id)));
          session = opened;
        }
        db::ExportSession s = load<db::ExportSession>(txn, session);
        auto append = [&]() -> HeapResult<void> {
          BOOST_OUTCOME_TRY(db::ChunkedBuffer::open(s.block).append(txn, sdu));
          BOOST_OUTCOME_TRY(lengths, ipc::PList::open(txn, s.sdu_lengths));
          BOOST_OUTCOME_TRY(lengths.push_back(txn, sdu.size()));
          // Red data must precede green: only the block's last SDU may have green.
          s.red_length = s.block_length + red_length;
          s.block_length += sdu.size();
          return txn.put(session, s);
        };
        BOOST_OUTCOME_TRY(lift_send(append()));
        const db::SpanConfig config = load<db::SpanRecord>(txn, *span).config;
        if (red_length < sdu.size() || s.block_length >= config.aggregation_size_threshold) {
          BOOST_OUTCOME_TRY(lift_send(close_block(c, session)));
        }
        return codec::SessionId{own_engine_id_, s.number};
      });
}

Result<void, EngineError> EngineCore::flush(std::uint64_t span_engine, std::uint64_t now) {
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    Ctx c{txn, now};
    const auto span = find_span(c, span_engine);
    if (!span) return failure(EngineError::no_such_span);
    const Addr open = load<db::SpanRecord>(txn, *span).open_block;
    if (open == ipc::kNullAddr) return success();
    return lift(close_block(c, open));
  });
}

Result<void, EngineError> EngineCore::cancel_export(std::uint64_t session_number, std::uint64_t now,
                                                    std::optional<std::uint64_t> client) {
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    Ctx c{txn, now};
    const auto session =
        ipc::PHashMap::open(txn, root(c).export_sessions).value().find(txn, session_number);
    if (!session || (client && load<db::ExportSession>(txn, *session).client_id != *client)) {
      return failure(EngineError::no_such_session);
    }
    return lift(cancel_export_session(c, *session, codec::CancelReason::user_cancelled));
  });
}

Result<void, EngineError> EngineCore::cancel_import(std::uint64_t originator,
                                                    std::uint64_t session_number, std::uint64_t now,
                                                    std::optional<std::uint64_t> client) {
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    Ctx c{txn, now};
    const auto span = find_span(c, originator);
    if (!span) return failure(EngineError::no_such_span);
    const auto imports = load<db::SpanRecord>(txn, *span).import_sessions;
    const auto session = ipc::PHashMap::open(txn, imports).value().find(txn, session_number);
    if (!session || (client && load<db::ImportSession>(txn, *session).client_id != *client)) {
      return failure(EngineError::no_such_session);
    }
    return lift(cancel_import_session(c, *session, codec::CancelReason::user_cancelled));
  });
}

namespace {
// Takes a dataless notice its holder is done with off the queue. It sits
// right after the holder's held notices (or among them, once some were
// released), so the search is short; one not found was taken already.
HeapResult<void> drop_acknowledged(ipc::Transaction& txn, ipc::PList& notices, std::uint64_t held,
                                   Addr record) {
  if (record == ipc::kNullAddr) return success();
  Addr node = notices.first(txn);
  for (std::uint64_t i = 0; i <= held && node != ipc::kNullAddr; ++i) {
    if (notices.value(txn, node) == record) {
      if (load<db::NoticeRecord>(txn, record).data != ipc::kNullAddr) return success();
      BOOST_OUTCOME_TRY(notices.erase(txn, node));
      return txn.free(record);
    }
    node = notices.next(txn, node);
  }
  return success();
}
}  // namespace

Result<std::optional<Notice>, EngineError> EngineCore::next_notice(std::uint64_t client_id,
                                                                   NoticeCursor& cursor) {
  const std::uint64_t held = cursor.held;
  const Addr acknowledge = cursor.unacknowledged;
  auto next = transact<std::optional<Notice>>(
      [&](ipc::Transaction& txn) -> Result<std::optional<Notice>, EngineError> {
        const auto client = db_.find_client(txn, client_id);
        if (!client) return std::optional<Notice>{};
        auto notices = ipc::PList::open(txn, load<db::ClientRecord>(txn, *client).notices).value();
        BOOST_OUTCOME_TRY(lift(drop_acknowledged(txn, notices, held, acknowledge)));
        Addr node = notices.first(txn);
        for (std::uint64_t i = 0; i < held && node != ipc::kNullAddr; ++i) {
          node = notices.next(txn, node);
        }
        if (node == ipc::kNullAddr) return std::optional<Notice>{};
        const Addr addr = notices.value(txn, node);
        const auto n = load<db::NoticeRecord>(txn, addr);
        return std::optional<Notice>(Notice{n.type,
                                            {n.originator, n.session_number},
                                            static_cast<std::uint8_t>(n.reason),
                                            n.end_of_block != 0,
                                            n.offset,
                                            n.length,
                                            n.data,
                                            addr});
      });
  if (!next) return next;
  cursor.unacknowledged = ipc::kNullAddr;
  if (const auto& taken = next.value()) {
    if (taken->data != ipc::kNullAddr) {
      ++cursor.held;
    } else {
      cursor.unacknowledged = taken->record;
    }
  }
  return next;
}

Result<void, EngineError> EngineCore::acknowledge_notice(std::uint64_t client_id,
                                                         NoticeCursor& cursor) {
  const Addr record = std::exchange(cursor.unacknowledged, ipc::kNullAddr);
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    const auto client = db_.find_client(txn, client_id);
    if (!client) return success();
    auto notices = ipc::PList::open(txn, load<db::ClientRecord>(txn, *client).notices).value();
    return lift(drop_acknowledged(txn, notices, cursor.held, record));
  });
}

std::vector<std::uint8_t> EngineCore::read_data(Addr data) {
  auto txn = heap_.begin();
  if (!txn || data == ipc::kNullAddr) return {};
  auto bytes = db::ChunkedBuffer::open(data).read_all(txn.value());
  (void)txn.value().commit();
  return bytes;
}

Result<void, EngineError> EngineCore::release_data(std::uint64_t client_id, Addr data,
                                                   NoticeCursor& cursor) {
  if (data != ipc::kNullAddr && cursor.held > 0) --cursor.held;
  return transact<void>([&](ipc::Transaction& txn) -> Result<void, EngineError> {
    if (data == ipc::kNullAddr) return success();
    const auto client = db_.find_client(txn, client_id);
    if (!client) return failure(EngineError::no_such_session);
    auto notices = ipc::PList::open(txn, load<db::ClientRecord>(txn, *client).notices).value();
    // Held notices lead the queue, so this ends within a few steps.
    for (Addr node = notices.first(txn); node != ipc::kNullAddr; node = notices.next(txn, node)) {
      const Addr addr = notices.value(txn, node);
      if (load<db::NoticeRecord>(txn, addr).data != data) continue;
      BOOST_OUTCOME_TRY(lift(notices.erase(txn, node)));
      BOOST_OUTCOME_TRY(lift(txn.free(addr)));
      return lift(db::ChunkedBuffer::open(data).destroy(txn));
    }
    return failure(EngineError::no_such_session);  // not handed out, or released already
  });
}

Result<db::SpanStats, EngineError> EngineCore::stats(std::uint64_t span_engine) {
  return transact<db::SpanStats>([&](ipc::Transaction& txn) -> Result<db::SpanStats, EngineError> {
    const auto span = db_.find_span(txn, span_engine);
    if (!span) return failure(EngineError::no_such_span);
    return load<db::SpanRecord>(txn, *span).stats;
  });
}

db::NodeStats EngineCore::node_stats() {
  auto r =
      transact<db::NodeStats>([&](ipc::Transaction& txn) -> Result<db::NodeStats, EngineError> {
        return load<db::DbRoot>(txn, db_.root_addr()).stats;
      });
  return r ? r.value() : db::NodeStats{};
}

}  // namespace ltp::engine
