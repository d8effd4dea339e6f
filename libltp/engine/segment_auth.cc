// RFC 5327 authentication as the node's security database (ltpsecadmin's
// rules, ionsecadmin's keys) asks: inbound, a segment from an engine with
// a receive rule is dropped, counted, before it touches any session unless
// its MAC verifies under the rule's suite and key; outbound, every segment
// to an engine with a transmit rule carries the two extensions, its MAC
// computed over the gathered pieces without copying the payload.
#include <algorithm>
#include <cstring>

#include "ipc/phash_map.h"
#include "libltp/codec/auth.h"
#include "libltp/db/security_db.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

std::optional<db::SecurityDb> EngineCore::security(const Ctx& c) {
  // The database is never removed once made, so its address holds for the
  // life of the heap; until it exists, the catalog is asked each time.
  if (security_root_ == ipc::kNullAddr) {
    const auto found = db::SecurityDb::find(c.txn);
    if (!found) return std::nullopt;
    security_root_ = found->root_addr();
  }
  return db::SecurityDb::at(security_root_);
}

std::optional<std::uint64_t> EngineCore::export_peer(const Ctx& c, std::uint64_t number) const {
  const auto& txn = c.txn;
  if (const auto open =
          ipc::PHashMap::open(txn, root(c).export_sessions).value().find(txn, number)) {
    return txn.get<db::ExportSession>(*open)->span_engine;
  }
  return ipc::PHashMap::open(txn, root(c).closed_exports).value().find(txn, number);
}

HeapResult<bool> EngineCore::authentic(Ctx& c, const db::SecurityDb& secdb,
                                       std::span<const std::uint8_t> datagram,
                                       const codec::Segment& segment,
                                       std::optional<std::uint64_t> sender) {
  // A segment for an export session we never had finds no span and is
  // dropped by the dispatch as unknown.
  if (!sender) return true;
  const auto rule = secdb.find_rule(c.txn, db::AuthDirection::receive, *sender);
  if (!rule) return true;
  const db::AuthRuleRecord r = load<db::AuthRuleRecord>(c.txn, *rule);
  const auto suite = static_cast<codec::Ciphersuite>(r.ciphersuite);
  const auto key = secdb.key_value(c.txn, std::string_view(r.key_name.data()))
                       .value_or(std::span<const std::uint8_t>{});
  const bool ok = (!codec::needs_key(suite) || !key.empty()) &&
                  codec::verify_authentication(datagram, segment, key, suite).has_value();
  BOOST_OUTCOME_TRY(counts, c.txn.modify<db::AuthRuleRecord>(*rule));
  ++(ok ? counts->segments_passed : counts->segments_refused);
  return ok;
}

std::optional<EngineCore::Signer> EngineCore::signer(Ctx& c, std::uint64_t engine) {
  const auto secdb = security(c);
  if (!secdb) return std::nullopt;
  const auto rule = secdb->find_rule(c.txn, db::AuthDirection::transmit, engine);
  if (!rule) return std::nullopt;
  const db::AuthRuleRecord r = load<db::AuthRuleRecord>(c.txn, *rule);
  const auto suite = static_cast<codec::Ciphersuite>(r.ciphersuite);
  const auto key = secdb->key_value(c.txn, std::string_view(r.key_name.data()))
                       .value_or(std::span<const std::uint8_t>{});
  return Signer{suite, key, *rule};
}

std::uint64_t EngineCore::segment_room(Ctx& c, const db::SpanConfig& config) {
  const auto sign = signer(c, config.engine_id);
  const std::uint64_t overhead = (sign ? codec::authentication_overhead(sign->suite) : 0) +
                                 (cookie_rule(c, config.engine_id) ? kCookieOverhead : 0);
  return config.max_segment_size > overhead + 64 ? config.max_segment_size - overhead : 64;
}

HeapResult<void> EngineCore::emit_signed(Ctx& c, Addr span, const codec::Segment& segment,
                                         const Signer& sign, OutboundBatch& out,
                                         const TimerCue& cue) {
  const std::uint8_t suite_octet = static_cast<std::uint8_t>(sign.suite);
  const std::array<std::uint8_t, codec::kMaxMacSize> placeholder{};
  const std::size_t mac_bytes = codec::mac_size(sign.suite).value_or(0);
  // After what the segment carries already (a cookie).
  std::array<codec::Extension, 2> header_ext{};
  std::size_t header_count = 0;
  for (const auto& e : segment.header.header_extensions) {
    if (header_count + 1 >= header_ext.size()) return failure(HeapError::bad_address);
    header_ext[header_count++] = e;
  }
  header_ext[header_count++] = {0, {&suite_octet, 1}};
  const codec::Extension trailer_ext[] = {{0, {placeholder.data(), mac_bytes}}};
  codec::Segment signed_segment = segment;
  signed_segment.header.header_extensions =
      codec::ExtensionsView(std::span(header_ext.data(), header_count));
  signed_segment.header.trailer_extensions = codec::ExtensionsView(trailer_ext);
  BOOST_OUTCOME_TRY(emit_plain(c, span, signed_segment, out, cue));
  // The MAC covers every octet before itself; it ends the last piece,
  // which lies in the batch's scratch.
  auto& gather = out.segments_.back().gather;
  std::span<const std::uint8_t> pieces[3];
  for (std::size_t i = 0; i < gather.count; ++i) {
    pieces[i] = {static_cast<const std::uint8_t*>(gather.iov[i].iov_base), gather.iov[i].iov_len};
  }
  pieces[gather.count - 1] =
      pieces[gather.count - 1].first(pieces[gather.count - 1].size() - mac_bytes);
  const auto mac = codec::compute_mac(sign.suite, sign.key, std::span(pieces, gather.count));
  if (!mac) return failure(HeapError::bad_address);  // rules name only suites we compute
  auto& last = gather.iov[gather.count - 1];
  std::memcpy(static_cast<std::uint8_t*>(last.iov_base) + last.iov_len - mac_bytes,
              mac->bytes.data(), mac_bytes);
  BOOST_OUTCOME_TRY(counts, c.txn.modify<db::AuthRuleRecord>(sign.rule));
  ++counts->segments_passed;
  return success();
}

}  // namespace ltp::engine
