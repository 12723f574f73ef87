#pragma once
// Parsing of REST request text: the query string and the values it carries. Every parser
// returns nullopt on bad text; the caller answers 400 naming the parameter.
//
// The time and duration parsers repeat the small grammar of app/cli_values.h (the server
// must not depend on the app module); keep the two in step.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowlens::server {

// "a=1&b=x%20y" -> [("a","1"), ("b","x y")]. '+' is a space. nullopt when a percent
// escape is malformed or a name is empty. Values are bytes; no charset check here.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query_string(
    std::string_view query);

// Percent-decodes a path segment ("%3A" -> ':'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// "2026-01-01", "2026-01-01T10:00:00Z", "2026-01-01T10:00:00.5Z", "@1767225600" or
// "1767225600" (epoch seconds) -> ns since the epoch, UTC. Years 1970..9999.
std::optional<int64_t> parse_time(std::string_view text);
// "10" (seconds), "10s", "500ms", "5m", "2h", "7d" -> ns; negative or > 10 years refused.
std::optional<int64_t> parse_duration(std::string_view text);
// Unsigned decimal without sign or spaces, at most `max`.
std::optional<uint64_t> parse_uint(std::string_view text, uint64_t max);
// ISO-8601 UTC with seconds ("2026-01-01T10:00:00Z"), milliseconds when not whole.
std::string format_time(int64_t ns);

}  // namespace flowlens::server
