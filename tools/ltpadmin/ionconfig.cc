#include "tools/ltpadmin/ionconfig.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "libltp/admin/line_reader.h"
#include "libltp/admin/values.h"

namespace ltp::admin_tool {

Result<ipc::HeapCreateOptions, std::string> heap_options_from_ionconfig(
    const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return failure(fmt::format("cannot read the ionconfig file {}", file.string()));
  }
  ipc::HeapCreateOptions options;
  std::string line;
  admin::LineReader reader(in);
  for (;;) {
    const auto read = reader.next(line);
    if (read == admin::LineReader::Read::end) break;
    const std::size_t number = reader.number();
    if (read == admin::LineReader::Read::too_long) {
      return failure(fmt::format("{}:{}: {}", file.string(), number, admin::too_long_message()));
    }
    std::istringstream words(line);
    std::string keyword, value;
    if (!(words >> keyword) || keyword.starts_with('#') || keyword != "heapWords") continue;
    words >> value;
    auto count = admin::parse_uint(value, "heapWords", 1, std::uint64_t{1} << 40);
    if (!count) return failure(fmt::format("{}:{}: {}", file.string(), number, count.error()));
    options.size = std::max(options.size, count.value() * 8);
  }
  return options;
}

}  // namespace ltp::admin_tool
