// LtprcAdmin: executes ltprc commands (ltpadmin's language) against the
// node's LTP database.
//
// The future ltpadmin tool calls it for each line of a .ltprc file or of
// interactive input. Each line runs in its own heap transaction: a line
// that fails to parse or that the database refuses (span exists, no such
// span, ...) changes nothing and yields `FILE:LINE: reason`. What only the
// tool can do (start/stop, watch, echo, version, time, quit) comes back
// as a ToolAction (actions.h); listings come back as text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/heap.h"
#include "ipc/transaction.h"
#include "libltp/admin/actions.h"
#include "libltp/admin/ltprc_commands.h"
#include "libltp/admin/script.h"

namespace ltp::admin {

enum class LinkSide { output, input };
// Checks a link service command as it is configured (`a|c span`, `a seat`,
// `s 'LSI'`); the error says why it could never start. The tools pass
// node::check_link_command; without one, commands are taken as given.
using LinkCommandCheck =
    std::function<Result<void, std::string>(std::string_view command, LinkSide side)>;

class LtprcAdmin : public ScriptRunner<LtprcAdmin> {
 public:
  // `own_engine_id` is used by `1`; without it the own node number set by
  // ionrc's `1 <node_nbr>` (contact_plan_store.h) is used.
  explicit LtprcAdmin(ipc::Heap& heap, std::optional<std::uint64_t> own_engine_id = std::nullopt)
      : heap_(heap), own_engine_id_(own_engine_id) {}

  void check_link_commands(LinkCommandCheck check) { check_ = std::move(check); }

  // Parses and applies one tokenized line in one transaction.
  Result<LineOutcome, std::string> execute(const Tokens& tokens);
  // Applies an already parsed command inside the caller's transaction
  // (which the caller aborts if this fails).
  Result<LineOutcome, std::string> apply(ipc::Transaction& txn, const ltprc::Command& command);

 private:
  ipc::Heap& heap_;
  std::optional<std::uint64_t> own_engine_id_;
  LinkCommandCheck check_;
};

}  // namespace ltp::admin
