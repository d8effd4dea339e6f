// Checking a span's LSO command or a seat's LSI command when it is
// configured, not when the node starts: a command naming no program, a
// program that cannot be found where start would look for it, or — for
// OpenLTP's own udplso/udplsi — an address that does not parse, is
// refused by the `a span`/`c span`/`a seat`/`s` line that gives it.
//
// AdminSession hands it to LtprcAdmin (the admin library cannot look for
// programs: it knows nothing of where the node's binaries are).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "ipc/result.h"
#include "libltp/admin/ltprc_admin.h"

namespace ltp::node {

Result<void, std::string> check_link_command(std::string_view command, admin::LinkSide side,
                                             const std::filesystem::path& bin_dir);

}  // namespace ltp::node
