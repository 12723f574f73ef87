#pragma once
// FlowRecord: the value every stage exchanges (see ARCHITECTURE.md "Data model").
// Fixed size, no heap members, trivially copyable: batches of them move between
// stages as spans. Fields that a source does not know stay zero.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "model/ip_address.h"

namespace flowlens {

// Where a record came from.
enum class SourceKind : uint8_t { kPcap = 0, kNetflowV5, kNetflowV9, kIpfix, kSflow, kPmacct };
std::string_view to_string(SourceKind kind);

// Direction relative to the configured local networks.
//   in:  destination local, source not;   out: source local, destination not;
//   local: both local;                    transit: neither (or no local networks set).
enum class Direction : uint8_t { kUnknown = 0, kIn, kOut, kLocal, kTransit };
std::string_view to_string(Direction d);

struct FlowRecord {
  int64_t start_ns = 0;  // event time of the first packet, ns since the Unix epoch
  int64_t end_ns = 0;    // event time of the last packet
  uint64_t packets = 0;  // already multiplied by sampling_rate when it is known
  uint64_t bytes = 0;    // IP bytes (IP header + payload), as pmacct counts them
  uint64_t flows = 0;    // how many metered flows this record aggregates (>= 1)
  IpAddress src;
  IpAddress dst;
  IpAddress exporter;      // exporter / observation point; empty for local capture
  uint32_t input_if = 0;
  uint32_t output_if = 0;
  uint32_t sampling_rate = 0;  // 0 = unsampled / unknown, else 1-in-N already applied
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t vlan = 0;       // outermost 802.1Q VLAN id, 0 = none
  std::array<uint8_t, 6> mac_src{};
  std::array<uint8_t, 6> mac_dst{};
  uint8_t ip_proto = 0;
  uint8_t tos = 0;         // IPv4 ToS / IPv6 traffic class byte
  uint8_t tcp_flags = 0;   // OR of the flags of every packet of the flow
  uint8_t src_mask = 0;    // prefix length when the record is aggregated to a network
  uint8_t dst_mask = 0;
  Direction direction = Direction::kUnknown;
  SourceKind source = SourceKind::kPcap;

  friend bool operator==(const FlowRecord&, const FlowRecord&) = default;
};

static_assert(std::is_trivially_copyable_v<FlowRecord>);
static_assert(sizeof(FlowRecord) <= 160, "FlowRecord should stay within 2.5 cache lines");

using FlowBatch = std::span<const FlowRecord>;

}  // namespace flowlens
