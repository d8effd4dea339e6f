#include <fmt/format.h>

#include "libltp/admin/command_words.h"
#include "libltp/admin/ltprc_commands.h"
#include "libltp/admin/values.h"
#include "libltp/db/records.h"

namespace ltp::admin::ltprc {

namespace {

constexpr std::uint64_t kMaxSessions = 1'000'000;
constexpr std::uint64_t kMinSegmentSize = 64;
// The largest UDP payload: udplso is the link service we ship.
constexpr std::uint64_t kMaxSegmentSize = 65507;
constexpr std::uint64_t kMaxAggregationSize = std::uint64_t{1} << 32;
constexpr std::uint64_t kMaxAggregationMs = 3600 * 1000;
constexpr std::uint64_t kMaxLatencyMs = 86400 * 1000;
constexpr std::uint64_t kDefaultQueuingMs = 1000;

constexpr std::string_view kSpanUsage =
    "a|c span <engine> <max_export_sessions> <max_import_sessions> <max_segment_size> "
    "<aggregation_size_threshold> <aggregation_time_limit> '<LSO command>' [<queuing_latency>]";
constexpr std::string_view kSeatUsage = "a|d|i seat '<LSI command>'";

// An LSO/LSI command must fit its fixed-size record field.
Result<void, std::string> check_link_command(std::string_view token, std::string_view what) {
  if (token.empty()) return failure(fmt::format("{} is empty", what));
  if (token.size() >= db::kLsoCommandBytes) {
    return failure(fmt::format("{} is {} characters; at most {} fit", what, token.size(),
                               db::kLsoCommandBytes - 1));
  }
  return success();
}

Result<std::uint64_t, std::string> parse_engine(std::string_view token) {
  return parse_uint(token, "engine number", 1, UINT64_MAX);
}

// Modern: a span E XS IS SEG AGGS AGGT 'LSO' [Q]          (9 or 10 tokens)
// Legacy: a span E XS XBS IS IBS SEG AGGS AGGT 'LSO' [Q]  (11 or 12 tokens)
// The legacy export/import block sizes (XBS, IBS) have no equivalent in the
// modern form and are only checked to be numbers.
Result<SpanArgs, std::string> parse_span(const Tokens& t) {
  BOOST_OUTCOME_TRY(expect_tokens(t, 9, 12, kSpanUsage));
  const bool legacy = t.size() >= 11;
  const std::size_t import_at = legacy ? 5 : 4;
  const std::size_t segment_at = import_at + (legacy ? 2 : 1);
  if (legacy) {
    BOOST_OUTCOME_TRY(parse_uint(t[4], "max export block size (legacy form)", 1, UINT64_MAX));
    BOOST_OUTCOME_TRY(parse_uint(t[6], "max import block size (legacy form)", 1, UINT64_MAX));
  }
  SpanArgs span{};
  BOOST_OUTCOME_TRY(engine, parse_engine(t[2]));
  BOOST_OUTCOME_TRY(exports, parse_uint(t[3], "max export sessions", 1, kMaxSessions));
  BOOST_OUTCOME_TRY(imports, parse_uint(t[import_at], "max import sessions", 1, kMaxSessions));
  BOOST_OUTCOME_TRY(
      segment, parse_uint(t[segment_at], "max segment size", kMinSegmentSize, kMaxSegmentSize));
  BOOST_OUTCOME_TRY(aggregation, parse_uint(t[segment_at + 1], "aggregation size threshold", 1,
                                            kMaxAggregationSize));
  BOOST_OUTCOME_TRY(
      limit, parse_seconds_ms(t[segment_at + 2], "aggregation time limit", 1, kMaxAggregationMs));
  BOOST_OUTCOME_TRY(check_link_command(t[segment_at + 3], "LSO command"));
  span.engine_id = engine;
  span.max_export_sessions = exports;
  span.max_import_sessions = imports;
  span.max_segment_size = segment;
  span.aggregation_size_threshold = aggregation;
  span.aggregation_time_limit_ms = limit;
  span.lso_command = t[segment_at + 3];
  span.queuing_latency_ms = kDefaultQueuingMs;
  span.purge = false;
  if (t.size() > segment_at + 4) {
    BOOST_OUTCOME_TRY(latency, parse_seconds_ms(t[segment_at + 4], "queuing latency", 0,
                                                kMaxLatencyMs, &span.purge));
    span.queuing_latency_ms = latency;
  }
  return span;
}

Result<Command, std::string> parse_span_command(const Tokens& t) {
  const std::string& verb = t[0];
  if (verb == "a" || verb == "c") {
    BOOST_OUTCOME_TRY(span, parse_span(t));
    if (verb == "a") return Command{AddSpan{std::move(span)}};
    return Command{ChangeSpan{std::move(span)}};
  }
  if (verb == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "l span"));
    return Command{ListSpans{}};
  }
  BOOST_OUTCOME_TRY(expect_tokens(t, 3, 3, fmt::format("{} span <engine>", verb)));
  BOOST_OUTCOME_TRY(engine, parse_engine(t[2]));
  if (verb == "d") return Command{DeleteSpan{engine}};
  return Command{InfoSpan{engine}};
}

// An LSI command from `first`: quoted, one token; unquoted, ION takes a
// program and one argument as two tokens (ltpadmin.c's composeLsiCmd).
std::string lsi_command(const Tokens& t, std::size_t first) {
  return t.size() == first + 2 ? t[first] + " " + t[first + 1] : t[first];
}

Result<Command, std::string> parse_seat_command(const Tokens& t) {
  if (t[0] == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "l seat"));
    return Command{ListSeats{}};
  }
  BOOST_OUTCOME_TRY(expect_tokens(t, 3, 4, kSeatUsage));
  const std::string command = lsi_command(t, 2);
  BOOST_OUTCOME_TRY(check_link_command(command, "LSI command"));
  if (t[0] == "a") return Command{AddSeat{command}};
  if (t[0] == "d") return Command{DeleteSeat{command}};
  return Command{InfoSeat{command}};
}

Result<Command, std::string> parse_manage(const Tokens& t) {
  BOOST_OUTCOME_TRY(expect_tokens(
      t, 2, 4,
      "m heapmax|screening|ownqtime|maxber|maxbacklog <value> | m redundancy <engine> {on|off}"));
  const std::string& what = t[1];
  const bool known = what == "heapmax" || what == "screening" || what == "ownqtime" ||
                     what == "maxber" || what == "maxbacklog" || what == "redundancy";
  if (!known) return failure(unknown_command(t, "ltprc"));
  if (what == "redundancy") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 4, 4, "m redundancy <engine> {on|off}"));
    BOOST_OUTCOME_TRY(engine, parse_engine(t[2]));
    BOOST_OUTCOME_TRY(on, parse_switch(t[3], "redundancy"));
    return Command{SetRedundancy{engine, on}};
  }
  BOOST_OUTCOME_TRY(expect_tokens(t, 3, 3, fmt::format("m {} <value>", what)));
  if (what == "heapmax") {
    BOOST_OUTCOME_TRY(bytes, parse_uint(t[2], "heapmax", 0, UINT64_MAX));
    return Command{SetHeapmax{bytes}};
  }
  if (what == "screening") {
    BOOST_OUTCOME_TRY(on, parse_switch(t[2], "screening"));
    return Command{SetScreening{on}};
  }
  if (what == "ownqtime") {
    BOOST_OUTCOME_TRY(ms, parse_seconds_ms(t[2], "ownqtime", 0, kMaxLatencyMs));
    return Command{SetOwnQtime{ms}};
  }
  if (what == "maxber") {
    BOOST_OUTCOME_TRY(ber, parse_real_open(t[2], "maxber", 0.0, 1.0));
    return Command{SetMaxber{ber}};
  }
  BOOST_OUTCOME_TRY(sessions, parse_uint(t[2], "maxbacklog", 0, UINT64_MAX));
  return Command{SetMaxbacklog{sessions}};
}

Result<Command, std::string> parse_watch(const Tokens& t) {
  BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "w {0|1|<watch characters>}"));
  return Command{Watch{t[1]}};
}

}  // namespace

Result<Command, std::string> parse(const Tokens& t) {
  const std::string& verb = t[0];
  const bool object = t.size() >= 2;
  if (verb == "1") {
    // ION 4.1.3 ignores a second argument "for backward compatibility".
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 3, "1 <est_max_export_sessions>"));
    BOOST_OUTCOME_TRY(n, parse_uint(t[1], "est max export sessions", 1, kMaxSessions));
    return Command{Initialize{n}};
  }
  if ((verb == "a" || verb == "c" || verb == "d" || verb == "i" || verb == "l") && object &&
      t[1] == "span") {
    return parse_span_command(t);
  }
  if ((verb == "a" || verb == "d" || verb == "i" || verb == "l") && object && t[1] == "seat") {
    return parse_seat_command(t);
  }
  if (verb == "m") return parse_manage(t);
  if (verb == "s") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 1, 3, "s ['<LSI command>']"));
    if (t.size() == 1) return Command{Start{}};
    const std::string command = lsi_command(t, 1);
    BOOST_OUTCOME_TRY(check_link_command(command, "LSI command"));
    return Command{Start{command}};
  }
  if (verb == "w") return parse_watch(t);
  if (verb == "e") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "e {0|1}"));
    if (t[1] != "0" && t[1] != "1") return failure(fmt::format("e: `{}` is not 0 or 1", t[1]));
    return Command{Echo{t[1] == "1"}};
  }
  const bool single =
      verb.size() == 1 && std::string_view("xvthq?!").find(verb[0]) != std::string_view::npos;
  if (!single) return failure(unknown_command(t, "ltprc"));
  BOOST_OUTCOME_TRY(expect_tokens(t, 1, 1, verb));
  switch (verb[0]) {
    case 'x':
      return Command{Stop{}};
    case '!':
      return Command{Restart{}};
    case 'v':
      return Command{Version{}};
    case 't':
      return Command{Time{}};
    case 'q':
      return Command{Quit{}};
    default:  // h and ?
      return Command{Help{}};
  }
}

std::string_view help_text() {
  return "ltprc commands:\n"
         "  1 <est_max_export_sessions>          create the LTP database\n"
         "  a span <engine> <max_export_sessions> <max_import_sessions> <max_segment_size>\n"
         "         <aggregation_size_threshold> <aggregation_time_limit> '<LSO command>'\n"
         "         [<queuing_latency>]            add a span (negative latency: purge)\n"
         "  c span ...                           change a span (same arguments)\n"
         "  d span <engine> | i span <engine> | l span\n"
         "  a seat '<LSI command>' | d seat '...' | i seat '...' | l seat\n"
         "  m heapmax <bytes> | m screening {y|n} | m ownqtime <s> | m maxber <ber>\n"
         "  m maxbacklog <n>\n"
         "  m redundancy <engine> {on|off}       copies on a long link (OpenLTP peers only)\n"
         "  s ['<LSI command>']   start LTP        x   stop LTP        !   restart LTP\n"
         "  w {0|1|<chars>}       watch            e {0|1}   echo\n"
         "  v   version    t   time    h, ?   this help    q   quit    # comment\n";
}

}  // namespace ltp::admin::ltprc
