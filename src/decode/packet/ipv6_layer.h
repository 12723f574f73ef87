#pragma once
// IPv6 layer (RFC 8200): addresses, traffic class, the extension-header chain
// (hop-by-hop, routing, destination options, fragment, AH; stops at ESP, no next header
// and anything else), then the transport header. Part of PacketDecoder.

#include <cstddef>
#include <cstdint>

#include "decode/packet/decoded_packet.h"

namespace flowlens::decode::layer {

// `p`/`n`: the IPv6 header and everything captured after it. Out of line: IPv6 is common
// but not the hot path, and the extension-header walk is a loop.
DecodeReason decode_ipv6(const uint8_t* p, size_t n, DecodedPacket& out);

}  // namespace flowlens::decode::layer
