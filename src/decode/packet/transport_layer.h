#pragma once
// Transport layer: ports, TCP flags, ICMP type/code from the header that directly follows
// the outermost IP header. Part of PacketDecoder; inline because it is on the fast path.

#include <cstddef>
#include <cstdint>

#include "core/byte_reader.h"
#include "decode/packet/decoded_packet.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode::layer {

// `p`/`n`: the bytes after the IP header(s), already clipped to the IP length. Sets
// has_ports only when the whole port fields (TCP: through the flag byte) are present,
// otherwise transport_truncated. Protocols without ports (GRE, ESP, ...) set nothing.
inline void decode_transport(uint8_t protocol, const uint8_t* p, size_t n, DecodedPacket& out) {
  switch (protocol) {
    case wire::kProtoTcp: {
      if (n < wire::kTcpBytesForFlags) [[unlikely]] {
        break;
      }
      const auto* tcp = wire::wire_cast<wire::TcpHeader>(p);  // flags at 13 < 14 checked
      out.src_port = load_be16(tcp->src_port);
      out.dst_port = load_be16(tcp->dst_port);
      out.tcp_flags = tcp->flags;
      out.has_ports = true;
      return;
    }
    case wire::kProtoUdp: {
      if (n < wire::kUdpBytesForPorts) [[unlikely]] {
        break;
      }
      const auto* udp = wire::wire_cast<wire::UdpHeader>(p);
      out.src_port = load_be16(udp->src_port);
      out.dst_port = load_be16(udp->dst_port);
      out.has_ports = true;
      return;
    }
    case wire::kProtoSctp: {
      if (n < wire::kSctpBytesForPorts) {
        break;
      }
      // Only the two port fields of SctpCommonHeader are read (4 bytes checked).
      out.src_port = load_be16(p);
      out.dst_port = load_be16(p + 2);
      out.has_ports = true;
      return;
    }
    case wire::kProtoIcmp:
    case wire::kProtoIcmpv6: {
      if (n < wire::kIcmpBytesForTypeCode) {
        break;
      }
      out.icmp_type = p[0];
      out.icmp_code = p[1];
      return;
    }
    default:
      return;
  }
  out.transport_truncated = true;
}

}  // namespace flowlens::decode::layer
