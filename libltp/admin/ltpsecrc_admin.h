// LtpsecrcAdmin: executes ltpsecrc commands (ltpsecadmin's language: RFC
// 5327 authentication rules per remote engine and direction) against the
// node's security database.
//
// ltpsecadmin and ionstart (`-L`, the ltpsecadmin section of `-I`) call
// it for each line, exactly like LtprcAdmin: one heap transaction per
// line, `FILE:LINE: reason` on failure with nothing applied, echo/version/
// quit handed back as ToolActions, listings as text. The engine reads the
// rules (and counts into them) as segments come and go, so a change
// applies to the next segment, also on a running node.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/heap.h"
#include "ipc/transaction.h"
#include "libltp/admin/actions.h"
#include "libltp/admin/ltpsecrc_commands.h"
#include "libltp/admin/script.h"

namespace ltp::admin {

class LtpsecrcAdmin : public ScriptRunner<LtpsecrcAdmin> {
 public:
  explicit LtpsecrcAdmin(ipc::Heap& heap) : heap_(heap) {}

  Result<LineOutcome, std::string> execute(const Tokens& tokens);
  Result<LineOutcome, std::string> apply(ipc::Transaction& txn, const ltpsecrc::Command& command);

 private:
  ipc::Heap& heap_;
};

// One line, as `i` and `l` print a rule:
// `ltprecvauthrule engine 2: ciphersuite 0 (HMAC-SHA1-80), key 'k1'; 12 passed, 0 refused`.
std::string describe(db::AuthDirection direction, const db::AuthRule& rule);
// `ltpcookierule engine 2: 40 passed, 3 refused; 1 sessions' cookies held`.
std::string describe(const db::CookieRule& rule);

}  // namespace ltp::admin
