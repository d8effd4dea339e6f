#include "libltp/admin/ltprc_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "libltp/admin/transact.h"
#include "libltp/admin/values.h"
#include "libltp/db/contact_plan_store.h"
#include "libltp/db/ltp_db.h"

namespace ltp::admin {

namespace {

using db::DbError;
using db::LtpDb;

std::string db_message(DbError e, std::string_view subject) {
  return fmt::format("{}: {}", subject, db::to_string(e));
}

std::string lso_of(const db::SpanConfig& span) {
  return std::string(span.lso_command.data(),
                     strnlen(span.lso_command.data(), span.lso_command.size()));
}

std::string describe_span(const db::SpanConfig& s) {
  return fmt::format(
      "span to engine {}  LSO: '{}'\n"
      "\tmax export sessions: {}  max import sessions: {}\n"
      "\tmax segment size: {}  aggregation size threshold: {}  aggregation time limit: {} s\n"
      "\tqueuing latency: {} s  purge: {}  redundancy: {}\n",
      s.engine_id, lso_of(s), s.max_export_sessions, s.max_import_sessions, s.max_segment_size,
      s.aggregation_size_threshold, format_seconds(s.aggregation_time_limit_ms),
      format_seconds(s.queuing_latency_ms), s.purge, s.redundancy != 0 ? "on" : "off");
}

// Fills the ltprc fields of `span`, keeping OpenLTP's own per-span
// overrides (retransmission limits, ...) that ltprc cannot express.
void set_ltprc_fields(db::SpanConfig& span, const ltprc::SpanArgs& args) {
  span.engine_id = args.engine_id;
  span.max_export_sessions = args.max_export_sessions;
  span.max_import_sessions = args.max_import_sessions;
  span.max_segment_size = args.max_segment_size;
  span.aggregation_size_threshold = args.aggregation_size_threshold;
  span.aggregation_time_limit_ms = args.aggregation_time_limit_ms;
  span.queuing_latency_ms = args.queuing_latency_ms;
  span.purge = args.purge ? 1 : 0;
  span.lso_command.fill('\0');
  std::copy(args.lso_command.begin(), args.lso_command.end(), span.lso_command.begin());
}

bool has_seat(const ipc::Transaction& txn, const LtpDb& ltp, std::string_view lsi) {
  const auto seats = ltp.list_seats(txn);
  return std::find(seats.begin(), seats.end(), lsi) != seats.end();
}

// One call operator per ltprc command; each returns what the line produced.
class Applier {
 public:
  Applier(ipc::Transaction& txn, std::optional<std::uint64_t> own_engine_id,
          const LinkCommandCheck& check)
      : txn_(txn), own_engine_id_(own_engine_id), check_(check) {}

  using Out = Result<LineOutcome, std::string>;

  Out operator()(const ltprc::Initialize& c) {
    BOOST_OUTCOME_TRY(engine, own_engine());
    db::NodeConfig config;
    config.est_max_export_sessions = c.est_max_export_sessions;
    auto created = LtpDb::create(txn_, engine, config);
    if (!created && created.error() == DbError::already_exists) {
      return failure(std::string("the LTP database already exists; `1` may be given only once"));
    }
    if (!created) return failure(db_message(created.error(), "1"));
    return LineOutcome{};
  }
  Out operator()(const ltprc::AddSpan& c) {
    BOOST_OUTCOME_TRY(check(c.span.lso_command, LinkSide::output));
    BOOST_OUTCOME_TRY(ltp, open());
    db::SpanConfig span;
    set_ltprc_fields(span, c.span);
    if (auto r = ltp.add_span(txn_, span); !r) {
      if (r.error() == DbError::already_exists) {
        return failure(fmt::format("a span to engine {} already exists; use `c span` to change it",
                                   span.engine_id));
      }
      return failure(db_message(r.error(), "a span"));
    }
    return LineOutcome{};
  }
  Out operator()(const ltprc::ChangeSpan& c) {
    BOOST_OUTCOME_TRY(check(c.span.lso_command, LinkSide::output));
    BOOST_OUTCOME_TRY(ltp, open());
    auto current = ltp.span_info(txn_, c.span.engine_id);
    if (!current) return span_failure(current.error(), c.span.engine_id, "c span");
    db::SpanConfig span = current.value();
    set_ltprc_fields(span, c.span);
    if (auto r = ltp.change_span(txn_, span); !r) {
      return span_failure(r.error(), span.engine_id, "c span");
    }
    return LineOutcome{};
  }
  Out operator()(const ltprc::DeleteSpan& c) {
    BOOST_OUTCOME_TRY(ltp, open());
    if (auto r = ltp.delete_span(txn_, c.engine_id); !r) {
      return span_failure(r.error(), c.engine_id, "d span");
    }
    return LineOutcome{};
  }
  Out operator()(const ltprc::InfoSpan& c) {
    BOOST_OUTCOME_TRY(ltp, open());
    auto span = ltp.span_info(txn_, c.engine_id);
    if (!span) return span_failure(span.error(), c.engine_id, "i span");
    return LineOutcome{std::nullopt, describe_span(span.value())};
  }
  Out operator()(const ltprc::ListSpans&) {
    BOOST_OUTCOME_TRY(ltp, open());
    std::string text;
    for (std::uint64_t engine : ltp.list_spans(txn_)) {
      text += describe_span(ltp.span_info(txn_, engine).value());
    }
    if (text.empty()) text = "no spans\n";
    return LineOutcome{std::nullopt, std::move(text)};
  }
  Out operator()(const ltprc::AddSeat& c) {
    BOOST_OUTCOME_TRY(check(c.lsi_command, LinkSide::input));
    BOOST_OUTCOME_TRY(ltp, open());
    if (auto r = ltp.add_seat(txn_, c.lsi_command); !r) {
      if (r.error() == DbError::already_exists) {
        return failure(fmt::format("the seat '{}' already exists", c.lsi_command));
      }
      return failure(db_message(r.error(), "a seat"));
    }
    return LineOutcome{};
  }
  Out operator()(const ltprc::DeleteSeat& c) {
    BOOST_OUTCOME_TRY(ltp, open());
    if (auto r = ltp.delete_seat(txn_, c.lsi_command); !r)
      return seat_failure(r.error(), c.lsi_command);
    return LineOutcome{};
  }
  Out operator()(const ltprc::InfoSeat& c) {
    BOOST_OUTCOME_TRY(ltp, open());
    if (!has_seat(txn_, ltp, c.lsi_command)) {
      return seat_failure(DbError::no_such_seat, c.lsi_command);
    }
    return LineOutcome{std::nullopt, fmt::format("seat  LSI: '{}'\n", c.lsi_command)};
  }
  Out operator()(const ltprc::ListSeats&) {
    BOOST_OUTCOME_TRY(ltp, open());
    std::string text;
    for (const auto& seat : ltp.list_seats(txn_)) text += fmt::format("seat  LSI: '{}'\n", seat);
    if (text.empty()) text = "no seats\n";
    return LineOutcome{std::nullopt, std::move(text)};
  }
  Out operator()(const ltprc::SetHeapmax& c) {
    return set_node([&](db::NodeConfig& n) { n.heapmax = c.bytes; });
  }
  Out operator()(const ltprc::SetScreening& c) {
    return set_node([&](db::NodeConfig& n) { n.screening = c.on ? 1 : 0; });
  }
  Out operator()(const ltprc::SetOwnQtime& c) {
    return set_node([&](db::NodeConfig& n) { n.own_queuing_ms = c.ms; });
  }
  Out operator()(const ltprc::SetMaxber& c) {
    return set_node([&](db::NodeConfig& n) { n.maxber = c.ber; });
  }
  Out operator()(const ltprc::SetMaxbacklog& c) {
    return set_node([&](db::NodeConfig& n) { n.maxbacklog = c.sessions; });
  }
  Out operator()(const ltprc::SetRedundancy& c) {
    BOOST_OUTCOME_TRY(ltp, open());
    auto span = ltp.span_info(txn_, c.engine_id);
    if (!span) return span_failure(span.error(), c.engine_id, "m redundancy");
    db::SpanConfig changed = span.value();
    changed.redundancy = c.on ? 1 : 0;
    if (auto r = ltp.change_span(txn_, changed); !r) {
      return span_failure(r.error(), c.engine_id, "m redundancy");
    }
    return LineOutcome{};
  }
  // ION 4 keeps `s '<LSI command>'` from before seats existed: the command
  // becomes a seat (if it is not one already) and LTP starts.
  Out operator()(const ltprc::Start& c) {
    if (c.lsi_command) {
      BOOST_OUTCOME_TRY(check(*c.lsi_command, LinkSide::input));
    }
    BOOST_OUTCOME_TRY(ltp, open());
    if (c.lsi_command && !has_seat(txn_, ltp, *c.lsi_command)) {
      if (auto r = ltp.add_seat(txn_, *c.lsi_command); !r) {
        return failure(db_message(r.error(), "s"));
      }
    }
    return action(StartNode{c.lsi_command});
  }
  Out operator()(const ltprc::Stop&) { return action(StopNode{}); }
  Out operator()(const ltprc::Restart&) { return action(StopNode{true}); }
  Out operator()(const ltprc::Watch& c) { return action(SetWatch{c.characters}); }
  Out operator()(const ltprc::Echo& c) { return action(SetEcho{c.on}); }
  Out operator()(const ltprc::Version&) { return action(ShowVersion{}); }
  Out operator()(const ltprc::Time&) { return action(ShowTime{}); }
  Out operator()(const ltprc::Quit&) { return action(admin::Quit{}); }
  Out operator()(const ltprc::Help&) {
    return LineOutcome{std::nullopt, std::string(ltprc::help_text())};
  }

 private:
  static Out action(ToolAction a) {
    LineOutcome out;
    out.action = std::move(a);
    return out;
  }
  Result<void, std::string> check(std::string_view command, LinkSide side) const {
    if (!check_) return success();
    return check_(command, side);
  }

  Result<std::uint64_t, std::string> own_engine() const {
    if (own_engine_id_) return *own_engine_id_;
    auto plan = db::ContactPlanStore::open(txn_);
    if (!plan && plan.error() == db::PlanError::wrong_format) {
      return failure(std::string(
          "the node's contact plan was written by another OpenLTP version; recreate the node"));
    }
    if (!plan) {
      return failure(
          std::string("the own engine number is not known: run ionadmin's `1 <node_nbr>` first"));
    }
    return plan.value().own_node(txn_);
  }

  Result<LtpDb, std::string> open() const {
    auto ltp = LtpDb::open(txn_);
    if (!ltp) {
      return failure(std::string(
          "no LTP database yet: the first command must be `1 <est_max_export_sessions>`"));
    }
    return ltp.value();
  }

  static Out span_failure(DbError e, std::uint64_t engine, std::string_view command) {
    if (e == DbError::no_such_span) {
      return failure(fmt::format("no span to engine {} (`l span` lists the spans)", engine));
    }
    return failure(db_message(e, command));
  }

  static Out seat_failure(DbError e, std::string_view lsi) {
    if (e == DbError::no_such_seat) {
      return failure(fmt::format("no seat '{}' (`l seat` lists the seats)", lsi));
    }
    return failure(db_message(e, "seat"));
  }

  template <class Change>
  Out set_node(Change&& change) {
    BOOST_OUTCOME_TRY(ltp, open());
    db::NodeConfig config = ltp.root(txn_).config;
    change(config);
    if (auto r = ltp.set_node_config(txn_, config); !r) return failure(db_message(r.error(), "m"));
    return LineOutcome{};
  }

  ipc::Transaction& txn_;
  std::optional<std::uint64_t> own_engine_id_;
  const LinkCommandCheck& check_;
};

}  // namespace

Result<LineOutcome, std::string> LtprcAdmin::apply(ipc::Transaction& txn,
                                                   const ltprc::Command& command) {
  return std::visit(Applier(txn, own_engine_id_, check_), command);
}

Result<LineOutcome, std::string> LtprcAdmin::execute(const Tokens& tokens) {
  BOOST_OUTCOME_TRY(command, ltprc::parse(tokens));
  return in_transaction(heap_, [&](ipc::Transaction& txn) { return apply(txn, command); });
}

}  // namespace ltp::admin
