#pragma once
// FlowSpec: everything the frame builder needs to know about one synthetic flow.
// A plain value computed on the fly from (seed, flow index) by FlowCatalog, so the
// generator needs no per-flow memory however many flows it cycles over.

#include <array>
#include <cstdint>

namespace flowlens::synth {

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpV6 = 58;

struct FlowSpec {
  uint8_t ip_version = 4;         // 4 or 6
  uint8_t protocol = kProtoUdp;   // kProtoTcp, kProtoUdp, kProtoIcmp (v4) or kProtoIcmpV6 (v6)
  std::array<uint8_t, 16> src{};  // network order; IPv4 uses the first 4 bytes
  std::array<uint8_t, 16> dst{};
  uint16_t src_port = 0;          // TCP/UDP ports; for ICMP echo, src_port is the identifier
  uint16_t dst_port = 0;          // and dst_port is 0
  uint32_t tcp_isn = 0;           // first sequence number of the flow (TCP only)
  uint32_t tcp_ack = 0;           // acknowledgement number carried by every segment
};

}  // namespace flowlens::synth
