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
#include <span>

#include "decode/packet/decoded_packet.h"
#include "decode/packet/ethernet_layer.h"
#include "decode/packet/link_layer.h"
#include "decode/packet/wire_headers.h"

namespace flowlens::decode {

class PacketDecoder {
 public:
  // Resets `out`, fills it as far as the frame allows, counts the outcome and returns it.
  DecodeStatus decode(uint32_t link_type, std::span<const uint8_t> frame, DecodedPacket& out);

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

}  // namespace flowlens::decode
