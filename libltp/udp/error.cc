#include "libltp/udp/error.h"

#include <cstring>

namespace ltp::udp {

Error system_error(std::string what, int errno_value) {
  return Error{std::move(what) + ": " + std::strerror(errno_value), errno_value};
}

}  // namespace ltp::udp
