#pragma once
// Parsing of the values users type into flags: networks here; durations, times and sizes
// in core/value_text.h (shared with the REST API). Every parser returns nullopt/Error on bad
// text; the caller names the flag in its message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value_text.h"
#include "decode/flow/export_decoder.h"
#include "model/ip_address.h"

namespace flowlens::app {

// Parses every CIDR; the error names the bad one and the flag.
Result<std::vector<IpNetwork>> parse_networks(const std::vector<std::string>& texts,
                                              std::string_view flag);

// --sampling CIDR=RATE or CIDR=RATE,override (collect and run --collect); the error
// quotes the text and shows the expected form.
Result<decode::flow::SamplingRule> parse_sampling(const std::string& text);

}  // namespace flowlens::app
