#pragma once
// Durations, times and sizes as people type them (flags, REST query parameters), and
// times as Flowlens prints them. One grammar for the CLI and the REST API. Every parser returns nullopt on
// bad text; the caller names the flag or parameter in its message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flowlens {

// "10" (seconds), "10s", "1.5s", "500ms", "250us", "5m"/"5min", "2h", "7d" -> ns.
// Negative, non-finite or longer than 10 years is refused.
std::optional<int64_t> parse_duration(std::string_view text);

// "0", "1000", "500kB", "10MB", "2GB", "1TB" (decimal), "512MiB", "4GiB" (binary) -> bytes.
std::optional<uint64_t> parse_size(std::string_view text);

// "2026-01-01", "2026-01-01T10:00:00Z", "2026-01-01 10:00", "2026-01-01T10:00:00.5Z",
// "@1767225600" or "1767225600" (epoch seconds, fractions allowed) -> ns since the epoch,
// UTC. Years 1970..9999; at most 9 fraction digits.
std::optional<int64_t> parse_time(std::string_view text);

// ISO-8601 UTC with seconds ("2026-01-01T10:00:00Z"), milliseconds when not whole.
std::string format_time(int64_t ns);

}  // namespace flowlens
