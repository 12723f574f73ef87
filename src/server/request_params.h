#pragma once
// Parsing of REST request text: the query string and the values it carries. Every parser
// returns nullopt on bad text; the caller answers 400 naming the parameter.
// Times and durations use core/value_text.h, the grammar the CLI uses too.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/value_text.h"

namespace flowlens::server {

// "a=1&b=x%20y" -> [("a","1"), ("b","x y")]. '+' is a space. nullopt when a percent
// escape is malformed or a name is empty. Values are bytes; no charset check here.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query_string(
    std::string_view query);

// Percent-decodes a path segment ("%3A" -> ':'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Unsigned decimal without sign or spaces, at most `max`.
std::optional<uint64_t> parse_uint(std::string_view text, uint64_t max);

}  // namespace flowlens::server
