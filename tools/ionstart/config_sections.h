// The sections of an ION consolidated config file (`ionstart -I FILE`).
//
// ION's format: the commands for each admin program sit between a line
// `## begin <program> [<tag>]` and a line `## end <program> [<tag>]`;
// `-t TAG` picks the sections carrying that tag (none: the untagged ones).
// Sections may not nest or repeat; lines outside sections are ignored.
// ionstart runs the ionadmin, ionsecadmin, ltpsecadmin and ltpadmin
// sections, in that order (ION's), with the lines' numbers in the whole
// file so errors point into it; other programs' sections are skipped with
// a warning.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/result.h"
#include "tools/ltpadmin/admin_session.h"

namespace ltp::ionstart {

struct ConfigSections {
  std::vector<admin_tool::NumberedLine> ionadmin;
  std::vector<admin_tool::NumberedLine> ionsecadmin;
  std::vector<admin_tool::NumberedLine> ltpsecadmin;
  std::vector<admin_tool::NumberedLine> ltpadmin;
  // Sections skipped (other ION programs, other tags) and the like.
  std::vector<std::string> warnings;
};

// `file` names the file in messages (`FILE:LINE: reason`). Lines are read
// one at a time, with admin::LineReader's bound.
Result<ConfigSections, std::string> split_sections(std::string_view file, std::istream& in,
                                                   std::string_view tag);
Result<ConfigSections, std::string> split_sections(std::string_view file, std::string_view text,
                                                   std::string_view tag);

}  // namespace ltp::ionstart
