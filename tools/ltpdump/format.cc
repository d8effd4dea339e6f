#include "tools/ltpdump/format.h"

#include <fmt/format.h>

#include <ctime>
#include <variant>

#include "libltp/codec/auth.h"
#include "libltp/codec/decode.h"

namespace ltpdump {

namespace codec = ltp::codec;

namespace {

std::string iso8601(const timeval& tv) {
  std::tm utc{};
  const std::time_t seconds = tv.tv_sec;
  gmtime_r(&seconds, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:06d}Z", date, static_cast<long>(tv.tv_usec));
}

std::string hex(std::span<const std::uint8_t> bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) text += fmt::format("{:02x}", b);
  return text;
}

// ---- JSON --------------------------------------------------------------

nlohmann::ordered_json extensions_json(const codec::ExtensionsView& extensions, bool header) {
  auto list = nlohmann::ordered_json::array();
  for (const codec::Extension& e : extensions) {
    nlohmann::ordered_json item;
    item["tag"] = e.tag;
    item["length"] = e.value.size();
    item["value"] = hex(e.value);
    if (header) {
      if (auto auth = codec::as_authentication_header(e)) {
        item["ciphersuite"] = static_cast<int>(auth->ciphersuite);
        if (!auth->key_id.empty()) item["key_id"] = hex(auth->key_id);
      }
    } else if (auto mac = codec::as_authentication_trailer(e)) {
      item["mac"] = hex(*mac);
    }
    if (auto cookie = codec::as_cookie(e)) item["cookie"] = hex(*cookie);
    list.push_back(std::move(item));
  }
  return list;
}

void body_json(nlohmann::ordered_json& j, const codec::Body& body) {
  if (const auto* d = std::get_if<codec::DataSegment>(&body)) {
    j["client_service_id"] = d->client_service_id;
    j["offset"] = d->offset;
    j["length"] = d->length();
    if (d->checkpoint) {
      j["checkpoint_serial"] = d->checkpoint->checkpoint_serial;
      j["report_serial"] = d->checkpoint->report_serial;
    }
  } else if (const auto* r = std::get_if<codec::ReportSegment>(&body)) {
    j["report_serial"] = r->report_serial;
    j["checkpoint_serial"] = r->checkpoint_serial;
    j["upper_bound"] = r->upper_bound;
    j["lower_bound"] = r->lower_bound;
    j["claim_count"] = r->claims.size();
    auto claims = nlohmann::ordered_json::array();
    for (const codec::Claim& c : r->claims)
      claims.push_back({{"offset", c.offset}, {"length", c.length}});
    j["claims"] = std::move(claims);
  } else if (const auto* a = std::get_if<codec::ReportAck>(&body)) {
    j["report_serial"] = a->report_serial;
  } else if (const auto* c = std::get_if<codec::Cancel>(&body)) {
    j["reason"] = static_cast<int>(c->reason);
    j["reason_name"] = codec::reason_name(c->reason);
  }
}

// ---- text --------------------------------------------------------------

std::string extensions_text(const codec::ExtensionsView& extensions, std::string_view kind) {
  std::string text;
  for (const codec::Extension& e : extensions) {
    text += fmt::format(" {}-ext[tag 0x{:02x} len {}", kind, e.tag, e.value.size());
    if (kind == "hdr") {
      if (auto auth = codec::as_authentication_header(e)) {
        text += fmt::format(" ciphersuite {}", static_cast<int>(auth->ciphersuite));
        if (!auth->key_id.empty()) text += " key-id " + hex(auth->key_id);
      }
    }
    if (!e.value.empty())
      text += " " + hex(e.value.first(std::min<std::size_t>(e.value.size(), 16)));
    if (e.value.size() > 16) text += "...";
    text += "]";
  }
  return text;
}

std::string body_text(const codec::Body& body) {
  if (const auto* d = std::get_if<codec::DataSegment>(&body)) {
    std::string text =
        fmt::format(" client {} offset {} length {}", d->client_service_id, d->offset, d->length());
    if (d->checkpoint) {
      text += fmt::format(" checkpoint {} report {}", d->checkpoint->checkpoint_serial,
                          d->checkpoint->report_serial);
    }
    return text;
  }
  if (const auto* r = std::get_if<codec::ReportSegment>(&body)) {
    std::string text =
        fmt::format(" serial {} checkpoint {} bounds [{},{}) claims {}:", r->report_serial,
                    r->checkpoint_serial, r->lower_bound, r->upper_bound, r->claims.size());
    for (const codec::Claim& c : r->claims) text += fmt::format(" {}+{}", c.offset, c.length);
    return text;
  }
  if (const auto* a = std::get_if<codec::ReportAck>(&body)) {
    return fmt::format(" serial {}", a->report_serial);
  }
  if (const auto* c = std::get_if<codec::Cancel>(&body)) {
    return fmt::format(" reason {} ({})", static_cast<int>(c->reason),
                       codec::reason_name(c->reason));
  }
  return "";
}

// Octets after the segment. ION 4.1.3 pads report segments with stale
// buffer contents, so they are shown as a warning rather than as malformed.
std::size_t surplus_octets(const Record& record, const codec::DecodedPrefix& decoded) {
  return record.bytes.size() - decoded.size;
}

std::string prefix(const Record& record) {
  std::string text;
  if (record.frame) text += fmt::format("{} ", *record.frame);
  if (record.timestamp) text += iso8601(*record.timestamp) + " ";
  if (!record.source.empty()) text += record.source + " > " + record.destination + " ";
  return text;
}

}  // namespace

std::string to_text(const Record& record) {
  std::string text = prefix(record);
  if (!record.problem.empty()) return text + "LTP MALFORMED: " + record.problem;
  auto decoded = codec::decode_prefix(record.bytes);
  if (!decoded) {
    if (decoded.error() == codec::Error::keep_alive) return text + "LTP keep-alive";
    return text + fmt::format("LTP MALFORMED ({} octets): {} [{}]", record.bytes.size(),
                              codec::describe(decoded.error()), codec::name(decoded.error()));
  }
  const codec::Segment& s = decoded.value().segment;
  text += fmt::format("LTP {} session {}/{}", codec::type_name(s.header.type),
                      s.header.session.originator, s.header.session.number);
  text += body_text(s.body);
  text += extensions_text(s.header.header_extensions, "hdr");
  text += extensions_text(s.header.trailer_extensions, "trl");
  if (const std::size_t surplus = surplus_octets(record, decoded.value())) {
    text += fmt::format(" (WARNING: {} trailing octets after the segment, ignored)", surplus);
  }
  return text;
}

nlohmann::ordered_json to_json(const Record& record) {
  nlohmann::ordered_json j;
  if (record.frame) j["frame"] = *record.frame;
  if (record.timestamp) {
    j["timestamp"] = iso8601(*record.timestamp);
    j["time_epoch"] = fmt::format("{}.{:06d}", static_cast<long long>(record.timestamp->tv_sec),
                                  static_cast<long>(record.timestamp->tv_usec));
  }
  if (!record.source.empty()) {
    j["source"] = record.source;
    j["destination"] = record.destination;
  }
  j["octets"] = record.bytes.size();
  if (!record.problem.empty()) {
    j["malformed"] = true;
    j["error"] = "unusable_datagram";
    j["error_description"] = record.problem;
    return j;
  }
  auto decoded = codec::decode_prefix(record.bytes);
  if (!decoded) {
    if (decoded.error() == codec::Error::keep_alive) {
      j["keep_alive"] = true;
    } else {
      j["malformed"] = true;
      j["error"] = codec::name(decoded.error());
      j["error_description"] = codec::describe(decoded.error());
    }
    return j;
  }
  const codec::Segment& s = decoded.value().segment;
  j["version"] = s.header.version;
  j["type"] = static_cast<int>(s.header.type);
  j["type_name"] = codec::type_name(s.header.type);
  j["session_originator"] = s.header.session.originator;
  j["session_number"] = s.header.session.number;
  body_json(j, s.body);
  j["header_extensions"] = extensions_json(s.header.header_extensions, true);
  j["trailer_extensions"] = extensions_json(s.header.trailer_extensions, false);
  if (const std::size_t surplus = surplus_octets(record, decoded.value())) {
    j["trailing_octets"] = surplus;
  }
  return j;
}

}  // namespace ltpdump
