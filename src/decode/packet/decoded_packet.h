#pragma once
// DecodedPacket: what the packet decoder extracts from one captured frame for the
// flow meter and for `flowlens inspect`. Fixed size, no heap members.

#include <array>
#include <cstdint>

#include "model/ip_address.h"

namespace flowlens::decode {

// Outcome of decoding one frame. Untrusted input never aborts decoding: every outcome
// other than kIp is counted by reason in DecodeCounters.
enum class DecodeStatus : uint8_t {
  kIp = 0,           // an outermost IPv4/IPv6 header with both addresses was found
  kNotIp,            // a valid frame without IP (ARP, LLDP, STP, ...)
  kTruncated,        // the capture stops (snaplen) before the IP addresses
  kMalformed,        // a header contradicts itself (bad version, length, ...)
  kUnsupportedLink,  // link type this decoder does not know
};

struct DecodedPacket {
  IpAddress src;
  IpAddress dst;
  uint32_t ip_length = 0;        // IP total length from the header (v6: payload + 40)
  uint32_t fragment_id = 0;      // IPv4 identification / IPv6 fragment header id
  uint16_t fragment_offset = 0;  // in bytes; 0 for the first fragment
  uint16_t src_port = 0;         // 0 when there are no ports (see has_ports)
  uint16_t dst_port = 0;
  uint16_t vlan = 0;             // outermost 802.1Q/802.1ad VLAN id, 0 = none
  std::array<uint8_t, 6> mac_src{};
  std::array<uint8_t, 6> mac_dst{};
  uint8_t ip_proto = 0;          // transport protocol (after IPv6 extension headers)
  uint8_t tos = 0;               // IPv4 ToS / IPv6 traffic class
  uint8_t tcp_flags = 0;
  uint8_t icmp_type = 0;         // ICMP / ICMPv6 only
  uint8_t icmp_code = 0;
  bool has_ports = false;        // TCP/UDP/SCTP header read completely
  bool is_fragment = false;      // part of a fragmented datagram (first or later)
  bool more_fragments = false;
  bool transport_truncated = false;  // transport header cut by snaplen or bad length
};

struct DecodeCounters {
  uint64_t frames = 0;
  uint64_t ip = 0;
  uint64_t not_ip = 0;
  uint64_t truncated = 0;
  uint64_t malformed = 0;
  uint64_t unsupported_link = 0;
  uint64_t fragments = 0;
  uint64_t transport_truncated = 0;
};

}  // namespace flowlens::decode
