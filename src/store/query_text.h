#pragma once
// The names users give query choices — on `flowlens query` flags and in REST parameters —
// parsed in one place so the CLI and the API accept exactly the same words. Each parser
// returns nullopt on an unknown word; k*Choices is the list to quote in the error.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/query.h"

namespace flowlens::store {

inline constexpr std::string_view kMetricChoices = "bytes, packets or flows";
std::optional<Metric> parse_metric(std::string_view text);

// Group-by of a timeseries.
inline constexpr std::string_view kSeriesGroupChoices = "none, proto, direction or port";
std::optional<Dimension> parse_series_group(std::string_view text);

// Dimension of a top-N.
inline constexpr std::string_view kTopDimensionChoices =
    "src-host, dst-host, proto, port, src-port or dst-port";
std::optional<Dimension> parse_top_dimension(std::string_view text);

inline constexpr std::string_view kFlowSortChoices = "start, -start, bytes or packets";
std::optional<FlowSort> parse_flow_sort(std::string_view text);

// "tcp", "udp", "icmp", "icmpv6"/"ipv6-icmp", "gre", "esp", "sctp" or a number 0-255.
inline constexpr std::string_view kIpProtoChoices = "tcp, udp, icmp, icmpv6, gre, esp, sctp or 0-255";
std::optional<uint8_t> parse_ip_proto(std::string_view text);
// The name above for a known protocol, else its number.
std::string ip_proto_name(uint8_t proto);

}  // namespace flowlens::store
