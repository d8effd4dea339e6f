// RFC 5327 cookies (extension tag 0x01) as the security database's cookie
// rules ask (ltpsecadmin's `ltpcookierule`, OpenLTP's own): every segment
// of a session with that engine carries the session's cookie — 8 octets
// the session's sender draws from the CSPRNG when its first segment
// leaves, taken by the receiver from the first segment that opens the
// session — and a segment of such a session without it, or with another,
// is dropped before it touches the session, and counted in the rule. So a
// blind attacker who learns or guesses a session number still cannot
// inject data into it, cancel it or fake its reports.
#include "ipc/phash_map.h"
#include "libltp/codec/auth.h"
#include "libltp/db/security_db.h"
#include "libltp/engine/engine_core.h"

namespace ltp::engine {

namespace {

std::optional<std::uint64_t> cookie_of(const codec::Segment& segment) {
  const auto ext =
      codec::find_extension(segment.header.header_extensions, codec::ExtensionTag::cookie);
  if (!ext) return std::nullopt;
  const auto value = codec::as_cookie(*ext);
  if (!value || value->size() != EngineCore::kCookieBytes) return std::nullopt;
  std::uint64_t cookie = 0;
  for (const std::uint8_t octet : *value) cookie = cookie << 8 | octet;
  return cookie;
}

}  // namespace

std::optional<Addr> EngineCore::cookie_rule(Ctx& c, std::uint64_t engine) {
  const auto secdb = security(c);
  if (!secdb) return std::nullopt;
  return secdb->find_cookie_rule(c.txn, engine);
}

HeapResult<bool> EngineCore::cookie_admits(Ctx& c, const db::SecurityDb& secdb,
                                           const codec::Segment& segment,
                                           std::optional<std::uint64_t> sender,
                                           bool to_our_export) {
  if (!sender) return true;
  const auto rule = secdb.find_cookie_rule(c.txn, *sender);
  if (!rule) return true;
  const db::CookieRuleRecord r = load<db::CookieRuleRecord>(c.txn, *rule);
  const auto cookie = cookie_of(segment);
  const auto expected =
      ipc::PHashMap::open(c.txn, to_our_export ? r.export_cookies : r.import_cookies)
          .value()
          .find(c.txn, segment.header.session.number);
  bool admitted = false;
  if (expected) {
    admitted = cookie == *expected;
  } else if (!to_our_export && cookie) {
    // A session we have not heard of: the segment that opens it sets its
    // cookie (open_import keeps it).
    admitted = true;
    arriving_cookie_ = ArrivingCookie{*rule, *cookie};
  }
  BOOST_OUTCOME_TRY(counts, c.txn.modify<db::CookieRuleRecord>(*rule));
  ++(admitted ? counts->segments_passed : counts->segments_refused);
  return admitted;
}

HeapResult<void> EngineCore::keep_arriving_cookie(Ctx& c, std::uint64_t session_number) {
  if (!arriving_cookie_) return success();
  const db::CookieRuleRecord r = load<db::CookieRuleRecord>(c.txn, arriving_cookie_->rule);
  BOOST_OUTCOME_TRY(cookies, ipc::PHashMap::open(c.txn, r.import_cookies));
  return cookies.assign(c.txn, session_number, arriving_cookie_->cookie);
}

HeapResult<std::optional<std::uint64_t>> EngineCore::outbound_cookie(
    Ctx& c, std::uint64_t peer, const codec::SessionId& session) {
  const auto rule = cookie_rule(c, peer);
  if (!rule) return std::optional<std::uint64_t>{};
  const db::CookieRuleRecord r = load<db::CookieRuleRecord>(c.txn, *rule);
  const bool ours = session.originator == own_engine_id_;
  BOOST_OUTCOME_TRY(cookies,
                    ipc::PHashMap::open(c.txn, ours ? r.export_cookies : r.import_cookies));
  if (const auto known = cookies.find(c.txn, session.number)) return std::optional(*known);
  // An open export's first segment draws it. An import without one opened
  // before the rule existed; a closed session's has been forgotten, and a
  // new one now would never be.
  const bool open =
      ours &&
      ipc::PHashMap::open(c.txn, root(c).export_sessions).value().find(c.txn, session.number);
  if (!open) return std::optional<std::uint64_t>{};
  const std::uint64_t cookie = random_.between(1, UINT64_MAX);
  BOOST_OUTCOME_TRY(cookies.insert(c.txn, session.number, cookie));
  return std::optional(cookie);
}

HeapResult<void> EngineCore::forget_cookie(Ctx& c, std::uint64_t peer, std::uint64_t session_number,
                                           bool ours) {
  const auto rule = cookie_rule(c, peer);
  if (!rule) return success();
  const db::CookieRuleRecord r = load<db::CookieRuleRecord>(c.txn, *rule);
  BOOST_OUTCOME_TRY(cookies,
                    ipc::PHashMap::open(c.txn, ours ? r.export_cookies : r.import_cookies));
  if (!cookies.find(c.txn, session_number)) return success();
  BOOST_OUTCOME_TRY(cookies.erase(c.txn, session_number));
  return success();
}

}  // namespace ltp::engine
