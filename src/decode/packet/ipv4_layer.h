#pragma once
// IPv4 layer (RFC 791): addresses, ToS, fragments, then the transport header. Part of
// PacketDecoder; inline because Ethernet -> IPv4 -> TCP/UDP is the fast path.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/byte_reader.h"
#include "decode/packet/decoded_packet.h"
#include "decode/packet/transport_layer.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode::layer {

// Writes the address straight into `a`, which decode() has just reset to zero (so the
// 12 high bytes are already 0). IpAddress::v4() builds a temporary with a 4-byte and a
// 12-byte store and copies it with one 16-byte load, which stalls on store forwarding:
// measured ~15 ns of a 30 ns Ethernet/IPv4/TCP decode (README.md, "Speed").
inline void assign_ipv4(IpAddress& a, const uint8_t* p) {
  std::memcpy(a.bytes.data(), p, 4);
  a.family = IpFamily::kV4;
}

// Cold: fewer than 20 bytes. A wrong version nibble is a contradiction even when cut.
[[gnu::cold]] inline DecodeReason ipv4_short_header(const uint8_t* p, size_t n) {
  if (n >= 1 && (p[0] >> 4) != 4) {
    return DecodeReason::kBadIpVersion;
  }
  return DecodeReason::kTruncatedIpv4;
}

// `p`/`n`: the IPv4 header and everything captured after it (trailing Ethernet padding
// or FCS included; the total length field decides where the datagram ends).
inline DecodeReason decode_ipv4(const uint8_t* p, size_t n, DecodedPacket& out) {
  if (n < sizeof(wire::Ipv4Header)) [[unlikely]] {
    return ipv4_short_header(p, n);
  }
  const auto* ip = wire::wire_cast<wire::Ipv4Header>(p);
  assign_ipv4(out.src, ip->src);
  assign_ipv4(out.dst, ip->dst);
  out.tos = ip->tos;
  out.ttl = ip->ttl;
  out.ip_proto = ip->protocol;
  out.fragment_id = load_be16(ip->identification);
  const size_t header_len = size_t{ip->version_ihl & 0x0fu} * 4;
  size_t total_len = load_be16(ip->total_length);
  if ((ip->version_ihl & 0xf0u) != 0x40u) [[unlikely]] {
    return DecodeReason::kBadIpVersion;
  }
  if (header_len < sizeof(wire::Ipv4Header)) [[unlikely]] {
    return DecodeReason::kIpv4HeaderLength;
  }
  if (total_len < header_len) [[unlikely]] {
    // Total length 0 is what TCP segmentation offload leaves in packets captured on the
    // sending host; the datagram is then everything captured (Wireshark does the same).
    if (total_len != 0) {
      return DecodeReason::kIpv4TotalLength;
    }
    total_len = n;
  }
  out.ip_length = static_cast<uint32_t>(total_len);
  const unsigned fragment = load_be16(ip->flags_fragment_offset);
  out.fragment_offset = static_cast<uint16_t>(fragment << 3);  // flag bits shift out
  out.more_fragments = (fragment & 0x2000u) != 0;
  out.is_fragment = (fragment & 0x3fffu) != 0;
  if (out.fragment_offset != 0) {
    return DecodeReason::kOk;  // a later fragment: no transport header here
  }
  const size_t end = std::min(n, total_len);
  if (end < header_len) [[unlikely]] {
    out.transport_truncated = true;  // options cut by the snaplen
    return DecodeReason::kOk;
  }
  decode_transport(ip->protocol, p + header_len, end - header_len, out);
  return DecodeReason::kOk;
}

}  // namespace flowlens::decode::layer
