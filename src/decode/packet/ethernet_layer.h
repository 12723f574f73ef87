#pragma once
// Ethernet layer and the ethertype dispatch (802.1Q/802.1ad/QinQ tags, MPLS label stacks
// with Ethernet pseudowires, PPPoE sessions, IPv4, IPv6). Part of PacketDecoder.
// decode_ethernet() is inline for the untagged and single-802.1Q-tagged IPv4 fast path;
// everything else goes through decode_ethertype(), which is out of line.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/byte_reader.h"
#include "decode/packet/decoded_packet.h"
#include "decode/packet/ipv4_layer.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode::layer {

// Dispatches `ether_type`, whose payload starts at frame[offset]. Used by Ethernet, SLL
// and SLL2. Loops over tags and labels (each consumes >= 4 bytes, so it ends); sets
// vlan from the first tag and ip_offset when it reaches IP.
DecodeReason decode_ethertype(uint16_t ether_type, const uint8_t* frame, size_t n, size_t offset,
                              DecodedPacket& out);

inline DecodeReason decode_ethernet(const uint8_t* frame, size_t n, DecodedPacket& out) {
  if (n < sizeof(wire::EthernetHeader)) [[unlikely]] {
    return DecodeReason::kTruncatedLink;
  }
  const auto* eth = wire::wire_cast<wire::EthernetHeader>(frame);
  std::memcpy(out.mac_dst.data(), eth->dst, sizeof(eth->dst));
  std::memcpy(out.mac_src.data(), eth->src, sizeof(eth->src));
  const uint16_t ether_type = load_be16(eth->ether_type);
  if (ether_type == wire::kEtherTypeIpv4) [[likely]] {
    out.ip_offset = sizeof(wire::EthernetHeader);
    return decode_ipv4(frame + sizeof(wire::EthernetHeader), n - sizeof(wire::EthernetHeader), out);
  }
  // One 802.1Q tag over IPv4 is common enough on access links to stay inline too.
  constexpr size_t kTagged = sizeof(wire::EthernetHeader) + sizeof(wire::VlanTag);
  if (ether_type == wire::kEtherTypeVlan && n >= kTagged) {
    const auto* tag = wire::wire_cast<wire::VlanTag>(frame + sizeof(wire::EthernetHeader));
    if (load_be16(tag->ether_type) == wire::kEtherTypeIpv4) {
      out.vlan = static_cast<uint16_t>(load_be16(tag->tci) & 0x0fffu);
      out.ip_offset = kTagged;
      return decode_ipv4(frame + kTagged, n - kTagged, out);
    }
  }
  return decode_ethertype(ether_type, frame, n, sizeof(wire::EthernetHeader), out);
}

}  // namespace flowlens::decode::layer
