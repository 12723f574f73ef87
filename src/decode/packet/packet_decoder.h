#pragma once
// PacketDecoder: link layer -> outermost IP header -> transport ports, for one frame.
//
// Link types (LINKTYPE_*/DLT_* values; the upper 16 bits, pcap's FCS flags, are ignored):
//   Ethernet (1) with 802.1Q (0x8100), 802.1ad (0x88a8) and QinQ (0x9100) tag stacks,
//   MPLS (0x8847/0x8848: labels to bottom of stack, then IPv4/IPv6 by first nibble, or an
//   Ethernet pseudowire after a control word when the nibble is 0), PPPoE session
//   (0x8864, PPP 0x0021/0x0057); Linux SLL (113) and SLL2 (276); raw IP (101, 12, 14 by
//   version nibble; 228 IPv4; 229 IPv6); NULL (0, AF in either byte order: 2 = IPv4,
//   24/28/30 = IPv6) and LOOP (108, network order).
// IPv4 with options and fragments; IPv6 with hop-by-hop, routing, destination options,
// fragment and AH headers (ESP and no-next-header end the chain). TCP, UDP, SCTP ports,
// TCP flags; ICMP/ICMPv6 type and code; GRE and every other protocol are recorded by
// number on the outer header only: flows are keyed on the outermost IP header, there is
// no decapsulation.
//
// Rules:
// - kIp only when both addresses of the outermost IP header are in the captured bytes.
// - The IP length field, not the frame length, ends the datagram (Ethernet padding and
//   FCS are ignored). IPv4 total length 0 and IPv6 payload length 0 (TSO, jumbograms)
//   mean "all captured bytes".
// - Ports only from the first fragment (offset 0) and only when the whole port fields are
//   captured (TCP: the first 14 bytes, through the flags; UDP: 8; SCTP: 4); otherwise
//   has_ports = false and transport_truncated = true. ICMP needs 2 bytes for type/code.
// - For IPv6, ip_proto is the header after the extension headers (for a later fragment,
//   the fragment header's next header; for a cut chain, the header it stopped at).
//
// decode() never reads outside `frame`, never allocates, never throws and asserts nothing
// about the bytes. It is stateless apart from the counters, so use one decoder per thread.
// It is defined inline here so the Ethernet -> IPv4 -> TCP/UDP path inlines into the
// caller's loop (measured: see README.md); other paths call into the module's .cc files.

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "decode/packet/decoded_packet.h"
#include "decode/packet/ethernet_layer.h"
#include "decode/packet/link_layer.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode {

// The fields of an unfragmented IPv4 TCP/UDP packet over Ethernet that a flow key needs,
// as found by PacketDecoder::decode_ipv4_l4(). Addresses are the 4 wire bytes loaded as a
// little-endian word (byte 0 of the address in bits 0..7), i.e. the first word of
// IpAddress::bytes.
struct Ipv4L4Fields {
  uint64_t mac_dst = 0;  // 6 bytes in bits 0..47, same byte order as the addresses
  uint64_t mac_src = 0;
  uint32_t src = 0;
  uint32_t dst = 0;
  uint32_t ip_length = 0;  // IPv4 total length (never 0 here)
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t vlan = 0;
  uint8_t ip_proto = 0;   // 6 or 17
  uint8_t tos = 0;
  uint8_t tcp_flags = 0;  // 0 for UDP
};

class PacketDecoder {
 public:
  // Resets `out`, fills it as far as the frame allows, counts the outcome and returns it.
  DecodeStatus decode(uint32_t link_type, std::span<const uint8_t> frame, DecodedPacket& out);

  // The metering fast path. True (and the frame counted as kIp, reason kOk) exactly when
  // decode() would return kIp for a frame that is Ethernet (link type 1, untagged or one
  // 802.1Q tag) / IPv4 / TCP or UDP, not a fragment, IPv4 total length != 0 and the ports
  // (TCP: through the flags) captured: then `out` holds what decode() would have put in
  // the corresponding DecodedPacket fields. False: nothing is counted or promised; call
  // decode(). Same bounds guarantees as decode().
  bool decode_ipv4_l4(uint32_t link_type, const uint8_t* frame, size_t n, Ipv4L4Fields& out);

  // A snapshot of the counters, refreshed on every call: the reference stays valid for
  // the decoder's lifetime but shows new counts only after the next counters() call.
  // (decode() keeps only per-reason counts; the totals are summed here, off the hot path.)
  // Like decode(), call it from the decoding thread only.
  const DecodeCounters& counters() const;

 private:
  std::array<uint64_t, kDecodeReasonCount> by_reason_{};
  uint64_t fragments_ = 0;
  uint64_t transport_truncated_ = 0;
  mutable DecodeCounters snapshot_;
};

inline DecodeStatus PacketDecoder::decode(uint32_t link_type, std::span<const uint8_t> frame,
                                          DecodedPacket& out) {
  out = DecodedPacket{};
  const DecodeReason reason = link_type == wire::kLinkEthernet
                                  ? layer::decode_ethernet(frame.data(), frame.size(), out)
                                  : layer::decode_link(link_type, frame.data(), frame.size(), out);
  out.reason = reason;
  ++by_reason_[static_cast<size_t>(reason)];
  // Both flags are false unless an IP header was decoded, so no status test is needed.
  // Branches rather than adds: they are rarely taken, and an unconditional add is a
  // load and a store per counter per frame on a path of ~30 stores.
  if (out.is_fragment) [[unlikely]] {
    ++fragments_;
  }
  if (out.transport_truncated) [[unlikely]] {
    ++transport_truncated_;
  }
  return status_of(reason);
}

inline bool PacketDecoder::decode_ipv4_l4(uint32_t link_type, const uint8_t* frame, size_t n,
                                          Ipv4L4Fields& out) {
  // 14 (Ethernet) + 20 (IPv4) + 8 (UDP) is the shortest frame that can qualify.
  if (link_type != wire::kLinkEthernet || n < 42) return false;
  size_t offset = sizeof(wire::EthernetHeader);
  uint16_t ether_type = load_be16(frame + 12);
  uint16_t vlan = 0;
  if (ether_type == wire::kEtherTypeVlan) {
    vlan = static_cast<uint16_t>(load_be16(frame + 14) & 0x0fffu);
    ether_type = load_be16(frame + 16);
    offset += sizeof(wire::VlanTag);
    if (n < offset + 28) return false;
  }
  if (ether_type != wire::kEtherTypeIpv4) return false;
  const uint8_t* ip = frame + offset;
  const size_t ip_n = n - offset;  // >= 28
  const unsigned version_ihl = ip[0];
  const size_t header_len = size_t{version_ihl & 0x0fu} * 4;
  const size_t total_len = load_be16(ip + 2);
  // Version 4, IHL >= 5, no fragment bits (MF or offset), total length covers the header.
  if ((version_ihl & 0xf0u) != 0x40u || header_len < 20 || total_len < header_len ||
      (load_be16(ip + 6) & 0x3fffu) != 0) {
    return false;
  }
  const uint8_t proto = ip[9];
  const size_t end = total_len < ip_n ? total_len : ip_n;
  const size_t need = proto == wire::kProtoTcp   ? wire::kTcpBytesForFlags
                      : proto == wire::kProtoUdp ? wire::kUdpBytesForPorts
                                                 : SIZE_MAX;
  if (end < header_len || end - header_len < need) return false;
  const uint8_t* l4 = ip + header_len;
  uint64_t w0 = 0;
  uint64_t w6 = 0;
  std::memcpy(&w0, frame, 8);      // n >= 42: both loads are inside the frame
  std::memcpy(&w6, frame + 6, 8);
  out.mac_dst = w0 & 0xFFFF'FFFF'FFFFull;
  out.mac_src = w6 & 0xFFFF'FFFF'FFFFull;
  std::memcpy(&out.src, ip + 12, 4);
  std::memcpy(&out.dst, ip + 16, 4);
  out.ip_length = static_cast<uint32_t>(total_len);
  out.src_port = load_be16(l4);
  out.dst_port = load_be16(l4 + 2);
  out.vlan = vlan;
  out.ip_proto = proto;
  out.tos = ip[1];
  out.tcp_flags = proto == wire::kProtoTcp ? l4[13] : 0;
  ++by_reason_[static_cast<size_t>(DecodeReason::kOk)];
  return true;
}

}  // namespace flowlens::decode
