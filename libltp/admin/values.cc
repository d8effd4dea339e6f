#include "libltp/admin/values.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <optional>

namespace ltp::admin {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Digits only, no sign, no overflow.
std::optional<std::uint64_t> to_uint(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// `S` or `S.f`, `S.ff`, `S.fff` as milliseconds.
std::optional<std::uint64_t> to_ms(std::string_view s) {
  const auto dot = s.find('.');
  const auto whole = to_uint(s.substr(0, dot));
  if (!whole || *whole > UINT64_MAX / 1000) return std::nullopt;
  std::uint64_t ms = *whole * 1000;
  if (dot == std::string_view::npos) return ms;
  const std::string_view frac = s.substr(dot + 1);
  if (frac.empty() || frac.size() > 3 || !all_digits(frac)) return std::nullopt;
  std::uint64_t scale = 100;
  for (char c : frac) {
    ms += static_cast<std::uint64_t>(c - '0') * scale;
    scale /= 10;
  }
  return ms;
}

}  // namespace

Result<std::uint64_t, std::string> parse_uint(std::string_view token, std::string_view what,
                                              std::uint64_t min, std::uint64_t max) {
  const auto v = to_uint(token);
  if (!v) {
    return failure(fmt::format("{}: `{}` is not a whole number (digits only)", what, token));
  }
  if (*v < min || *v > max) {
    return failure(fmt::format("{}: {} is out of range; allowed {}..{}", what, *v, min, max));
  }
  return *v;
}

Result<std::uint64_t, std::string> parse_seconds_ms(std::string_view token, std::string_view what,
                                                    std::uint64_t min_ms, std::uint64_t max_ms,
                                                    bool* negative) {
  std::string_view digits = token;
  const bool minus = !digits.empty() && digits.front() == '-';
  if (minus) {
    if (negative == nullptr) {
      return failure(fmt::format("{}: `{}` may not be negative", what, token));
    }
    digits.remove_prefix(1);
  }
  const auto ms = to_ms(digits);
  if (!ms) {
    return failure(fmt::format(
        "{}: `{}` is not a number of seconds (e.g. `1`, `0.05`; at most 3 decimals)", what, token));
  }
  if (*ms < min_ms || *ms > max_ms) {
    return failure(fmt::format("{}: {} s is out of range; allowed {}..{} s", what, token,
                               format_seconds(min_ms), format_seconds(max_ms)));
  }
  if (negative != nullptr) *negative = minus;
  return *ms;
}

Result<double, std::string> parse_real_open(std::string_view token, std::string_view what,
                                            double lo, double hi) {
  double v = 0;
  const bool plain = !token.empty() && token.front() != '+' && token.front() != '-';
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (!plain || ec != std::errc() || end != token.data() + token.size()) {
    return failure(
        fmt::format("{}: `{}` is not a number (e.g. `0.000001` or `1e-6`)", what, token));
  }
  if (!(v > lo && v < hi)) {
    return failure(fmt::format("{}: {} is out of range; it must be above {} and below {}", what,
                               token, lo, hi));
  }
  return v;
}

Result<std::uint64_t, std::string> parse_time(std::string_view token, std::string_view what,
                                              std::uint64_t now_ms) {
  if (!token.empty() && token.front() == '+') {
    const auto ms = to_ms(token.substr(1));
    if (!ms || *ms > UINT64_MAX - now_ms) {
      return failure(
          fmt::format("{}: `{}` is not a time; use +seconds or yyyy/mm/dd-hh:mm:ss", what, token));
    }
    return now_ms + *ms;
  }
  // yyyy/mm/dd-hh:mm:ss: fixed positions.
  const auto bad = [&] {
    return failure(fmt::format("{}: `{}` is not a time; use +seconds or yyyy/mm/dd-hh:mm:ss (UTC)",
                               what, token));
  };
  if (token.size() != 19 || token[4] != '/' || token[7] != '/' || token[10] != '-' ||
      token[13] != ':' || token[16] != ':') {
    return bad();
  }
  const auto y = to_uint(token.substr(0, 4));
  const auto mo = to_uint(token.substr(5, 2));
  const auto d = to_uint(token.substr(8, 2));
  const auto h = to_uint(token.substr(11, 2));
  const auto mi = to_uint(token.substr(14, 2));
  const auto s = to_uint(token.substr(17, 2));
  if (!y || !mo || !d || !h || !mi || !s) return bad();
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(static_cast<int>(*y)),
                            std::chrono::month(static_cast<unsigned>(*mo)),
                            std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok() || *y < 1970 || *h > 23 || *mi > 59 || *s > 59) {
    return failure(
        fmt::format("{}: `{}` is not a valid UTC date and time after 1970", what, token));
  }
  const auto t = sys_days(date) + hours(*h) + minutes(*mi) + seconds(*s);
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(t.time_since_epoch()).count());
}

std::string format_time(std::uint64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(unix_ms)};
  const auto days = floor<std::chrono::days>(t);
  const year_month_day date{days};
  const hh_mm_ss hms{t - days};
  std::string out =
      fmt::format("{:04}/{:02}/{:02}-{:02}:{:02}:{:02}", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (unix_ms % 1000 != 0) out += fmt::format(".{:03}", unix_ms % 1000);
  return out;
}

std::string format_seconds(std::uint64_t ms) {
  if (ms % 1000 == 0) return fmt::format("{}", ms / 1000);
  std::string frac = fmt::format("{:03}", ms % 1000);
  while (frac.back() == '0') frac.pop_back();
  return fmt::format("{}.{}", ms / 1000, frac);
}

}  // namespace ltp::admin
