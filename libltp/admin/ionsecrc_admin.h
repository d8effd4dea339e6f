// IonsecrcAdmin: executes ionsecrc commands (ionsecadmin's language, the
// part LTP uses: named keys) against the node's security database.
//
// ionsecadmin and ionstart (`-s`, the ionsecadmin section of `-I`) call it
// for each line, exactly like LtprcAdmin: one heap transaction per line,
// `FILE:LINE: reason` on failure with nothing applied, echo/version/quit
// handed back as ToolActions, listings as text. A key's value is never
// printed: listings show names and lengths.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/heap.h"
#include "ipc/transaction.h"
#include "libltp/admin/actions.h"
#include "libltp/admin/ionsecrc_commands.h"
#include "libltp/admin/script.h"

namespace ltp::admin {

class IonsecrcAdmin : public ScriptRunner<IonsecrcAdmin> {
 public:
  explicit IonsecrcAdmin(ipc::Heap& heap) : heap_(heap) {}

  Result<LineOutcome, std::string> execute(const Tokens& tokens);
  // Applies a parsed command inside the caller's transaction (which the
  // caller aborts if this fails). `a|c key` read their key file here.
  Result<LineOutcome, std::string> apply(ipc::Transaction& txn, const ionsecrc::Command& command);

 private:
  ipc::Heap& heap_;
};

}  // namespace ltp::admin
