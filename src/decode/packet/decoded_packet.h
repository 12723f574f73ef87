#pragma once
// DecodedPacket: what the packet decoder extracts from one captured frame for the
// flow meter and for `flowlens inspect`. Fixed size, no heap members.
//
// Field contract (see packet_decoder.h for the decoding rules):
// - Fields are filled as far as decoding got: a kMalformed IPv4 header still carries the
//   addresses it had, a kTruncated frame may carry MACs and VLAN. Only status kIp promises
//   that src/dst are valid.
// - `reason` says why the status is what it is (kOk for a complete kIp decode, and also
//   for kIp with a cut or odd transport header: see transport_truncated).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

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

// Why a frame got its status. Each reason belongs to exactly one status
// (status_of()); DecodeCounters::by_reason counts them.
enum class DecodeReason : uint8_t {
  kOk = 0,  // kIp
  // kNotIp
  kArp,               // ethertype 0x0806 / 0x8035
  kLldp,              // ethertype 0x88cc
  kLlc,               // 802.3 frame (type field < 0x0600: a length, LLC/SNAP follows)
  kOtherEthertype,    // any other ethertype (incl. PPPoE discovery, MACsec, ...)
  kMplsNotIp,         // MPLS payload that is neither IP nor an Ethernet pseudowire
  kPppNotIp,          // PPPoE session carrying LCP, IPCP, ...
  kLoopbackFamily,    // NULL/loopback address family that is not IPv4/IPv6
  // kTruncated
  kTruncatedLink,     // link header (Ethernet, SLL, SLL2, NULL) cut short
  kTruncatedTag,      // VLAN tag, MPLS label stack, PPPoE or PW control word cut short
  kTruncatedIpv4,     // fewer than 20 bytes of IPv4 header
  kTruncatedIpv6,     // fewer than 40 bytes of IPv6 header
  // kMalformed
  kBadIpVersion,      // raw/MPLS/loopback says IP but the version nibble is not 4/6, or
                      // the IPv4/IPv6 ethertype carries the other (or no) version
  kIpv4HeaderLength,  // IHL < 5
  kIpv4TotalLength,   // total length < IHL * 4 (and not 0, which is TSO)
  // kUnsupportedLink
  kUnknownLinkType,
  kCount,  // number of reasons, not a reason
};
inline constexpr size_t kDecodeReasonCount = static_cast<size_t>(DecodeReason::kCount);

constexpr DecodeStatus status_of(DecodeReason reason) {
  switch (reason) {
    case DecodeReason::kOk:
      return DecodeStatus::kIp;
    case DecodeReason::kArp:
    case DecodeReason::kLldp:
    case DecodeReason::kLlc:
    case DecodeReason::kOtherEthertype:
    case DecodeReason::kMplsNotIp:
    case DecodeReason::kPppNotIp:
    case DecodeReason::kLoopbackFamily:
      return DecodeStatus::kNotIp;
    case DecodeReason::kTruncatedLink:
    case DecodeReason::kTruncatedTag:
    case DecodeReason::kTruncatedIpv4:
    case DecodeReason::kTruncatedIpv6:
      return DecodeStatus::kTruncated;
    case DecodeReason::kBadIpVersion:
    case DecodeReason::kIpv4HeaderLength:
    case DecodeReason::kIpv4TotalLength:
      return DecodeStatus::kMalformed;
    case DecodeReason::kUnknownLinkType:
    case DecodeReason::kCount:
      break;
  }
  return DecodeStatus::kUnsupportedLink;
}

// Stable snake_case names for metrics and `flowlens inspect`.
std::string_view status_name(DecodeStatus status);
std::string_view reason_name(DecodeReason reason);

struct DecodedPacket {
  IpAddress src;
  IpAddress dst;
  uint32_t ip_length = 0;        // IP total length from the header (v6: payload + 40;
                                 // v4 total length 0 (TSO) and v6 payload length 0
                                 // (jumbogram/TSO): the captured bytes from the IP header on)
  uint32_t fragment_id = 0;      // IPv4 identification / IPv6 fragment header id
  uint32_t ip_offset = 0;        // offset of the outermost IP header in the frame
  uint16_t fragment_offset = 0;  // in bytes; 0 for the first fragment
  uint16_t src_port = 0;         // 0 when there are no ports (see has_ports)
  uint16_t dst_port = 0;
  uint16_t vlan = 0;             // outermost 802.1Q/802.1ad VLAN id, 0 = none
  // Destination before source, as on the wire, so both are copied with two stores.
  std::array<uint8_t, 6> mac_dst{};  // outermost Ethernet destination; zero for SLL
  std::array<uint8_t, 6> mac_src{};  // outermost Ethernet (or SLL/SLL2 6-byte) source
  uint8_t ip_proto = 0;          // transport protocol (after IPv6 extension headers; for a
                                 // cut extension-header chain, the header type it stopped at)
  uint8_t tos = 0;               // IPv4 ToS / IPv6 traffic class
  uint8_t ttl = 0;               // IPv4 TTL / IPv6 hop limit
  uint8_t tcp_flags = 0;         // full TCP flag byte (FIN..CWR)
  uint8_t icmp_type = 0;         // ICMP / ICMPv6 only
  uint8_t icmp_code = 0;
  DecodeReason reason = DecodeReason::kOk;
  bool has_ports = false;        // TCP/UDP/SCTP port fields captured completely
  bool is_fragment = false;      // part of a fragmented datagram (first or later); an IPv6
                                 // atomic fragment (offset 0, M=0) is not
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
  std::array<uint64_t, kDecodeReasonCount> by_reason{};  // indexed by DecodeReason

  uint64_t count(DecodeReason reason) const { return by_reason[static_cast<size_t>(reason)]; }
};

}  // namespace flowlens::decode
