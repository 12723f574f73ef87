#pragma once
// Input format of fuzz/packet_decoder_fuzzer.cc, shared with the unit test that replays
// fuzz/regressions/packet_decoder/: byte 0 picks the link type from kFuzzLinkTypes
// (modulo its size; the last entry, 147 = LINKTYPE_USER0, is unknown to the decoder);
// the rest is the frame.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace flowlens::decode::fuzz {

// Ethernet three times: it is the link type that matters most.
inline constexpr std::array<uint32_t, 13> kFuzzLinkTypes = {1,   1,   1, 113, 276, 101, 12,
                                                            14,  228, 229, 0, 108, 147};

struct FuzzInput {
  uint32_t link_type = 0;
  std::span<const uint8_t> frame;
};

inline FuzzInput split_fuzz_input(const uint8_t* data, size_t size) {
  if (size == 0) {
    return {kFuzzLinkTypes.back(), {}};
  }
  return {kFuzzLinkTypes[data[0] % kFuzzLinkTypes.size()], {data + 1, size - 1}};
}

}  // namespace flowlens::decode::fuzz
