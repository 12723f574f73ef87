#include "decode/packet/link_layer.h"

#include <cstring>

#include "core/byte_reader.h"
#include "decode/packet/ethernet_layer.h"
#include "decode/packet/ipv4_layer.h"
#include "decode/packet/ipv6_layer.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode::layer {
namespace {

// Linux ARPHRD_* and SLL protocol values that are not ethertypes (linux/if_arp.h,
// linux/if_ether.h; tcpdump print-sll.c).
constexpr uint16_t kArphrdEther = 1;
constexpr uint16_t kArphrdNetlink = 824;
constexpr uint16_t kSllProtocolNovell8023 = 0x0001;
constexpr uint16_t kSllProtocolLlc = 0x0004;
constexpr uint16_t kSllProtocolCan = 0x000c;

DecodeReason decode_ip_by_version(const uint8_t* frame, size_t n, size_t offset,
                                  DecodedPacket& out) {
  if (offset >= n) {
    return DecodeReason::kTruncatedLink;
  }
  out.ip_offset = static_cast<uint32_t>(offset);
  switch (frame[offset] >> 4) {
    case 4:
      return decode_ipv4(frame + offset, n - offset, out);
    case 6:
      return decode_ipv6(frame + offset, n - offset, out);
    default:
      return DecodeReason::kBadIpVersion;
  }
}

void keep_sll_address(uint16_t arphrd, size_t address_length, const uint8_t* address,
                      DecodedPacket& out) {
  if (arphrd == kArphrdEther && address_length == out.mac_src.size()) {
    std::memcpy(out.mac_src.data(), address, out.mac_src.size());
  }
}

// The SLL protocol field is an ethertype except for a few Linux-internal values.
DecodeReason decode_sll_protocol(uint16_t arphrd, uint16_t protocol, const uint8_t* frame,
                                 size_t n, size_t offset, DecodedPacket& out) {
  if (arphrd == kArphrdNetlink || protocol == kSllProtocolCan) {
    return DecodeReason::kOtherEthertype;
  }
  if (protocol == kSllProtocolNovell8023 || protocol == kSllProtocolLlc) {
    return DecodeReason::kLlc;
  }
  return decode_ethertype(protocol, frame, n, offset, out);
}

DecodeReason decode_sll(const uint8_t* frame, size_t n, DecodedPacket& out) {
  if (n < sizeof(wire::LinuxSllHeader)) {
    return DecodeReason::kTruncatedLink;
  }
  const auto* sll = wire::wire_cast<wire::LinuxSllHeader>(frame);
  const uint16_t arphrd = load_be16(sll->arphrd_type);
  keep_sll_address(arphrd, load_be16(sll->address_length), sll->address, out);
  return decode_sll_protocol(arphrd, load_be16(sll->protocol), frame, n,
                             sizeof(wire::LinuxSllHeader), out);
}

DecodeReason decode_sll2(const uint8_t* frame, size_t n, DecodedPacket& out) {
  if (n < sizeof(wire::LinuxSll2Header)) {
    return DecodeReason::kTruncatedLink;
  }
  const auto* sll = wire::wire_cast<wire::LinuxSll2Header>(frame);
  const uint16_t arphrd = load_be16(sll->arphrd_type);
  keep_sll_address(arphrd, sll->address_length, sll->address, out);
  return decode_sll_protocol(arphrd, load_be16(sll->protocol), frame, n,
                             sizeof(wire::LinuxSll2Header), out);
}

// NULL stores the BSD address family in the capturing host's byte order; a value that
// does not fit in 16 bits was written by a host of the other byte order. Some writers put
// an ethertype there instead (seen in pcap/null_loopback.pcap: 0f 00 08 00); like
// Wireshark's packet-null.c, a value above the 802.3 maximum length (1500) is taken as one.
DecodeReason decode_loopback(const uint8_t* frame, size_t n, bool network_order,
                             DecodedPacket& out) {
  if (n < 4) {
    return DecodeReason::kTruncatedLink;
  }
  uint32_t family = network_order ? load_be32(frame) : load_le32(frame);
  if (family > 0xffffu) {
    family = __builtin_bswap32(family);
  }
  switch (family) {
    case wire::kAfInet:
      out.ip_offset = 4;
      return decode_ipv4(frame + 4, n - 4, out);
    case wire::kAfInet6NetBsd:
    case wire::kAfInet6FreeBsd:
    case wire::kAfInet6Darwin:
      out.ip_offset = 4;
      return decode_ipv6(frame + 4, n - 4, out);
    default:
      break;
  }
  constexpr uint32_t kIeee8023MaxLength = 1500;
  if (family > kIeee8023MaxLength) {
    return decode_ethertype(static_cast<uint16_t>(family), frame, n, 4, out);
  }
  return DecodeReason::kLoopbackFamily;
}

}  // namespace

DecodeReason decode_link(uint32_t link_type, const uint8_t* frame, size_t n, DecodedPacket& out) {
  switch (link_type & 0xffffu) {
    case wire::kLinkEthernet:
      return decode_ethernet(frame, n, out);
    case wire::kLinkLinuxSll:
      return decode_sll(frame, n, out);
    case wire::kLinkLinuxSll2:
      return decode_sll2(frame, n, out);
    case wire::kLinkRaw:
    case wire::kLinkRawDlt12:
    case wire::kLinkRawDlt14:
      return decode_ip_by_version(frame, n, 0, out);
    case wire::kLinkIpv4:
      return decode_ipv4(frame, n, out);
    case wire::kLinkIpv6:
      return decode_ipv6(frame, n, out);
    case wire::kLinkNull:
      return decode_loopback(frame, n, false, out);
    case wire::kLinkLoop:
      return decode_loopback(frame, n, true, out);
    default:
      return DecodeReason::kUnknownLinkType;
  }
}

}  // namespace flowlens::decode::layer
