// libFuzzer target for PacketDecoder::decode(). Input format (shared with the unit test
// that replays fuzz/regressions/packet_decoder/): byte 0 picks the link type, the rest is
// the frame (src/decode/packet/tests/fuzz_input.h). Seeds: frames cut out of the test
// captures by src/decode/packet/tests/extract_fuzz_seeds.py.
//
// Besides "no crash, no sanitizer report", it checks the decoder's promises and traps
// when one is broken, so libFuzzer keeps the input.

#include <cstddef>
#include <cstdint>

#include "decode/packet/packet_decoder.h"
#include "decode/packet/tests/fuzz_input.h"

namespace {

using flowlens::IpFamily;
using flowlens::decode::DecodedPacket;
using flowlens::decode::DecodeStatus;
using flowlens::decode::PacketDecoder;

bool promises_hold(DecodeStatus status, const DecodedPacket& out, size_t frame_size,
                   const PacketDecoder& decoder) {
  if (status != flowlens::decode::status_of(out.reason)) {
    return false;
  }
  if (decoder.counters().frames != 1) {
    return false;
  }
  if (out.has_ports && out.transport_truncated) {
    return false;
  }
  if (status != DecodeStatus::kIp) {
    return !out.has_ports && !out.transport_truncated;
  }
  // kIp: both addresses of one family, inside the captured bytes.
  if (out.src.family == IpFamily::kNone || out.src.family != out.dst.family) {
    return false;
  }
  const size_t header = out.src.family == IpFamily::kV4 ? 20 : 40;
  if (out.ip_offset + header > frame_size) {
    return false;
  }
  if (out.has_ports && out.fragment_offset != 0) {
    return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const flowlens::decode::fuzz::FuzzInput input =
      flowlens::decode::fuzz::split_fuzz_input(data, size);
  PacketDecoder decoder;
  DecodedPacket out;
  const DecodeStatus status = decoder.decode(input.link_type, input.frame, out);
  if (!promises_hold(status, out, input.frame.size(), decoder)) {
    __builtin_trap();
  }
  return 0;
}
