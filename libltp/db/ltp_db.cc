#include "libltp/db/ltp_db.h"

#include <cstring>

#include "ipc/phash_map.h"
#include "ipc/plist.h"
#include "ipc/pordered_map.h"
#include "libltp/db/lift.h"

namespace ltp::db {

std::string_view to_string(DbError e) {
  switch (e) {
    case DbError::heap:
      return "the heap refused the change (full, or log full)";
    case DbError::not_initialized:
      return "no LTP database in this heap (run ltpadmin '1')";
    case DbError::wrong_format:
      return "the heap's LTP database was made by another version of OpenLTP";
    case DbError::already_exists:
      return "already exists";
    case DbError::no_such_span:
      return "no such span";
    case DbError::no_such_seat:
      return "no such seat";
    case DbError::no_such_client:
      return "no such client";
    case DbError::client_in_use:
      return "client service id is held by another process";
    case DbError::span_busy:
      return "span still has sessions";
    case DbError::bad_config:
      return "configuration value out of range";
    case DbError::no_such_key:
      return "no such key (add it with ionsecadmin 'a key NAME FILE' first)";
    case DbError::no_such_rule:
      return "no such rule";
    case DbError::key_in_use:
      return "a rule names this key (delete or change the rule first)";
  }
  return "unknown";
}

namespace {

Result<void, DbError> check_span_config(const SpanConfig& c) {
  if (c.max_export_sessions == 0 || c.max_import_sessions == 0) return failure(DbError::bad_config);
  if (c.max_segment_size < 64) return failure(DbError::bad_config);
  if (c.aggregation_size_threshold == 0) return failure(DbError::bad_config);
  if (c.lso_command.back() != '\0') return failure(DbError::bad_config);
  return success();
}

Result<Addr, ipc::HeapError> create_span_record(ipc::Transaction& txn, const SpanConfig& config) {
  BOOST_OUTCOME_TRY(imports, ipc::PHashMap::create(txn));
  BOOST_OUTCOME_TRY(closed_imports, ipc::PHashMap::create(txn));
  BOOST_OUTCOME_TRY(control, ipc::PList::create(txn));
  BOOST_OUTCOME_TRY(data, ipc::PList::create(txn));
  BOOST_OUTCOME_TRY(timers, ipc::PList::create(txn));
  BOOST_OUTCOME_TRY(releases, ipc::PList::create(txn));
  BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(SpanRecord)));
  SpanRecord span{};
  span.config = config;
  span.import_sessions = imports.header();
  span.closed_imports = closed_imports.header();
  span.control_queue = control.header();
  span.data_queue = data.header();
  span.timers = timers.header();
  span.releases = releases.header();
  BOOST_OUTCOME_TRY(txn.put(addr, span));
  return addr;
}

}  // namespace

Result<LtpDb, DbError> LtpDb::create(ipc::Transaction& txn, std::uint64_t own_engine_id,
                                     const NodeConfig& config) {
  if (txn.root(kDbRootName)) return failure(DbError::already_exists);
  if (own_engine_id == 0) return failure(DbError::bad_config);
  auto build = [&]() -> Result<Addr, ipc::HeapError> {
    BOOST_OUTCOME_TRY(spans, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(clients, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(seats, ipc::PList::create(txn));
    BOOST_OUTCOME_TRY(exports, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(closed_exports, ipc::PHashMap::create(txn));
    BOOST_OUTCOME_TRY(timeline, ipc::POrderedMap::create(txn));
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(DbRoot)));
    DbRoot root{};
    root.format_version = kDbFormatVersion;
    root.own_engine_id = own_engine_id;
    root.config = config;
    root.next_timer_sequence = 1;
    root.spans = spans.header();
    root.clients = clients.header();
    root.seats = seats.header();
    root.export_sessions = exports.header();
    root.closed_exports = closed_exports.header();
    root.timeline = timeline.header();
    BOOST_OUTCOME_TRY(txn.put(addr, root));
    BOOST_OUTCOME_TRY(txn.set_root(kDbRootName, addr));
    return addr;
  };
  BOOST_OUTCOME_TRY(addr, lift(build()));
  return LtpDb(addr);
}

Result<LtpDb, DbError> LtpDb::open(const ipc::Transaction& txn) {
  auto addr = txn.root(kDbRootName);
  if (!addr) return failure(DbError::not_initialized);
  if (txn.get<DbRoot>(addr.value())->format_version != kDbFormatVersion) {
    return failure(DbError::wrong_format);
  }
  return LtpDb(addr.value());
}

Result<void, DbError> LtpDb::set_node_config(ipc::Transaction& txn, const NodeConfig& config) {
  if (config.maxber < 0 || config.maxber >= 1) return failure(DbError::bad_config);
  return lift(txn.put(root_ + offsetof(DbRoot, config), config));
}

std::optional<Addr> LtpDb::find_span(const ipc::Transaction& txn, std::uint64_t engine_id) const {
  return ipc::PHashMap::open(txn, root(txn).spans).value().find(txn, engine_id);
}

Result<void, DbError> LtpDb::add_span(ipc::Transaction& txn, const SpanConfig& config) {
  BOOST_OUTCOME_TRY(check_span_config(config));
  if (find_span(txn, config.engine_id)) return failure(DbError::already_exists);
  BOOST_OUTCOME_TRY(addr, lift(create_span_record(txn, config)));
  auto spans = ipc::PHashMap::open(txn, root(txn).spans).value();
  return lift(spans.insert(txn, config.engine_id, addr));
}

Result<void, DbError> LtpDb::change_span(ipc::Transaction& txn, const SpanConfig& config) {
  BOOST_OUTCOME_TRY(check_span_config(config));
  const auto addr = find_span(txn, config.engine_id);
  if (!addr) return failure(DbError::no_such_span);
  return lift(txn.put(*addr + offsetof(SpanRecord, config), config));
}

Result<void, DbError> LtpDb::delete_span(ipc::Transaction& txn, std::uint64_t engine_id) {
  const auto addr = find_span(txn, engine_id);
  if (!addr) return failure(DbError::no_such_span);
  const SpanRecord span = *txn.get<SpanRecord>(*addr);
  if (span.export_count != 0 || span.import_count != 0) return failure(DbError::span_busy);
  auto destroy = [&]() -> Result<void, ipc::HeapError> {
    // Closed-session memory and blocks awaiting release hold timers on the
    // timeline; wait for them to age out.
    if (ipc::PHashMap::open(txn, span.closed_imports).value().size(txn) != 0 ||
        ipc::PList::open(txn, span.control_queue).value().size(txn) != 0 ||
        ipc::PList::open(txn, span.releases).value().size(txn) != 0) {
      return failure(ipc::HeapError::duplicate_key);
    }
    for (Addr list : {span.control_queue, span.data_queue, span.timers, span.releases}) {
      BOOST_OUTCOME_TRY(l, ipc::PList::open(txn, list));
      BOOST_OUTCOME_TRY(l.destroy(txn));
    }
    for (Addr map : {span.import_sessions, span.closed_imports}) {
      BOOST_OUTCOME_TRY(m, ipc::PHashMap::open(txn, map));
      BOOST_OUTCOME_TRY(m.destroy(txn));
    }
    BOOST_OUTCOME_TRY(spans, ipc::PHashMap::open(txn, root(txn).spans));
    BOOST_OUTCOME_TRY(spans.erase(txn, engine_id));
    return txn.free(*addr);
  };
  auto r = destroy();
  if (!r && r.error() == ipc::HeapError::duplicate_key) return failure(DbError::span_busy);
  return lift(std::move(r));
}

Result<SpanConfig, DbError> LtpDb::span_info(const ipc::Transaction& txn,
                                             std::uint64_t engine_id) const {
  const auto addr = find_span(txn, engine_id);
  if (!addr) return failure(DbError::no_such_span);
  return txn.get<SpanRecord>(*addr)->config;
}

std::vector<std::uint64_t> LtpDb::list_spans(const ipc::Transaction& txn) const {
  std::vector<std::uint64_t> ids;
  ipc::PHashMap::open(txn, root(txn).spans)
      .value()
      .for_each(txn, [&](std::uint64_t key, std::uint64_t) { ids.push_back(key); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<void, DbError> LtpDb::add_seat(ipc::Transaction& txn, std::string_view lsi_command) {
  if (lsi_command.size() >= kLsoCommandBytes) return failure(DbError::bad_config);
  for (const auto& seat : list_seats(txn)) {
    if (seat == lsi_command) return failure(DbError::already_exists);
  }
  SeatRecord seat{};
  std::memcpy(seat.lsi_command.data(), lsi_command.data(), lsi_command.size());
  auto add = [&]() -> Result<void, ipc::HeapError> {
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(SeatRecord)));
    BOOST_OUTCOME_TRY(txn.put(addr, seat));
    BOOST_OUTCOME_TRY(seats, ipc::PList::open(txn, root(txn).seats));
    BOOST_OUTCOME_TRY(seats.push_back(txn, addr));
    return success();
  };
  return lift(add());
}

Result<void, DbError> LtpDb::delete_seat(ipc::Transaction& txn, std::string_view lsi_command) {
  auto seats = ipc::PList::open(txn, root(txn).seats).value();
  for (Addr node = seats.first(txn); node != ipc::kNullAddr; node = seats.next(txn, node)) {
    const Addr addr = seats.value(txn, node);
    if (std::string_view(txn.get<SeatRecord>(addr)->lsi_command.data()) == lsi_command) {
      BOOST_OUTCOME_TRY(lift(seats.erase(txn, node)));
      return lift(txn.free(addr));
    }
  }
  return failure(DbError::no_such_seat);
}

std::vector<std::string> LtpDb::list_seats(const ipc::Transaction& txn) const {
  std::vector<std::string> out;
  auto seats = ipc::PList::open(txn, root(txn).seats).value();
  for (Addr node = seats.first(txn); node != ipc::kNullAddr; node = seats.next(txn, node)) {
    out.emplace_back(txn.get<SeatRecord>(seats.value(txn, node))->lsi_command.data());
  }
  return out;
}

std::optional<Addr> LtpDb::find_client(const ipc::Transaction& txn, std::uint64_t client_id) const {
  return ipc::PHashMap::open(txn, root(txn).clients).value().find(txn, client_id);
}

bool LtpDb::client_is_open(const ipc::Transaction& txn, std::uint64_t client_id) const {
  const auto addr = find_client(txn, client_id);
  if (!addr) return false;
  const std::uint64_t pid = txn.get<ClientRecord>(*addr)->pid;
  return pid != 0 && pid != kHolderDied;
}

Result<void, DbError> LtpDb::open_client(ipc::Transaction& txn, std::uint64_t client_id,
                                         std::uint64_t pid) {
  if (pid == 0) return failure(DbError::bad_config);
  if (const auto addr = find_client(txn, client_id)) {
    const ClientRecord client = *txn.get<ClientRecord>(*addr);
    if (client.pid != 0 && client.pid != kHolderDied && client.pid != pid) {
      return failure(DbError::client_in_use);
    }
    return lift(txn.put(*addr + offsetof(ClientRecord, pid), pid));
  }
  // The record (and its notice queue) outlives ltp_close, like ION's.
  auto add = [&]() -> Result<void, ipc::HeapError> {
    BOOST_OUTCOME_TRY(notices, ipc::PList::create(txn));
    BOOST_OUTCOME_TRY(addr, txn.alloc(sizeof(ClientRecord)));
    BOOST_OUTCOME_TRY(txn.put(addr, ClientRecord{client_id, pid, notices.header()}));
    BOOST_OUTCOME_TRY(clients, ipc::PHashMap::open(txn, root(txn).clients));
    return clients.insert(txn, client_id, addr);
  };
  return lift(add());
}

std::vector<ClientRecord> LtpDb::list_clients(const ipc::Transaction& txn) const {
  std::vector<ClientRecord> clients;
  ipc::PHashMap::open(txn, root(txn).clients)
      .value()
      .for_each(txn, [&](std::uint64_t, std::uint64_t addr) {
        clients.push_back(*txn.get<ClientRecord>(addr));
      });
  return clients;
}

Result<void, DbError> LtpDb::close_client(ipc::Transaction& txn, std::uint64_t client_id) {
  const auto addr = find_client(txn, client_id);
  if (!addr) return failure(DbError::no_such_client);
  return lift(txn.put(*addr + offsetof(ClientRecord, pid), std::uint64_t{0}));
}

Result<void, DbError> LtpDb::orphan_client(ipc::Transaction& txn, std::uint64_t client_id) {
  const auto addr = find_client(txn, client_id);
  if (!addr) return failure(DbError::no_such_client);
  return lift(txn.put(*addr + offsetof(ClientRecord, pid), kHolderDied));
}

}  // namespace ltp::db
