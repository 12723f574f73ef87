#pragma once
// Parsing of the values users type into flags: durations, sizes, times, networks. Every
// parser returns nullopt/Error on bad text; the caller names the flag in its message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/ip_address.h"

namespace flowlens::app {

// "10" (seconds), "10s", "500ms", "5m", "2h", "7d", "1.5s" -> ns. Negative is refused.
std::optional<int64_t> parse_duration(std::string_view text);
// "0", "1000", "500kB", "10MB", "2GB", "1TB" (decimal), "512MiB", "4GiB" (binary) -> bytes.
std::optional<uint64_t> parse_size(std::string_view text);
// "2026-01-01", "2026-01-01T10:00:00Z", "2026-01-01 10:00:00", "2026-01-01T10:00:00.5Z",
// "@1767225600" (epoch seconds) -> ns since the epoch, UTC.
std::optional<int64_t> parse_time(std::string_view text);
// ISO-8601 UTC with seconds ("2026-01-01T10:00:00Z"), milliseconds when not whole.
std::string format_time(int64_t ns);
// Parses every CIDR; the error names the bad one and the flag.
Result<std::vector<IpNetwork>> parse_networks(const std::vector<std::string>& texts,
                                              std::string_view flag);

}  // namespace flowlens::app
