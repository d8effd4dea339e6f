#include "libltp/node/semaphore_names.h"

#include <fmt/format.h>

namespace ltp::node {

std::string segment_semaphore(std::uint64_t span_engine) {
  return fmt::format("seg-{}", span_engine);
}
std::string window_semaphore(std::uint64_t span_engine) {
  return fmt::format("win-{}", span_engine);
}
std::string meter_semaphore(std::uint64_t span_engine) {
  return fmt::format("meter-{}", span_engine);
}
std::string notice_semaphore(std::uint64_t client_id) {
  return fmt::format("notice-{}", client_id);
}

}  // namespace ltp::node
