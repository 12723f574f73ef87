#include "store/query_text.h"

#include <charconv>
#include <utility>

namespace flowlens::store {
namespace {

// First name per number is the one printed.
constexpr std::pair<std::string_view, uint8_t> kProtoNames[] = {
    {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"gre", 47}, {"esp", 50}, {"icmpv6", 58},
    {"ipv6-icmp", 58}, {"sctp", 132}};

}  // namespace

std::optional<Metric> parse_metric(std::string_view t) {
  if (t == "bytes") return Metric::kBytes;
  if (t == "packets") return Metric::kPackets;
  if (t == "flows") return Metric::kFlows;
  return std::nullopt;
}

std::optional<Dimension> parse_series_group(std::string_view t) {
  if (t == "none") return Dimension::kNone;
  if (t == "proto") return Dimension::kProto;
  if (t == "direction") return Dimension::kDirection;
  if (t == "port") return Dimension::kPort;
  return std::nullopt;
}

std::optional<Dimension> parse_top_dimension(std::string_view t) {
  if (t == "src-host") return Dimension::kSrcHost;
  if (t == "dst-host") return Dimension::kDstHost;
  if (t == "proto") return Dimension::kProto;
  if (t == "port") return Dimension::kPort;
  if (t == "src-port") return Dimension::kSrcPort;
  if (t == "dst-port") return Dimension::kDstPort;
  return std::nullopt;
}

std::optional<FlowSort> parse_flow_sort(std::string_view t) {
  if (t == "start") return FlowSort::kStartAsc;
  if (t == "-start") return FlowSort::kStartDesc;
  if (t == "bytes") return FlowSort::kBytesDesc;
  if (t == "packets") return FlowSort::kPacketsDesc;
  return std::nullopt;
}

std::optional<uint8_t> parse_ip_proto(std::string_view text) {
  for (const auto& [name, value] : kProtoNames) {
    if (text == name) return value;
  }
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > 255) return std::nullopt;
  return static_cast<uint8_t>(v);
}

std::string ip_proto_name(uint8_t p) {
  for (const auto& [name, value] : kProtoNames) {
    if (value == p) return std::string(name);
  }
  return std::to_string(p);
}

}  // namespace flowlens::store
