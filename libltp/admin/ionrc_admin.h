// IonrcAdmin: executes ionrc commands (the subset of ionadmin that LTP
// needs) against the node's contact plan in the heap.
//
// The future ionadmin tool calls it for each line of an .ionrc file or
// interactive input, exactly like LtprcAdmin: one heap transaction per
// line, `FILE:LINE: reason` on failure with nothing applied, start/stop/
// quit handed back as ToolActions, listings as text.
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
#include "libltp/admin/ionrc_commands.h"
#include "libltp/admin/script.h"

namespace ltp::admin {

// Unix milliseconds; `+seconds` times are relative to it.
using Clock = std::function<std::uint64_t()>;
std::uint64_t system_now_ms();

class IonrcAdmin : public ScriptRunner<IonrcAdmin> {
 public:
  explicit IonrcAdmin(ipc::Heap& heap, Clock clock = system_now_ms)
      : heap_(heap), clock_(std::move(clock)) {}

  Result<LineOutcome, std::string> execute(const Tokens& tokens);
  Result<LineOutcome, std::string> apply(ipc::Transaction& txn, const ionrc::Command& command);

 private:
  ipc::Heap& heap_;
  Clock clock_;
  std::optional<std::uint64_t> reference_ms_;  // `@`
};

// ION-like one-line descriptions, as `i`/`l contact|range` print them.
std::string describe(const db::Contact& contact);
std::string describe(const db::Range& range);

}  // namespace ltp::admin
