// The state of one node as ltpstat shows it: configuration, spans with
// their link state, sessions in flight, counters and authentication rules
// (with what each let through, refused or signed), node counters, heap
// use and the running daemons — one consistent snapshot (one heap
// transaction), as a JSON object whose layout is ltpstat's --json output.
//
// Called by ltpstat's main for each report; table.h renders the same
// object for people.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ipc/node_dir.h"
#include "ipc/result.h"

namespace ltp::ltpstat {

// Keys in the order written, so the JSON reads like the table.
using Report = nlohmann::ordered_json;

// Works on a stopped node (state "stopped", no link state, no daemons);
// fails with a message saying what to do when there is no node at all.
Result<Report, std::string> collect_report(const ipc::NodeDir& dir);

}  // namespace ltp::ltpstat
