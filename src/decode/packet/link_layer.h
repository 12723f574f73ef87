#pragma once
// Link-type dispatch for everything but plain Ethernet: Linux SLL and SLL2, raw IP
// (101, 12, 14, 228, 229), NULL (0) and LOOP (108). Part of PacketDecoder.

#include <cstddef>
#include <cstdint>

#include "decode/packet/decoded_packet.h"

namespace flowlens::decode::layer {

// `link_type`: LINKTYPE_*/DLT_* value; the upper 16 bits (pcap FCS flags) are ignored.
// Returns kUnknownLinkType for anything not listed in packet_decoder.h.
DecodeReason decode_link(uint32_t link_type, const uint8_t* frame, size_t n, DecodedPacket& out);

}  // namespace flowlens::decode::layer
