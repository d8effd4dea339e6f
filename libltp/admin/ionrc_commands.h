// The ionrc command language (ionadmin), the subset LTP needs, as typed
// commands.
//
// parse_ionrc() turns one tokenized line into a Command; IonrcAdmin
// (ionrc_admin.h) executes it. Times are resolved against the `now` the
// caller passes (ION's `+seconds` is relative to when the line is read).
// See docs/config.md and ionrc(5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "ipc/result.h"
#include "libltp/admin/tokenizer.h"
#include "libltp/db/contact_plan.h"
#include "libltp/db/contact_plan_store.h"

namespace ltp::admin::ionrc {

// `1 <node_nbr> [<config file>]`. The config file sizes the heap, so the
// tool reads it before the heap exists (parse the first line itself);
// the library only records the node number.
struct Initialize {
  std::uint64_t node;
  std::optional<std::string> config_file;
};
struct Start {};
struct Stop {};
struct SetHorizon {
  std::uint64_t unix_ms;
};
struct SetClockError {
  std::uint64_t ms;
};

struct AddContact {
  db::Contact contact;
};
struct ChangeContact {
  db::PlanSelector which;  // start always set
  std::uint64_t rate;
  double confidence;
};
struct DeleteContact {
  db::PlanSelector which;
};
struct InfoContact {
  db::PlanSelector which;
};
struct ListContacts {};

struct AddRange {
  db::Range range;
};
struct ChangeRange {
  db::PlanSelector which;  // start always set
  std::uint64_t owlt_ms;
};
struct DeleteRange {
  db::PlanSelector which;
};
struct InfoRange {
  db::PlanSelector which;
};
struct ListRanges {};

struct Help {};
struct Quit {};
struct Version {};
// `@ <time>`: the time later relative times (+seconds) count from; `@ 0`
// (no time here) is now. Until one is given, a relative time counts from
// the moment its line is read.
struct SetReferenceTime {
  std::optional<std::uint64_t> unix_ms;
};
// An ION command OpenLTP has no use for (ION's `m production`, say):
// accepted so ION's files load, with a note saying it changed nothing.
struct Ignored {
  std::string note;
};

using Command =
    std::variant<Initialize, Start, Stop, SetHorizon, SetClockError, AddContact, ChangeContact,
                 DeleteContact, InfoContact, ListContacts, AddRange, ChangeRange, DeleteRange,
                 InfoRange, ListRanges, Help, Quit, Version, SetReferenceTime, Ignored>;

Result<Command, std::string> parse(const Tokens& tokens, std::uint64_t now_ms);

std::string_view help_text();

}  // namespace ltp::admin::ionrc
