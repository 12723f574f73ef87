#pragma once
// TrafficProfile: the shapes of synthetic traffic `flowlens generate` can write.
//   k64b  64-byte Ethernet/IPv4 frames, TCP or UDP (half each), one direction per flow:
//         the classic worst case for a packet pipeline (most packets per byte).
//   kImix Simple IMIX: frames of 64, 594 and 1518 bytes in the ratio 7:4:1 (captured
//         length, no FCS), over TCP 60 %, UDP 35 %, ICMP echo 5 %; 15 % of flows IPv6.
// A profile only decides what flows look like and how big frames are; ordering,
// timing and the file format are shared (TrafficGenerator), so later profiles (a "demo"
// network with local hosts, remote peers and a day/night rhythm) slot in beside these.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace flowlens::synth {

enum class TrafficProfile : uint8_t { k64b, kImix };

inline constexpr std::array<std::string_view, 2> kTrafficProfileNames{"64b", "imix"};

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
