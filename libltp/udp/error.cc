#include "libltp/udp/error.h"

#include <cstring>

#include <fmt/format.h>

namespace ltp::udp {

Error system_error(std::string what, int errno_value) {
  return Error{fmt::format("{}: {}", what, std::strerror(errno_value)), errno_value};
}

}  // namespace ltp::udp
