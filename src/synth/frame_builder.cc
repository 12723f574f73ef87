#include "synth/frame_builder.h"

#include <cassert>
#include <cstring>

namespace flowlens::synth {
namespace {

constexpr size_t kIpv4Header = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kTcpHeader = 20;
constexpr size_t kUdpHeader = 8;
constexpr size_t kIcmpHeader = 8;  // echo: type, code, checksum, identifier, sequence
constexpr uint32_t kTcpWindow = 64240;

// Locally administered unicast MACs: obviously synthetic, never a real vendor's.
constexpr std::array<uint8_t, 12> kMacs{0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
                                        0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

inline void store_be16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// RFC 1071 sum of big-endian 16-bit words; an odd last byte is the high byte of a word.
inline uint32_t sum_words(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<uint32_t>((p[i] << 8) | p[i + 1]);
  }
  if (n & 1) {
    sum += static_cast<uint32_t>(p[n - 1] << 8);
  }
  return sum;
}

inline uint16_t fold(uint32_t sum) {
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

size_t l4_header_size(uint8_t protocol) {
  switch (protocol) {
    case kProtoTcp:
      return kTcpHeader;
    case kProtoUdp:
      return kUdpHeader;
    default:
      return kIcmpHeader;
  }
}

}  // namespace

FrameBuilder::FrameBuilder() {
  // A printable, non-constant pattern: easy to recognise in a hex dump, and its
  // checksum contribution is not trivially zero (zero payloads hide checksum bugs).
  static constexpr char kText[] = "flowlens synthetic traffic ";
  for (size_t i = 0; i < payload_.size(); ++i) {
    payload_[i] = static_cast<uint8_t>(kText[i % (sizeof(kText) - 1)]);
  }
  // The payload always starts at an even offset of the L4 segment (all L4 headers
  // have even length), so prefix sums of the pattern are the payload's word sums.
  for (size_t n = 0; n <= payload_.size(); ++n) {
    payload_sums_[n] = sum_words(payload_.data(), n);
  }
}

size_t FrameBuilder::min_frame_size(const FlowSpec& spec) {
  const size_t ip = spec.ip_version == 6 ? kIpv6Header : kIpv4Header;
  return kEthernetHeader + ip + l4_header_size(spec.protocol);
}

void FrameBuilder::build(const FlowSpec& spec, const PacketFields& fields, size_t frame_size,
                         uint8_t* out) const {
  assert(frame_size >= min_frame_size(spec) && frame_size <= kMaxFrame);
  std::memcpy(out, kMacs.data(), kMacs.size());
  uint8_t* ip = out + kEthernetHeader;
  const size_t ip_size = frame_size - kEthernetHeader;
  // Checksums are summed from the field values, not read back from the frame: reading
  // bytes just stored stalls on store forwarding, and that was most of the cost.
  const size_t address_bytes = spec.ip_version == 4 ? 4 : 16;
  const uint32_t addresses =
      sum_words(spec.src.data(), address_bytes) + sum_words(spec.dst.data(), address_bytes);
  size_t l4_size = 0;
  uint8_t* l4 = nullptr;

  if (spec.ip_version == 4) {
    store_be16(out + 12, 0x0800);
    l4 = ip + kIpv4Header;
    l4_size = ip_size - kIpv4Header;
    ip[0] = 0x45;
    ip[1] = 0;
    store_be16(ip + 2, static_cast<uint32_t>(ip_size));
    store_be16(ip + 4, fields.ip_id);
    store_be16(ip + 6, 0x4000);  // DF
    ip[8] = 64;
    ip[9] = spec.protocol;
    std::memcpy(ip + 12, spec.src.data(), 4);
    std::memcpy(ip + 16, spec.dst.data(), 4);
    const uint32_t header_sum = 0x4500 + static_cast<uint32_t>(ip_size) + fields.ip_id +
                                0x4000 + (64u << 8) + spec.protocol + addresses;
    store_be16(ip + 10, fold(header_sum));
  } else {
    store_be16(out + 12, 0x86DD);
    l4 = ip + kIpv6Header;
    l4_size = ip_size - kIpv6Header;
    store_be32(ip, 0x60000000);
    store_be16(ip + 4, static_cast<uint32_t>(l4_size));
    ip[6] = spec.protocol;
    ip[7] = 64;
    std::memcpy(ip + 8, spec.src.data(), 16);
    std::memcpy(ip + 24, spec.dst.data(), 16);
  }
  // Pseudo-header (TCP, UDP, ICMPv6; ICMPv4 has none).
  const uint32_t pseudo =
      spec.protocol == kProtoIcmp ? 0 : addresses + spec.protocol + static_cast<uint32_t>(l4_size);

  const L4Header header = write_l4(spec, fields, l4_size, l4);
  const size_t payload = l4_size - header.size;
  std::memcpy(l4 + header.size, payload_.data(), payload);
  uint16_t checksum = fold(pseudo + header.sum + payload_sum(payload));
  if (spec.protocol == kProtoUdp && checksum == 0) {
    checksum = 0xFFFF;  // RFC 768: a computed zero is sent as all ones (zero = "none")
  }
  store_be16(l4 + header.checksum_offset, checksum);
}

FrameBuilder::L4Header FrameBuilder::write_l4(const FlowSpec& spec, const PacketFields& fields,
                                              size_t l4_size, uint8_t* l4) const {
  const uint32_t ports = uint32_t{spec.src_port} + spec.dst_port;
  switch (spec.protocol) {
    case kProtoTcp: {
      store_be16(l4, spec.src_port);
      store_be16(l4 + 2, spec.dst_port);
      store_be32(l4 + 4, fields.tcp_seq);
      store_be32(l4 + 8, spec.tcp_ack);
      l4[12] = 0x50;  // data offset 5 words, no options
      l4[13] = 0x18;  // PSH | ACK: an established connection carrying data
      store_be16(l4 + 14, kTcpWindow);
      store_be16(l4 + 16, 0);
      store_be16(l4 + 18, 0);
      const uint32_t sum = ports + (fields.tcp_seq >> 16) + (fields.tcp_seq & 0xFFFF) +
                           (spec.tcp_ack >> 16) + (spec.tcp_ack & 0xFFFF) + 0x5018 + kTcpWindow;
      return {kTcpHeader, 16, sum};
    }
    case kProtoUdp:
      store_be16(l4, spec.src_port);
      store_be16(l4 + 2, spec.dst_port);
      store_be16(l4 + 4, static_cast<uint32_t>(l4_size));
      store_be16(l4 + 6, 0);
      return {kUdpHeader, 6, ports + static_cast<uint32_t>(l4_size)};
    default: {
      const uint8_t type = spec.protocol == kProtoIcmp ? 8 : 128;  // echo request
      l4[0] = type;
      l4[1] = 0;
      store_be16(l4 + 2, 0);
      store_be16(l4 + 4, spec.src_port);
      store_be16(l4 + 6, fields.icmp_seq);
      return {kIcmpHeader, 2, (uint32_t{type} << 8) + spec.src_port + fields.icmp_seq};
    }
  }
}

}  // namespace flowlens::synth
