#include "tools/ltpstat/table.h"

#include <fmt/format.h>

#include <cstdint>

namespace ltp::ltpstat {
namespace {

using json = Report;

std::string bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

// Rates are bytes/s in the volatile database; 0 means unlimited.
std::string rate(std::uint64_t bytes_per_s) {
  if (bytes_per_s == 0) return "unlimited";
  return fmt::format("{}/s", bytes(bytes_per_s));
}

std::string seconds(std::uint64_t ms) {
  return ms % 1000 == 0 ? fmt::format("{} s", ms / 1000) : fmt::format("{} s", ms / 1000.0);
}

std::string reasons(const json& counts) {
  std::string out;
  for (const auto& [name, n] : counts.items()) {
    if (n.get<std::uint64_t>() != 0) out += fmt::format(" {} {}", name, n.get<std::uint64_t>());
  }
  return out.empty() ? " none" : out;
}

void span_row(std::string& out, const json& s) {
  const auto& sessions = s["sessions"];
  std::string tx = "-", rx = "-", out_rate = "-", in_rate = "-", owlt = "-";
  if (!s["link"].is_null()) {
    const auto& l = s["link"];
    tx = l["local_transmitting"].get<bool>() ? "up" : "down";
    rx = l["remote_transmitting"].get<bool>() ? "up" : "down";
    out_rate = rate(l["transmit_rate"].get<std::uint64_t>());
    in_rate = rate(l["receive_rate"].get<std::uint64_t>());
    owlt = seconds(l["owlt_ms"].get<std::uint64_t>());
    if (!l["lso_running"].get<bool>()) tx = "lso!";  // its link service is not running
  }
  out += fmt::format(
      "{:<8} {:>4}/{:<5} {:>4}/{:<5} {:>6} {:<4} {:<4} {:>12} {:>12} {:>7}  {}\n",
      s["engine"].get<std::uint64_t>(), sessions["export"].get<std::uint64_t>(),
      s["max_export_sessions"].get<std::uint64_t>(), sessions["import"].get<std::uint64_t>(),
      s["max_import_sessions"].get<std::uint64_t>(), s["max_segment_size"].get<std::uint64_t>(), tx,
      rx, out_rate, in_rate, owlt, s["lso_command"].get<std::string>());
}

// `HMAC-SHA1-80 key k1, 1234 passed, 5 refused`
std::string auth_rule(const json& rule) {
  std::string text = rule["ciphersuite_name"].get<std::string>();
  text += rule["key"].is_null() ? std::string(", no key")
                                : fmt::format(" key {}", rule["key"].get<std::string>());
  if (rule.contains("signed")) {
    return text + fmt::format(", {} signed", rule["signed"].get<std::uint64_t>());
  }
  return text + fmt::format(", {} passed, {} refused", rule["passed"].get<std::uint64_t>(),
                            rule["refused"].get<std::uint64_t>());
}

void span_auth(std::string& out, const json& s) {
  if (!s.contains("auth")) return;
  const auto& auth = s["auth"];
  const auto side = [&](const char* key) {
    return auth.contains(key) ? auth_rule(auth[key]) : std::string("none");
  };
  out += fmt::format("  auth      rx: {}; tx: {}\n", side("receive"), side("transmit"));
}

void span_cookies(std::string& out, const json& s) {
  if (!s.contains("cookies")) return;
  const auto& c = s["cookies"];
  out += fmt::format("  cookies   {} passed, {} refused, {} sessions' held\n",
                     c["passed"].get<std::uint64_t>(), c["refused"].get<std::uint64_t>(),
                     c["sessions"].get<std::uint64_t>());
}

void span_counters(std::string& out, const json& s) {
  const auto& c = s["counters"];
  const auto n = [&](const char* key) { return c[key].get<std::uint64_t>(); };
  out += fmt::format("span {}:\n", s["engine"].get<std::uint64_t>());
  out += fmt::format("  segments  sent {} ({}), received {} ({}), data retransmitted {}\n",
                     n("segments_sent"), bytes(n("bytes_sent")), n("segments_received"),
                     bytes(n("bytes_received")), n("data_segments_retransmitted"));
  out += fmt::format(
      "  control   checkpoints sent {} (again {}) received {}; reports sent {} (again {}) "
      "received {}; acks sent {} received {}\n",
      n("checkpoints_sent"), n("checkpoints_retransmitted"), n("checkpoints_received"),
      n("reports_sent"), n("reports_retransmitted"), n("reports_received"), n("report_acks_sent"),
      n("report_acks_received"));
  out += fmt::format(
      "  sessions  export completed {} cancelled {}; import completed {} cancelled {}\n",
      n("export_sessions_completed"), n("export_sessions_cancelled"),
      n("import_sessions_completed"), n("import_sessions_cancelled"));
  out += fmt::format("  cancels   sent:{}; received:{}; resent {}\n", reasons(c["cancels_sent"]),
                     reasons(c["cancels_received"]), n("cancel_retransmissions"));
  out += fmt::format("  dropped   closed session {}, over limits {}, invalid {}\n",
                     n("segments_dropped_closed"), n("segments_dropped_limit"),
                     n("segments_dropped_invalid"));
  span_auth(out, s);
  span_cookies(out, s);
  if (!s["link"].is_null()) {
    if (const auto& rtt = s["link"]["round_trip_ms"]; !rtt.is_null()) {
      out += fmt::format("  path      round trip {} (measured: checkpoint to its report)\n",
                         seconds(rtt.get<std::uint64_t>()));
    }
    if (const auto& learned = s["link"]["learned_rate"]; !learned.is_null()) {
      const auto& pace = learned["pace_bytes_per_second"];
      out += fmt::format("  rate      learned {}, {} ({}); backed off {} times\n",
                         rate(learned["bottleneck_bytes_per_second"].get<std::uint64_t>()),
                         pace.is_null() ? std::string("unpaced (short of data)")
                                        : "sending at " + rate(pace.get<std::uint64_t>()),
                         learned["phase"].get<std::string>(),
                         learned["backoffs"].get<std::uint64_t>());
    }
    out += fmt::format("  imports   slots yielded to newcomers since start {}\n",
                       s["link"]["imports_yielded"].get<std::uint64_t>());
    if (const auto others = s["link"]["from_other_addresses"].get<std::uint64_t>(); others != 0) {
      out += fmt::format(
          "  refused   from hosts its LSO does not send to (udplsi --peers-only) {}\n", others);
    }
  }
}

}  // namespace

std::string render_table(const json& r) {
  std::string out;
  out += fmt::format("node {}  engine {}  {}\n", r["node"].get<std::string>(),
                     r["engine"].get<std::uint64_t>(), r["state"].get<std::string>());
  const auto& h = r["heap"];
  const auto arena = h["arena_size"].get<std::uint64_t>();
  const auto used = h["bytes_in_use"].get<std::uint64_t>();
  out += fmt::format("heap {} in use of {} ({:.1f}%), {} objects, largest free block {}\n",
                     bytes(used), bytes(arena), arena ? 100.0 * used / arena : 0.0,
                     h["objects"].get<std::uint64_t>(),
                     bytes(h["largest_free_block"].get<std::uint64_t>()));
  const auto& c = r["config"];
  out += fmt::format(
      "config est. max export sessions {}, ownqtime {}, maxber {}, screening {}, heapmax {}, "
      "maxbacklog {}\n",
      c["est_max_export_sessions"].get<std::uint64_t>(),
      seconds(c["ownqtime_ms"].get<std::uint64_t>()), c["maxber"].get<double>(),
      c["screening"].get<bool>() ? "on" : "off",
      c["heapmax"].get<std::uint64_t>() ? bytes(c["heapmax"].get<std::uint64_t>()) : "none",
      c["maxbacklog"].get<std::uint64_t>());
  for (const auto& seat : r["seats"]) out += fmt::format("seat '{}'\n", seat.get<std::string>());
  out += '\n';
  if (r["spans"].empty()) {
    out += "no spans (`a span` in ltpadmin adds one)\n";
  } else {
    out +=
        fmt::format("{:<8} {:>10} {:>10} {:>6} {:<4} {:<4} {:>12} {:>12} {:>7}  {}\n", "SPAN",
                    "EXPORT", "IMPORT", "SEGMAX", "TX", "RX", "RATE OUT", "RATE IN", "OWLT", "LSO");
    for (const auto& s : r["spans"]) span_row(out, s);
    out += '\n';
    for (const auto& s : r["spans"]) span_counters(out, s);
  }
  const auto& nc = r["node_counters"];
  out += fmt::format("node      malformed dropped {}, unknown span dropped {}, keep-alives {}\n",
                     nc["malformed_dropped"].get<std::uint64_t>(),
                     nc["unknown_span_dropped"].get<std::uint64_t>(),
                     nc["keep_alives"].get<std::uint64_t>());
  if (r["daemons"].empty()) {
    out += "daemons   none running\n";
  } else {
    std::string list;
    for (const auto& d : r["daemons"]) {
      const auto restarts = d.value("restarts", std::uint64_t{0});
      list += d.value("running", true)
                  ? fmt::format(" {} ({})", d["role"].get<std::string>(), d["pid"].get<int>())
                  : fmt::format(" {} (DOWN)", d["role"].get<std::string>());
      if (restarts > 0) list += fmt::format(" restarted {}x", restarts);
    }
    out += fmt::format("daemons  {}\n", list);
  }
  return out;
}

}  // namespace ltp::ltpstat
