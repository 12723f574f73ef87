#include "core/value_text.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>
#include <utility>

namespace flowlens {
namespace {

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool digits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Splits "12.5GB" into ("12.5", "GB").
std::pair<std::string_view, std::string_view> split_unit(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  return {text.substr(0, i), text.substr(i)};
}

}  // namespace

std::optional<int64_t> parse_duration(std::string_view text) {
  const auto [num, unit] = split_unit(text);
  const auto v = parse_number(num);
  if (!v || *v < 0) return std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "m" || unit == "min") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else if (unit == "d") scale = 86400e9;
  else return std::nullopt;
  const double ns = *v * scale;
  if (ns > 3650.0 * 86400e9) return std::nullopt;
  return static_cast<int64_t>(std::llround(ns));
}

std::optional<uint64_t> parse_size(std::string_view text) {
  const auto [num, unit] = split_unit(text);
  const auto v = parse_number(num);
  if (!v || *v < 0) return std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "kB" || unit == "KB") scale = 1e3;
  else if (unit == "MB") scale = 1e6;
  else if (unit == "GB") scale = 1e9;
  else if (unit == "TB") scale = 1e12;
  else if (unit == "KiB") scale = 1024.0;
  else if (unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "TiB") scale = 1024.0 * 1024 * 1024 * 1024;
  else return std::nullopt;
  const double bytes = *v * scale;
  if (bytes > 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(std::llround(bytes));
}

std::optional<int64_t> parse_time(std::string_view text) {
  if (!text.empty() && (text[0] == '@' || text.find_first_not_of("0123456789.") == std::string_view::npos)) {
    const auto v = parse_number(text[0] == '@' ? text.substr(1) : text);
    if (!v || *v < 0 || *v > 253402300799.0) return std::nullopt;
    return static_cast<int64_t>(std::llround(*v * 1e9));
  }
  // YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z]
  if (text.size() < 10 || !digits(text.substr(0, 4), 4) || text[4] != '-' ||
      !digits(text.substr(5, 2), 2) || text[7] != '-' || !digits(text.substr(8, 2), 2)) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = to_int(text.substr(0, 4)) - 1900;
  tm.tm_mon = to_int(text.substr(5, 2)) - 1;
  tm.tm_mday = to_int(text.substr(8, 2));
  if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31) {
    return std::nullopt;
  }
  double fraction = 0;
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
    rest.remove_prefix(1);
    if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
    if (rest.size() < 5 || !digits(rest.substr(0, 2), 2) || rest[2] != ':' ||
        !digits(rest.substr(3, 2), 2)) {
      return std::nullopt;
    }
    tm.tm_hour = to_int(rest.substr(0, 2));
    tm.tm_min = to_int(rest.substr(3, 2));
    rest.remove_prefix(5);
    if (!rest.empty()) {
      if (rest[0] != ':' || rest.size() < 3 || !digits(rest.substr(1, 2), 2)) return std::nullopt;
      tm.tm_sec = to_int(rest.substr(1, 2));
      rest.remove_prefix(3);
      if (!rest.empty()) {
        if (rest[0] != '.' || rest.size() > 10) return std::nullopt;
        const auto f = parse_number(std::string("0") + std::string(rest));
        if (!f) return std::nullopt;
        fraction = *f;
      }
    }
    if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
  }
  const time_t seconds = timegm(&tm);
  return static_cast<int64_t>(seconds) * 1'000'000'000 +
         static_cast<int64_t>(std::llround(fraction * 1e9));
}

std::string format_time(int64_t ns) {
  int64_t sec = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --sec;
  }
  const time_t t = static_cast<time_t>(sec);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac != 0) out += fmt::format(".{:03}", frac / 1'000'000);
  return out + "Z";
}

}  // namespace flowlens
