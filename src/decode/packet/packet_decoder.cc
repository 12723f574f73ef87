#include "decode/packet/packet_decoder.h"

namespace flowlens::decode {

DecodeStatus PacketDecoder::decode(uint32_t, std::span<const uint8_t>, DecodedPacket&) {
  ++counters_.unsupported_link;
  return DecodeStatus::kUnsupportedLink;
}

}  // namespace flowlens::decode
