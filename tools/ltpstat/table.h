// ltpstat's table: the report (report.h) laid out for a terminal — node
// line, heap, configuration, one row per span (sessions, link state,
// rates, OWLT), then each span's counters and authentication rules, and
// the daemons.
#pragma once

#include <string>

#include "tools/ltpstat/report.h"

namespace ltp::ltpstat {

std::string render_table(const Report& report);

}  // namespace ltp::ltpstat
