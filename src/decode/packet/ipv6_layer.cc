#include "decode/packet/ipv6_layer.h"

#include <algorithm>
#include <cstring>

#include "core/byte_reader.h"
#include "decode/packet/transport_layer.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode::layer {
namespace {

// Walks the extension headers in [offset, end) starting with `next`. Every step moves
// at least 8 bytes forward, so the loop ends within end / 8 steps whatever the input.
void walk_extension_headers(const uint8_t* p, size_t offset, size_t end, uint8_t next,
                            DecodedPacket& out) {
  for (;;) {
    size_t header_len = 0;
    switch (next) {
      case wire::kProtoHopByHop:
      case wire::kProtoRouting:
      case wire::kProtoDestinationOptions:
        // RFC 8200 4.3-4.6: length in 8-octet units, not counting the first 8.
        header_len = end - offset < 2 ? 0 : (size_t{p[offset + 1]} + 1) * 8;
        break;
      case wire::kProtoAh:
        // RFC 4302 2.2: length in 4-octet units, minus 2.
        header_len = end - offset < 2 ? 0 : (size_t{p[offset + 1]} + 2) * 4;
        break;
      case wire::kProtoFragment: {
        if (end - offset < sizeof(wire::Ipv6FragmentHeader)) {
          break;
        }
        const auto* frag = wire::wire_cast<wire::Ipv6FragmentHeader>(p + offset);
        const unsigned offset_flags = load_be16(frag->offset_flags);
        out.fragment_id = load_be32(frag->identification);
        out.fragment_offset = static_cast<uint16_t>(offset_flags & 0xfff8u);
        out.more_fragments = (offset_flags & 1u) != 0;
        // RFC 6946: an atomic fragment (offset 0, M=0) is a whole datagram.
        out.is_fragment = out.is_fragment || (offset_flags & 0xfff9u) != 0;
        next = frag->next_header;
        offset += sizeof(wire::Ipv6FragmentHeader);
        if (out.fragment_offset != 0) {
          out.ip_proto = next;  // a later fragment: the protocol, but no transport header
          return;
        }
        continue;
      }
      default:
        out.ip_proto = next;
        decode_transport(next, p + offset, end - offset, out);
        return;
    }
    if (header_len == 0 || end - offset < header_len) {
      out.ip_proto = next;  // the chain is cut: key the flow on the header we stopped at
      out.transport_truncated = true;
      return;
    }
    next = p[offset];
    offset += header_len;
  }
}

}  // namespace

DecodeReason decode_ipv6(const uint8_t* p, size_t n, DecodedPacket& out) {
  if (n < sizeof(wire::Ipv6Header)) {
    return n >= 1 && (p[0] >> 4) != 6 ? DecodeReason::kBadIpVersion : DecodeReason::kTruncatedIpv6;
  }
  const auto* ip = wire::wire_cast<wire::Ipv6Header>(p);
  // Straight into `out`, not through an IpAddress temporary (see assign_ipv4()).
  std::memcpy(out.src.bytes.data(), ip->src, sizeof(ip->src));
  out.src.family = IpFamily::kV6;
  std::memcpy(out.dst.bytes.data(), ip->dst, sizeof(ip->dst));
  out.dst.family = IpFamily::kV6;
  out.ttl = ip->hop_limit;
  out.ip_proto = ip->next_header;
  const uint32_t version_class_flow = load_be32(ip->version_class_flow);
  out.tos = static_cast<uint8_t>(version_class_flow >> 20);
  if ((version_class_flow >> 28) != 6) {
    return DecodeReason::kBadIpVersion;
  }
  const size_t payload_len = load_be16(ip->payload_length);
  size_t end = n;
  if (payload_len == 0) {
    // A jumbogram (RFC 2675, length in a hop-by-hop option) or a TSO/GSO packet captured
    // on the sender: either way the captured bytes are the best length we have.
    out.ip_length = static_cast<uint32_t>(std::min<size_t>(n, UINT32_MAX));
  } else {
    out.ip_length = static_cast<uint32_t>(payload_len + sizeof(wire::Ipv6Header));
    end = std::min(n, payload_len + sizeof(wire::Ipv6Header));
  }
  walk_extension_headers(p, sizeof(wire::Ipv6Header), end, ip->next_header, out);
  return DecodeReason::kOk;
}

}  // namespace flowlens::decode::layer
