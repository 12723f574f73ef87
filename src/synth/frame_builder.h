#pragma once
// FrameBuilder: writes one Ethernet II frame (IPv4 or IPv6; TCP, UDP or ICMP echo) for a
// FlowSpec into caller memory, with every checksum correct (IPv4 header, TCP, UDP,
// ICMP, ICMPv6). The payload is a fixed byte pattern whose one's-complement prefix sums
// are computed once, so a 1518-byte frame costs a copy and a few additions, not a pass
// over its payload.
//
// Frame sizes are without FCS (what a capture holds): kMinFrame..kMaxFrame, and never
// below min_frame_size(spec), the size of the headers alone.

#include <array>
#include <cstddef>
#include <cstdint>

#include "synth/flow_spec.h"

namespace flowlens::synth {

// Per-packet fields that change inside a flow.
struct PacketFields {
  uint16_t ip_id = 0;       // IPv4 identification
  uint32_t tcp_seq = 0;     // TCP sequence number
  uint16_t icmp_seq = 0;    // ICMP echo sequence number
};

class FrameBuilder {
 public:
  static constexpr size_t kEthernetHeader = 14;
  // The largest IMIX class. Sizes count captured bytes (no FCS) for every class alike,
  // so this frame carries a 1504-byte IP packet.
  static constexpr size_t kMaxFrame = 1518;

  FrameBuilder();

  // Bytes taken by the Ethernet, IP and L4 headers of `spec`'s frames.
  static size_t min_frame_size(const FlowSpec& spec);

  // Writes `frame_size` bytes at `out`. Requires min_frame_size(spec) <= frame_size <=
  // kMaxFrame (a programmer invariant: the generator clamps sizes before calling).
  void build(const FlowSpec& spec, const PacketFields& fields, size_t frame_size,
             uint8_t* out) const;

 private:
  // One's-complement sum (not folded) of the first n payload bytes, n <= kMaxFrame.
  uint32_t payload_sum(size_t n) const { return payload_sums_[n]; }
  // What write_l4 wrote: header length, where its checksum goes, and the sum of its
  // words (checksum field taken as zero).
  struct L4Header {
    size_t size;
    size_t checksum_offset;
    uint32_t sum;
  };
  L4Header write_l4(const FlowSpec& spec, const PacketFields& fields, size_t l4_size,
                    uint8_t* l4) const;

  std::array<uint8_t, kMaxFrame> payload_{};
  std::array<uint32_t, kMaxFrame + 1> payload_sums_{};
};

}  // namespace flowlens::synth
