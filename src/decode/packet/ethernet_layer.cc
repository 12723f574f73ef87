#include "decode/packet/ethernet_layer.h"

#include "decode/packet/ipv6_layer.h"

namespace flowlens::decode::layer {
namespace {

DecodeReason non_ip_reason(uint16_t ether_type) {
  if (ether_type < wire::kEtherTypeMinimum) {
    return DecodeReason::kLlc;
  }
  switch (ether_type) {
    case wire::kEtherTypeArp:
    case wire::kEtherTypeRarp:
      return DecodeReason::kArp;
    case wire::kEtherTypeLldp:
      return DecodeReason::kLldp;
    default:
      return DecodeReason::kOtherEthertype;
  }
}

// An 802.3 frame (type field < 0x0600 is a length) may carry an ethertype in an
// LLC/SNAP header with OUI 0 (RFC 1042): AA AA 03 00 00 00 <type>. Wireshark follows it.
constexpr size_t kSnapHeaderLength = 8;

bool is_snap_with_ethertype(const uint8_t* p, size_t n) {
  return n >= kSnapHeaderLength && p[0] == 0xaa && p[1] == 0xaa && p[2] == 0x03 && p[3] == 0 &&
         p[4] == 0 && p[5] == 0;
}

// What follows the bottom of an MPLS label stack has no type field. RFC 4928 / BCP 128:
// the first nibble is 4 or 6 for IP; 0 starts a pseudowire control word (RFC 4385), after
// which Wireshark (and we) expect an Ethernet pseudowire (RFC 4448).
enum class MplsPayload : uint8_t { kIpv4, kIpv6, kEthernetPseudowire, kOther };

MplsPayload classify_mpls_payload(uint8_t first_byte) {
  switch (first_byte >> 4) {
    case 4:
      return MplsPayload::kIpv4;
    case 6:
      return MplsPayload::kIpv6;
    case 0:
      return MplsPayload::kEthernetPseudowire;
    default:
      return MplsPayload::kOther;
  }
}

}  // namespace

DecodeReason decode_ethertype(uint16_t ether_type, const uint8_t* frame, size_t n, size_t offset,
                              DecodedPacket& out) {
  bool seen_tag = false;
  for (;;) {
    switch (ether_type) {
      case wire::kEtherTypeIpv4:
        out.ip_offset = static_cast<uint32_t>(offset);
        return decode_ipv4(frame + offset, n - offset, out);
      case wire::kEtherTypeIpv6:
        out.ip_offset = static_cast<uint32_t>(offset);
        return decode_ipv6(frame + offset, n - offset, out);
      case wire::kEtherTypeVlan:
      case wire::kEtherTypeQinQ:
      case wire::kEtherTypeQinQOld: {
        if (n - offset < sizeof(wire::VlanTag)) {
          return DecodeReason::kTruncatedTag;
        }
        const auto* tag = wire::wire_cast<wire::VlanTag>(frame + offset);
        if (!seen_tag) {
          out.vlan = static_cast<uint16_t>(load_be16(tag->tci) & 0x0fffu);
          seen_tag = true;
        }
        ether_type = load_be16(tag->ether_type);
        offset += sizeof(wire::VlanTag);
        continue;
      }
      case wire::kEtherTypeMplsUnicast:
      case wire::kEtherTypeMplsMulticast: {
        bool bottom = false;
        while (!bottom) {
          if (n - offset < sizeof(wire::MplsLabelEntry)) {
            return DecodeReason::kTruncatedTag;
          }
          bottom = (frame[offset + 2] & 0x01u) != 0;  // S bit
          offset += sizeof(wire::MplsLabelEntry);
        }
        if (offset == n) {
          return DecodeReason::kTruncatedTag;
        }
        switch (classify_mpls_payload(frame[offset])) {
          case MplsPayload::kIpv4:
            ether_type = wire::kEtherTypeIpv4;
            continue;
          case MplsPayload::kIpv6:
            ether_type = wire::kEtherTypeIpv6;
            continue;
          case MplsPayload::kEthernetPseudowire:
            // 4-byte control word, then an inner Ethernet header whose MACs we do not
            // keep: the flow's MACs are those seen on the capture link.
            if (n - offset < 4 + sizeof(wire::EthernetHeader)) {
              return DecodeReason::kTruncatedTag;
            }
            offset += 4 + sizeof(wire::EthernetHeader);
            ether_type = load_be16(frame + offset - 2);
            continue;
          case MplsPayload::kOther:
            return DecodeReason::kMplsNotIp;
        }
        return DecodeReason::kMplsNotIp;
      }
      case wire::kEtherTypePppoeSession: {
        if (n - offset < sizeof(wire::PppoeSessionHeader)) {
          return DecodeReason::kTruncatedTag;
        }
        const auto* pppoe = wire::wire_cast<wire::PppoeSessionHeader>(frame + offset);
        const uint16_t ppp_protocol = load_be16(pppoe->ppp_protocol);
        offset += sizeof(wire::PppoeSessionHeader);
        if (ppp_protocol == wire::kPppIpv4) {
          ether_type = wire::kEtherTypeIpv4;
          continue;
        }
        if (ppp_protocol == wire::kPppIpv6) {
          ether_type = wire::kEtherTypeIpv6;
          continue;
        }
        return DecodeReason::kPppNotIp;
      }
      default:
        if (ether_type < wire::kEtherTypeMinimum &&
            is_snap_with_ethertype(frame + offset, n - offset)) {
          ether_type = load_be16(frame + offset + 6);
          offset += kSnapHeaderLength;
          continue;
        }
        return non_ip_reason(ether_type);
    }
  }
}

}  // namespace flowlens::decode::layer
