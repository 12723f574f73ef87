#pragma once
// TrafficProfile: the shapes of synthetic traffic `flowlens generate` can write.
//   k64b  64-byte Ethernet/IPv4 frames, TCP or UDP (half each), one direction per flow:
//         the classic worst case for a packet pipeline (most packets per byte).
//   kImix Simple IMIX: frames of 64, 594 and 1518 bytes in the ratio 7:4:1 (captured
//         length, no FCS), over TCP 60 %, UDP 35 %, ICMP echo 5 %; 15 % of flows IPv6.
//   kDemo A small office network: 32 local hosts in 10.1.0.0/24 talking to many remote
//         hosts (198.18.0.0/15) on common service ports (TCP 75 %, UDP 25 %), 10 % of
//         flows inbound to local servers; packets go both ways (request, reply, ...)
//         with reply sizes by service; the packet rate follows the hour of day
//         (--rate is the afternoon peak). Meant for dashboards, not for benchmarks.
// A profile decides what flows look like, how big frames are and whether the rate has a
// day rhythm; ordering and the file format are shared (TrafficGenerator).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace flowlens::synth {

enum class TrafficProfile : uint8_t { k64b, kImix, kDemo };

inline constexpr std::array<std::string_view, 3> kTrafficProfileNames{"64b", "imix", "demo"};

inline std::string_view to_string(TrafficProfile profile) {
  return kTrafficProfileNames[static_cast<size_t>(profile)];
}

inline std::optional<TrafficProfile> parse_traffic_profile(std::string_view name) {
  for (size_t i = 0; i < kTrafficProfileNames.size(); ++i) {
    if (kTrafficProfileNames[i] == name) {
      return static_cast<TrafficProfile>(i);
    }
  }
  return std::nullopt;
}

}  // namespace flowlens::synth
