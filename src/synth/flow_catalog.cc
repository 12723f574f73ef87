#include "synth/flow_catalog.h"

#include <array>
#include <bit>
#include <cstring>

#include "synth/split_mix64.h"

namespace flowlens::synth {
namespace {

// Chris Wellons' "lowbias32": every step (xor-shift, odd multiply) is invertible, so
// the whole function is a bijection on 32 bits. That is what makes addresses unique.
uint32_t permute32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

// Weighted by repetition: roughly the shares seen at an enterprise edge.
constexpr std::array<uint16_t, 16> kTcpServices{443, 443, 443, 443, 443, 443, 80, 80,
                                                 22,  25,  993, 3306, 5432, 8080, 8443, 445};
constexpr std::array<uint16_t, 8> kUdpServices{53, 53, 53, 443, 443, 123, 4500, 51820};

// Demo profile: what an office's hosts talk to, and what its servers offer.
constexpr std::array<uint16_t, 16> kDemoTcpServices{443, 443, 443, 443, 443, 443, 443, 80,
                                                    80,  993, 587, 22,  5228, 8443, 3478, 443};
constexpr std::array<uint16_t, 8> kDemoUdpServices{53, 53, 53, 443, 443, 443, 123, 3478};
constexpr std::array<uint16_t, 4> kDemoInboundServices{443, 443, 22, 25};

constexpr uint32_t kEphemeralFirst = 32768;

// One 4-byte store in network order: later byte or 4-byte loads forward from it.
inline void store_ipv4(std::array<uint8_t, 16>& out, uint32_t address) {
  uint32_t be = address;
  if constexpr (std::endian::native == std::endian::little) {
    be = __builtin_bswap32(address);
  }
  std::memcpy(out.data(), &be, sizeof(be));
}
constexpr uint32_t kEphemeralCount = 60999 - 32768 + 1;

}  // namespace

FlowCatalog::FlowCatalog(TrafficProfile profile, uint64_t seed)
    : profile_(profile),
      address_key_(static_cast<uint32_t>(SplitMix64::mix(seed ^ 0x5EED0001ull))),
      attribute_key_(SplitMix64::mix(seed ^ 0x5EED0002ull)) {}

FlowSpec FlowCatalog::flow(uint32_t index) const {
  const uint32_t h = permute32(index ^ address_key_);
  const uint64_t r = SplitMix64::mix(attribute_key_ + index);
  // Both return prvalues: the spec is built in the caller's object, not copied (a copy
  // right after these narrow stores stalls on store forwarding; it was half the cost).
  return profile_ == TrafficProfile::kDemo ? demo_flow(h, r) : benchmark_flow(h, r);
}

FlowSpec FlowCatalog::benchmark_flow(uint32_t h, uint64_t r) const {
  FlowSpec spec;

  // r: 16 bits each for protocol, family, service and client port (16 bits keep the
  // modulo bias of the percentages below 0.2 %); r2 for the server host and TCP numbers.
  const uint64_t r2 = SplitMix64::mix(r);
  const uint32_t protocol_pick = static_cast<uint32_t>(r & 0xFFFF) % 100;
  if (profile_ == TrafficProfile::k64b) {
    spec.protocol = protocol_pick < 50 ? kProtoTcp : kProtoUdp;
  } else {
    spec.ip_version = static_cast<uint32_t>((r >> 16) & 0xFFFF) % 100 < 15 ? 6 : 4;
    if (protocol_pick < 60) {
      spec.protocol = kProtoTcp;
    } else if (protocol_pick < 95) {
      spec.protocol = kProtoUdp;
    } else {
      spec.protocol = spec.ip_version == 6 ? kProtoIcmpV6 : kProtoIcmp;
    }
  }

  const auto hb = [h](int shift) { return static_cast<uint8_t>(h >> shift); };
  const uint8_t server_host = static_cast<uint8_t>(1 + (r2 & 0xFFFF) % 254);
  if (spec.ip_version == 4) {
    store_ipv4(spec.src, 0x0A000000u | (h & 0x00FFFFFFu));
    store_ipv4(spec.dst, 0xC6120000u | ((h >> 24) << 8) | server_host);
  } else {
    spec.src = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x0a, 0, 0, 0, 0, hb(24), hb(16), hb(8), hb(0)};
    spec.dst = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x0b, 0, 0, 0, 0, 0, 0, hb(24), server_host};
  }

  const uint32_t service = static_cast<uint32_t>(r >> 32) & 0xFFFF;
  const uint32_t client = static_cast<uint32_t>(r >> 48);
  if (spec.protocol == kProtoTcp) {
    spec.src_port = static_cast<uint16_t>(kEphemeralFirst + client % kEphemeralCount);
    spec.dst_port = kTcpServices[service % kTcpServices.size()];
    spec.tcp_isn = static_cast<uint32_t>(r2 >> 32);
    spec.tcp_ack = permute32(static_cast<uint32_t>(r2));
  } else if (spec.protocol == kProtoUdp) {
    spec.src_port = static_cast<uint16_t>(kEphemeralFirst + client % kEphemeralCount);
    spec.dst_port = kUdpServices[service % kUdpServices.size()];
  } else {
    spec.src_port = static_cast<uint16_t>(client);  // echo identifier
  }
  return spec;
}

// All 32 bits of h go into the flow: 5 pick the local host, 17 the remote host in
// 198.18.0.0/15 and 10 the client port, so flows stay distinct. src is the client.
FlowSpec FlowCatalog::demo_flow(uint32_t h, uint64_t r) const {
  FlowSpec spec;
  const uint8_t local_host = static_cast<uint8_t>(10 + (h & 31));
  const uint32_t remote = (h >> 5) & 0x1FFFF;
  const uint32_t local = 0x0A010000u | local_host;  // 10.1.0.x
  const uint32_t far = 0xC6120000u + remote;         // 198.18.0.0/15
  const auto client_port = static_cast<uint16_t>(kEphemeralFirst + (h >> 22));
  const uint32_t service = static_cast<uint32_t>(r >> 32) & 0xFFFF;
  const bool inbound = static_cast<uint32_t>(r & 0xFFFF) % 100 < 10;
  const bool udp = !inbound && static_cast<uint32_t>((r >> 16) & 0xFFFF) % 100 < 25;
  spec.protocol = udp ? kProtoUdp : kProtoTcp;
  store_ipv4(spec.src, inbound ? far : local);
  store_ipv4(spec.dst, inbound ? local : far);
  spec.src_port = client_port;
  if (inbound) {
    spec.dst_port = kDemoInboundServices[service % kDemoInboundServices.size()];
  } else if (udp) {
    spec.dst_port = kDemoUdpServices[service % kDemoUdpServices.size()];
  } else {
    spec.dst_port = kDemoTcpServices[service % kDemoTcpServices.size()];
  }
  const uint64_t r2 = SplitMix64::mix(r);
  if (!udp) {
    spec.tcp_isn = static_cast<uint32_t>(r2 >> 32);
    spec.tcp_ack = permute32(static_cast<uint32_t>(r2));
  }
  return spec;
}

}  // namespace flowlens::synth
