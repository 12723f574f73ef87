#pragma once
// PacketDecoder: link layer -> outermost IP header -> transport ports, for one frame.
//
// Link types: Ethernet (1) with 802.1Q / 802.1ad (QinQ) / MPLS, Linux SLL (113) and
// SLL2 (276), raw IP (101, 228 IPv4, 229 IPv6, platform DLT_RAW 12 and 14),
// NULL/loopback (0, either byte order). IPv4 with options, IPv6 with extension headers
// and fragments. TCP, UDP, SCTP ports; ICMP/ICMPv6 type and code; GRE is recorded as protocol 47
// on the outer header (flows are keyed on the outermost IP header).
//
// decode() never reads outside `frame`, never allocates and never throws. It is
// stateless apart from the counters, so one decoder per thread.

#include <cstdint>
#include <span>

#include "decode/packet/decoded_packet.h"

namespace flowlens::decode {

class PacketDecoder {
 public:
  DecodeStatus decode(uint32_t link_type, std::span<const uint8_t> frame, DecodedPacket& out);

  const DecodeCounters& counters() const { return counters_; }

 private:
  DecodeCounters counters_;
};

}  // namespace flowlens::decode
