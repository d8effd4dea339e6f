// LtpDb: the persistent LTP database in the SDR heap — node configuration,
// spans, seats and clients — and the config API ltpadmin calls.
//
// Found through the heap's root catalog ("ltpdb"). Every method takes the
// caller's open Transaction, so ltpadmin can group commands and the engine
// can use the same lookups inside its own transactions. Sessions, queues
// and timers hang off these records but belong to libltp/engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/heap_error.h"
#include "ipc/result.h"
#include "ipc/transaction.h"
#include "libltp/db/records.h"

namespace ltp::db {

enum class DbError {
  heap,             // the heap refused (see the log); transaction doomed
  not_initialized,  // no LTP database in this heap
  wrong_format,     // an LTP database of another OpenLTP version (kDbFormatVersion)
  already_exists,   // database, span, seat or client already there
  no_such_span,
  no_such_seat,
  no_such_client,
  client_in_use,  // another process holds the client id
  span_busy,      // span still has sessions
  bad_config,     // a value out of range
  no_such_key,    // security database: no key of that name
  no_such_rule,   // security database: no rule for that engine
  key_in_use,     // security database: a rule names the key
};
std::string_view to_string(DbError e);

class LtpDb {
 public:
  // `1 <est_max_export_sessions>` of ltprc: creates the database.
  static Result<LtpDb, DbError> create(ipc::Transaction& txn, std::uint64_t own_engine_id,
                                       const NodeConfig& config);
  static Result<LtpDb, DbError> open(const ipc::Transaction& txn);

  Addr root_addr() const { return root_; }
  const DbRoot& root(const ipc::Transaction& txn) const { return *txn.get<DbRoot>(root_); }
  std::uint64_t own_engine_id(const ipc::Transaction& txn) const { return root(txn).own_engine_id; }

  // `m heapmax|screening|ownqtime|maxber|maxbacklog`.
  Result<void, DbError> set_node_config(ipc::Transaction& txn, const NodeConfig& config);

  // `a|c|d|i|l span`.
  Result<void, DbError> add_span(ipc::Transaction& txn, const SpanConfig& config);
  Result<void, DbError> change_span(ipc::Transaction& txn, const SpanConfig& config);
  Result<void, DbError> delete_span(ipc::Transaction& txn, std::uint64_t engine_id);
  Result<SpanConfig, DbError> span_info(const ipc::Transaction& txn, std::uint64_t engine_id) const;
  std::vector<std::uint64_t> list_spans(const ipc::Transaction& txn) const;
  std::optional<Addr> find_span(const ipc::Transaction& txn, std::uint64_t engine_id) const;

  // `a|d|l seat`.
  Result<void, DbError> add_seat(ipc::Transaction& txn, std::string_view lsi_command);
  Result<void, DbError> delete_seat(ipc::Transaction& txn, std::string_view lsi_command);
  std::vector<std::string> list_seats(const ipc::Transaction& txn) const;

  // ltp_open / ltp_close.
  Result<void, DbError> open_client(ipc::Transaction& txn, std::uint64_t client_id,
                                    std::uint64_t pid);
  Result<void, DbError> close_client(ipc::Transaction& txn, std::uint64_t client_id);
  // Not open, its holder dead (ltpdeliv): unlike a closed id, it keeps
  // collecting the outcomes of what it sent, for its next holder.
  Result<void, DbError> orphan_client(ipc::Transaction& txn, std::uint64_t client_id);
  std::optional<Addr> find_client(const ipc::Transaction& txn, std::uint64_t client_id) const;
  bool client_is_open(const ipc::Transaction& txn, std::uint64_t client_id) const;
  // Every client record, open or not (ltpdeliv reaps dead holders).
  std::vector<ClientRecord> list_clients(const ipc::Transaction& txn) const;

 private:
  explicit LtpDb(Addr root) : root_(root) {}
  Addr root_;
};

}  // namespace ltp::db
