#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <optional>

#include "libltp/admin/command_words.h"
#include "libltp/admin/ionrc_commands.h"
#include "libltp/admin/values.h"

namespace ltp::admin::ionrc {

namespace {

constexpr std::uint64_t kMaxOwltMs = 7 * 86400 * 1000ull;
constexpr std::uint64_t kMaxClockErrorMs = 86400 * 1000ull;

Result<std::uint64_t, std::string> parse_node(std::string_view token, std::string_view what) {
  return parse_uint(token, what, 1, UINT64_MAX);
}

// (0, 1]: ION's contact confidence.
Result<double, std::string> parse_confidence(std::string_view token) {
  BOOST_OUTCOME_TRY(v, parse_real_open(token, "confidence", 0.0, 2.0));
  if (v > 1.0) return failure(fmt::format("confidence: {} is above 1", token));
  return v;
}

Result<std::uint64_t, std::string> parse_rate(std::string_view token) {
  return parse_uint(token, "rate (bytes/s)", 1, UINT64_MAX);
}

struct Interval {
  std::uint64_t start_ms;
  std::uint64_t end_ms;
};

Result<Interval, std::string> parse_interval(std::string_view from, std::string_view until,
                                             std::uint64_t now_ms) {
  BOOST_OUTCOME_TRY(start, parse_time(from, "from time", now_ms));
  BOOST_OUTCOME_TRY(end, parse_time(until, "until time", now_ms));
  if (end <= start) {
    return failure(fmt::format("until time {} is not after from time {}", until, from));
  }
  return Interval{start, end};
}

// `<from time|*> <node> <node>` of d/i, or `<from time> <node> <node>` of c.
Result<db::PlanSelector, std::string> parse_selector(const Tokens& t, bool wildcard,
                                                     std::uint64_t now_ms) {
  db::PlanSelector which{};
  if (!(wildcard && t[2] == "*")) {
    BOOST_OUTCOME_TRY(start, parse_time(t[2], "from time", now_ms));
    which.start_ms = start;
  }
  BOOST_OUTCOME_TRY(from, parse_node(t[3], "from node"));
  BOOST_OUTCOME_TRY(to, parse_node(t[4], "to node"));
  which.from_node = from;
  which.to_node = to;
  return which;
}

Result<Command, std::string> parse_contact(const Tokens& t, std::uint64_t now_ms) {
  const std::string& verb = t[0];
  if (verb == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "l contact"));
    return Command{ListContacts{}};
  }
  if (verb == "a") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 7, 8,
                                    "a contact <from time> <until time> <from node> <to node> "
                                    "<bytes/s> [<confidence>]"));
    BOOST_OUTCOME_TRY(when, parse_interval(t[2], t[3], now_ms));
    BOOST_OUTCOME_TRY(from, parse_node(t[4], "from node"));
    BOOST_OUTCOME_TRY(to, parse_node(t[5], "to node"));
    BOOST_OUTCOME_TRY(rate, parse_rate(t[6]));
    double confidence = 1.0;
    if (t.size() == 8) {
      BOOST_OUTCOME_TRY(c, parse_confidence(t[7]));
      confidence = c;
    }
    return Command{AddContact{db::Contact{from, to, when.start_ms, when.end_ms, rate, confidence}}};
  }
  if (verb == "c") {
    BOOST_OUTCOME_TRY(expect_tokens(
        t, 6, 7, "c contact <from time> <from node> <to node> <bytes/s> [<confidence>]"));
    BOOST_OUTCOME_TRY(which, parse_selector(t, false, now_ms));
    BOOST_OUTCOME_TRY(rate, parse_rate(t[5]));
    double confidence = 1.0;
    if (t.size() == 7) {
      BOOST_OUTCOME_TRY(c, parse_confidence(t[6]));
      confidence = c;
    }
    return Command{ChangeContact{which, rate, confidence}};
  }
  BOOST_OUTCOME_TRY(
      expect_tokens(t, 5, 5, fmt::format("{} contact <from time|*> <from node> <to node>", verb)));
  BOOST_OUTCOME_TRY(which, parse_selector(t, true, now_ms));
  if (verb == "d") return Command{DeleteContact{which}};
  return Command{InfoContact{which}};
}

Result<Command, std::string> parse_range(const Tokens& t, std::uint64_t now_ms) {
  const std::string& verb = t[0];
  if (verb == "l") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "l range"));
    return Command{ListRanges{}};
  }
  if (verb == "a") {
    BOOST_OUTCOME_TRY(
        expect_tokens(t, 7, 7, "a range <from time> <until time> <node> <node> <OWLT seconds>"));
    BOOST_OUTCOME_TRY(when, parse_interval(t[2], t[3], now_ms));
    BOOST_OUTCOME_TRY(a, parse_node(t[4], "from node"));
    BOOST_OUTCOME_TRY(b, parse_node(t[5], "to node"));
    BOOST_OUTCOME_TRY(owlt, parse_seconds_ms(t[6], "OWLT", 0, kMaxOwltMs));
    return Command{AddRange{db::Range{a, b, when.start_ms, when.end_ms, owlt}}};
  }
  if (verb == "c") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 6, 6, "c range <from time> <node> <node> <OWLT seconds>"));
    BOOST_OUTCOME_TRY(which, parse_selector(t, false, now_ms));
    BOOST_OUTCOME_TRY(owlt, parse_seconds_ms(t[5], "OWLT", 0, kMaxOwltMs));
    return Command{ChangeRange{which, owlt}};
  }
  BOOST_OUTCOME_TRY(
      expect_tokens(t, 5, 5, fmt::format("{} range <from time|*> <node> <node>", verb)));
  BOOST_OUTCOME_TRY(which, parse_selector(t, true, now_ms));
  if (verb == "d") return Command{DeleteRange{which}};
  return Command{InfoRange{which}};
}

Result<Command, std::string> parse_manage(const Tokens& t, std::uint64_t now_ms) {
  if (t.size() >= 2 && t[1] == "horizon") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 3, 3, "m horizon {+seconds|yyyy/mm/dd-hh:mm:ss}"));
    BOOST_OUTCOME_TRY(when, parse_time(t[2], "horizon", now_ms));
    return Command{SetHorizon{when}};
  }
  if (t.size() >= 2 && t[1] == "clockerr") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 3, 3, "m clockerr <seconds>"));
    BOOST_OUTCOME_TRY(ms, parse_seconds_ms(t[2], "clockerr", 0, kMaxClockErrorMs));
    return Command{SetClockError{ms}};
  }
  // The rest of ION 4.1.3's `m` commands concern its bundle agent, its
  // clock and its memory accounting, none of which OpenLTP has.
  static constexpr std::string_view kIonManage[] = {
      "utcdelta", "clocksync", "production", "prod",   "consumption", "consum", "inbound",
      "in",       "outbound",  "out",        "search", "alarm",       "usage"};
  if (t.size() >= 2 &&
      std::find(std::begin(kIonManage), std::end(kIonManage), t[1]) != std::end(kIonManage)) {
    return Command{
        Ignored{fmt::format("note: `m {}` is ION's, for what OpenLTP does not have "
                            "(a bundle agent, its clock or memory accounting); ignored",
                            t[1])}};
  }
  return failure(unknown_command(t, "ionrc"));
}

// ION reads the config file name as given: empty means none (defaults),
// "." means <host name up to its first dot>.ionconfig in the current
// directory.
std::optional<std::string> config_file_name(const std::string& given) {
  if (given.empty()) return std::nullopt;
  if (given != ".") return given;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return given;
  std::string name(host);
  return name.substr(0, name.find('.')) + ".ionconfig";
}

}  // namespace

Result<Command, std::string> parse(const Tokens& t, std::uint64_t now_ms) {
  const std::string& verb = t[0];
  const bool table_verb = verb == "a" || verb == "c" || verb == "d" || verb == "i" || verb == "l";
  if (table_verb && t.size() >= 2 && t[1] == "contact") return parse_contact(t, now_ms);
  if (table_verb && t.size() >= 2 && t[1] == "range") return parse_range(t, now_ms);
  if (verb == "m") return parse_manage(t, now_ms);
  if (verb == "1") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 3, "1 <node number> [<config file>]"));
    BOOST_OUTCOME_TRY(node, parse_node(t[1], "node number"));
    std::optional<std::string> config;
    if (t.size() == 3) config = config_file_name(t[2]);
    return Command{Initialize{node, std::move(config)}};
  }
  if (verb == "@") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 2, 2, "@ {0|+seconds|yyyy/mm/dd-hh:mm:ss}"));
    if (t[1] == "0") return Command{SetReferenceTime{}};
    BOOST_OUTCOME_TRY(at, parse_time(t[1], "reference time", now_ms));
    return Command{SetReferenceTime{at}};
  }
  if (verb == "v") {
    BOOST_OUTCOME_TRY(expect_tokens(t, 1, 1, "v"));
    return Command{Version{}};
  }
  // The rest of ION 4.1.3's ionadmin commands act on what OpenLTP does not
  // have, or only on ionadmin's own session.
  if (verb == "^") {
    return Command{Ignored{"note: `^` sets ION's region number (contact graph routing); ignored"}};
  }
  if (verb == "!") {
    return Command{Ignored{"note: `!` switches ION's contact plan announcements; ignored"}};
  }
  if (verb == "b") return Command{Ignored{"note: `b` writes ION's brief of its plan; ignored"}};
  if (verb == "e") return Command{Ignored{"note: `e` switches ionadmin's echo; ignored"}};
  if (verb == "t") {
    return Command{Ignored{"note: `t` asks whether ION is up; ignored (ltpstat tells)"}};
  }
  if (verb == "r") {
    // Not run: a configuration file that starts programs is a surprise
    // the node's tools should not spring.
    return Command{
        Ignored{fmt::format("note: `r` would run `{}`; OpenLTP runs no command from "
                            "its configuration (ignored): run it yourself",
                            t.size() > 1 ? t[1] : std::string())}};
  }
  const bool single = verb == "s" || verb == "x" || verb == "h" || verb == "?" || verb == "q";
  if (!single) return failure(unknown_command(t, "ionrc"));
  BOOST_OUTCOME_TRY(expect_tokens(t, 1, 1, verb));
  if (verb == "s") return Command{Start{}};
  if (verb == "x") return Command{Stop{}};
  if (verb == "q") return Command{Quit{}};
  return Command{Help{}};
}

std::string_view help_text() {
  return "ionrc commands (the part LTP needs):\n"
         "  1 <node number> [<config file>]      initialize the node\n"
         "  a contact <from> <until> <from node> <to node> <bytes/s> [<confidence>]\n"
         "  c contact <from> <from node> <to node> <bytes/s> [<confidence>]\n"
         "  d|i contact {<from>|*} <from node> <to node>    l contact\n"
         "  a range <from> <until> <node> <node> <OWLT s>\n"
         "  c range <from> <node> <node> <OWLT s>\n"
         "  d|i range {<from>|*} <node> <node>               l range\n"
         "  m horizon <time>    m clockerr <s>    (ION's other m commands: noted, ignored)\n"
         "  @ {0|+seconds|yyyy/mm/dd-hh:mm:ss}   what later +seconds count from (0: now)\n"
         "  s   start    x   stop    v   version    h, ?   this help    q   quit    # comment\n"
         "  (ION's ^ ! b e t r: noted, ignored; r runs nothing)\n"
         "  times: +seconds from now (or from @), or yyyy/mm/dd-hh:mm:ss (UTC)\n";
}

}  // namespace ltp::admin::ionrc
