// The ltprc command language (ltpadmin) as typed commands.
//
// parse_ltprc() turns one tokenized line into an LtprcCommand; LtprcAdmin
// (ltprc_admin.h) executes it. Times are already milliseconds, quoted
// commands already unquoted. See docs/config.md and ltprc(5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "ipc/result.h"
#include "libltp/admin/tokenizer.h"

namespace ltp::admin::ltprc {

// `1 <est_max_export_sessions>`
struct Initialize {
  std::uint64_t est_max_export_sessions;
};

// The fields of `a span` / `c span` (the legacy 11/12-token form is
// mapped onto these; its block sizes are not kept).
struct SpanArgs {
  std::uint64_t engine_id;
  std::uint64_t max_export_sessions;
  std::uint64_t max_import_sessions;
  std::uint64_t max_segment_size;
  std::uint64_t aggregation_size_threshold;
  std::uint64_t aggregation_time_limit_ms;
  std::string lso_command;
  std::uint64_t queuing_latency_ms;
  bool purge;  // the queuing latency was negative
};
struct AddSpan {
  SpanArgs span;
};
struct ChangeSpan {
  SpanArgs span;
};
struct DeleteSpan {
  std::uint64_t engine_id;
};
struct InfoSpan {
  std::uint64_t engine_id;
};
struct ListSpans {};

struct AddSeat {
  std::string lsi_command;
};
struct DeleteSeat {
  std::string lsi_command;
};
struct InfoSeat {
  std::string lsi_command;
};
struct ListSeats {};

// `m ...`
struct SetHeapmax {
  std::uint64_t bytes;
};
struct SetScreening {
  bool on;
};
struct SetOwnQtime {
  std::uint64_t ms;
};
struct SetMaxber {
  double ber;
};
struct SetMaxbacklog {
  std::uint64_t sessions;
};
// OpenLTP's: redundant copies on a long link to an OpenLTP peer
// (engine/idle_redundancy.cc); ION 4.1.3 has no such command.
struct SetRedundancy {
  std::uint64_t engine_id;
  bool on;
};

struct Start {
  std::optional<std::string> lsi_command;
};
struct Stop {};
// `!`: stop, then start with the seats (OpenLTP's; ltpadmin's `!` argument).
struct Restart {};
struct Watch {
  std::string characters;
};
struct Echo {
  bool on;
};
struct Version {};
struct Time {};
struct Help {};
struct Quit {};

using Command = std::variant<Initialize, AddSpan, ChangeSpan, DeleteSpan, InfoSpan, ListSpans,
                             AddSeat, DeleteSeat, InfoSeat, ListSeats, SetHeapmax, SetScreening,
                             SetOwnQtime, SetMaxber, SetMaxbacklog, SetRedundancy, Start, Stop,
                             Restart, Watch, Echo, Version, Time, Help, Quit>;

// `tokens` is a non-empty, non-comment line from tokenize().
Result<Command, std::string> parse(const Tokens& tokens);

// The text `h` prints.
std::string_view help_text();

}  // namespace ltp::admin::ltprc
