#pragma once
// Helpers that build DecodedPacket values for the meter tests.

#include <string_view>

#include "decode/packet/decoded_packet.h"

namespace flowlens::meter::testing {

inline decode::DecodedPacket make_packet(std::string_view src, std::string_view dst,
                                         uint16_t sport, uint16_t dport, uint8_t proto = 6,
                                         uint32_t ip_length = 100) {
  decode::DecodedPacket p;
  p.src = *IpAddress::parse(src);
  p.dst = *IpAddress::parse(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.has_ports = proto == 6 || proto == 17 || proto == 132;
  p.ip_proto = proto;
  p.ip_length = ip_length;
  return p;
}

inline constexpr int64_t kSec = 1'000'000'000;

}  // namespace flowlens::meter::testing
