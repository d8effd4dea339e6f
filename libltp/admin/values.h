// Strict parsing of the numbers and times in ltprc/ionrc commands.
//
// Called by the ltprc and ionrc parsers. Every function takes the token
// and the name of the field it fills, and on failure returns a message
// naming both, so `FILE:LINE: <message>` tells the operator exactly what
// to fix. No trailing junk, no silent wrap-around, ranges checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/result.h"

namespace ltp::admin {

// A decimal integer in [min, max].
Result<std::uint64_t, std::string> parse_uint(std::string_view token, std::string_view what,
                                              std::uint64_t min, std::uint64_t max);

// Seconds with an optional fraction of up to three digits (`0.05`), as
// milliseconds in [min_ms, max_ms]. A leading `-` is accepted only when
// `negative` is non-null; it is then set and the magnitude returned.
Result<std::uint64_t, std::string> parse_seconds_ms(std::string_view token, std::string_view what,
                                                    std::uint64_t min_ms, std::uint64_t max_ms,
                                                    bool* negative = nullptr);

// A real number strictly between lo and hi (`0.000000001`, `1e-9`).
Result<double, std::string> parse_real_open(std::string_view token, std::string_view what,
                                            double lo, double hi);

// ION's time: `+seconds` after `now_ms`, or absolute UTC
// `yyyy/mm/dd-hh:mm:ss`. Unix milliseconds.
Result<std::uint64_t, std::string> parse_time(std::string_view token, std::string_view what,
                                              std::uint64_t now_ms);

// Renders unix milliseconds as `yyyy/mm/dd-hh:mm:ss` (UTC), with `.mmm`
// when not a whole second; the inverse of parse_time's absolute form.
std::string format_time(std::uint64_t unix_ms);
// Milliseconds as seconds: `1`, `0.05`.
std::string format_seconds(std::uint64_t ms);

}  // namespace ltp::admin
