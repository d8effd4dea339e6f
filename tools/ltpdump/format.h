// How ltpdump shows one datagram: a readable line or a JSON object.
//
// Called by ltpdump's main for each UDP datagram of a capture (-r) and for
// the segment given in hex (-x). Field names follow RFC 5326 (see
// ltpdump(1) and docs/codec.md for the list).
#pragma once

#include <sys/time.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

namespace ltpdump {

// One datagram to show, with where it came from.
struct Record {
  std::optional<std::uint64_t> frame;  // absent for -x
  std::optional<timeval> timestamp;    // absent for -x
  std::string source;                  // "addr:port", empty for -x
  std::string destination;
  std::span<const std::uint8_t> bytes;  // the UDP payload
  std::string problem;                  // set when the payload could not be extracted
};

std::string to_text(const Record& record);
nlohmann::ordered_json to_json(const Record& record);

}  // namespace ltpdump
