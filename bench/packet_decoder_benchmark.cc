// Packet decoder micro-benchmarks: ns per frame for the common Ethernet -> IPv4 -> TCP/UDP
// path, VLAN/QinQ tags, and IPv6 with extension headers. Each benchmark decodes a ring of
// 1024 distinct 64-byte-class frames (addresses and ports vary) so the numbers include
// reading fresh bytes, not one frame hot in registers. Report: the `ns_per_packet` counter
// (Google Benchmark prints it with an "s" suffix; the value is in nanoseconds), and compare
// with BM_BaselineBareFiveTuple from the same run: this machine kind is noisy.
//
//   cmake --preset release -B build/release-decode
//   cmake --build build/release-decode --target packet_decoder_benchmark
//   build/release-decode/bench/packet_decoder_benchmark

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "decode/packet/packet_decoder.h"

namespace {

using flowlens::decode::DecodedPacket;
using flowlens::decode::DecodeStatus;
using flowlens::decode::PacketDecoder;
using Bytes = std::vector<uint8_t>;

constexpr size_t kRing = 1024;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

void ethernet(Bytes& b, uint16_t type) {
  const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  b.insert(b.end(), macs, macs + 12);
  put16(b, type);
}
void vlan(Bytes& b, uint16_t id, uint16_t type) {
  put16(b, id);
  put16(b, type);
}
void ipv4(Bytes& b, uint8_t proto, size_t payload, uint32_t i) {
  const uint8_t h[20] = {0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0,
                         10, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 1,
                         192, 168, static_cast<uint8_t>(i >> 4), 2};
  const size_t at = b.size();
  b.insert(b.end(), h, h + 20);
  b[at + 2] = static_cast<uint8_t>((20 + payload) >> 8);
  b[at + 3] = static_cast<uint8_t>(20 + payload);
}
void ipv6(Bytes& b, uint8_t next, size_t payload, uint32_t i) {
  const uint8_t h[8] = {0x60, 0, 0, 0, static_cast<uint8_t>(payload >> 8),
                        static_cast<uint8_t>(payload), next, 64};
  b.insert(b.end(), h, h + 8);
  for (int a = 0; a < 2; ++a) {
    Bytes addr(16, 0);
    addr[0] = 0x20;
    addr[1] = 0x01;
    addr[14] = static_cast<uint8_t>(i >> 8);
    addr[15] = static_cast<uint8_t>(i + a);
    b.insert(b.end(), addr.begin(), addr.end());
  }
}
void tcp(Bytes& b, uint32_t i) {
  put16(b, 1024 + (i & 0x7fff));
  put16(b, 443);
  b.insert(b.end(), 8, 0);
  b.push_back(0x50);
  b.push_back(0x18);
  b.insert(b.end(), 6, 0);
}
void udp(Bytes& b, uint32_t i, size_t payload) {
  put16(b, 1024 + (i & 0x7fff));
  put16(b, 53);
  put16(b, static_cast<unsigned>(8 + payload));
  put16(b, 0);
  b.insert(b.end(), payload, 0);
}
void pad(Bytes& b) {
  if (b.size() < 60) {
    b.resize(60, 0);
  }
  b.insert(b.end(), 4, 0xfc);  // FCS
}

enum class Shape { kIpv4Tcp, kIpv4Udp, kVlanIpv4Udp, kQinQIpv4Tcp, kIpv6Tcp, kIpv6ExtFragUdp };

std::vector<Bytes> make_frames(Shape shape) {
  std::vector<Bytes> frames(kRing);
  for (uint32_t i = 0; i < kRing; ++i) {
    Bytes& b = frames[i];
    switch (shape) {
      case Shape::kIpv4Tcp:
        ethernet(b, 0x0800);
        ipv4(b, 6, 20, i);
        tcp(b, i);
        break;
      case Shape::kIpv4Udp:
        ethernet(b, 0x0800);
        ipv4(b, 17, 18, i);
        udp(b, i, 10);
        break;
      case Shape::kVlanIpv4Udp:
        ethernet(b, 0x8100);
        vlan(b, 100, 0x0800);
        ipv4(b, 17, 14, i);
        udp(b, i, 6);
        break;
      case Shape::kQinQIpv4Tcp:
        ethernet(b, 0x88a8);
        vlan(b, 10, 0x8100);
        vlan(b, 20, 0x0800);
        ipv4(b, 6, 20, i);
        tcp(b, i);
        break;
      case Shape::kIpv6Tcp:
        ethernet(b, 0x86dd);
        ipv6(b, 6, 20, i);
        tcp(b, i);
        break;
      case Shape::kIpv6ExtFragUdp: {
        // hop-by-hop (8) -> destination options (8) -> fragment (8, offset 0, M=1) -> UDP
        ethernet(b, 0x86dd);
        ipv6(b, 0, 24 + 16, i);
        const uint8_t ext[24] = {60, 0, 1, 4, 0, 0, 0, 0, 44, 0, 1, 4, 0, 0, 0, 0,
                                 17, 0, 0, 1, 0, 0, 0, 7};
        b.insert(b.end(), ext, ext + 24);
        udp(b, i, 8);
        break;
      }
    }
    pad(b);
  }
  return frames;
}

void decode_ring(benchmark::State& state, Shape shape) {
  const std::vector<Bytes> frames = make_frames(shape);
  PacketDecoder decoder;
  DecodedPacket out;
  uint64_t ports = 0;
  for (auto _ : state) {
    for (const Bytes& frame : frames) {
      const DecodeStatus status = decoder.decode(1, frame, out);
      ports += out.src_port + static_cast<uint64_t>(status);
      benchmark::DoNotOptimize(out);
    }
  }
  benchmark::DoNotOptimize(ports);
  if (decoder.counters().ip != decoder.counters().frames) {
    state.SkipWithError("a benchmark frame did not decode as IP");
  }
  const auto packets = static_cast<double>(state.iterations() * kRing);
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["ns_per_packet"] =
      benchmark::Counter(packets * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The same loop with decode() behind a call the compiler may not inline: the price of
// keeping decode() out of line (README.md, "Speed").
[[gnu::noinline]] DecodeStatus decode_out_of_line(PacketDecoder& decoder, const Bytes& frame,
                                                  DecodedPacket& out) {
  return decoder.decode(1, frame, out);
}

void BM_EthernetIpv4TcpOutOfLine(benchmark::State& state) {
  const std::vector<Bytes> frames = make_frames(Shape::kIpv4Tcp);
  PacketDecoder decoder;
  DecodedPacket out;
  uint64_t ports = 0;
  for (auto _ : state) {
    for (const Bytes& frame : frames) {
      ports += out.src_port + static_cast<uint64_t>(decode_out_of_line(decoder, frame, out));
      benchmark::DoNotOptimize(out);
    }
  }
  benchmark::DoNotOptimize(ports);
  const auto packets = static_cast<double>(state.iterations() * kRing);
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["ns_per_packet"] =
      benchmark::Counter(packets * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Floor for comparison, measured in the same run: only the untagged IPv4 5-tuple, no
// validation beyond lengths, no counters, no other fields.
struct BareKey {
  uint32_t src;
  uint32_t dst;
  uint16_t src_port;
  uint16_t dst_port;
  uint8_t proto;
};

void BM_BaselineBareFiveTuple(benchmark::State& state) {
  const std::vector<Bytes> frames = make_frames(Shape::kIpv4Tcp);
  BareKey key{};
  uint64_t ports = 0;
  for (auto _ : state) {
    for (const Bytes& frame : frames) {
      const uint8_t* p = frame.data();
      if (frame.size() >= 14 + 20 + 4 && p[12] == 0x08 && p[13] == 0x00) {
        const size_t ihl = size_t{p[14] & 0x0fu} * 4;
        std::memcpy(&key.src, p + 26, 4);
        std::memcpy(&key.dst, p + 30, 4);
        key.proto = p[23];
        if (frame.size() >= 14 + ihl + 4) {
          key.src_port = static_cast<uint16_t>(p[14 + ihl] << 8 | p[15 + ihl]);
          key.dst_port = static_cast<uint16_t>(p[16 + ihl] << 8 | p[17 + ihl]);
        }
      }
      ports += key.src_port;
      benchmark::DoNotOptimize(key);
    }
  }
  benchmark::DoNotOptimize(ports);
  const auto packets = static_cast<double>(state.iterations() * kRing);
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.counters["ns_per_packet"] =
      benchmark::Counter(packets * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_EthernetIpv4Tcp(benchmark::State& s) { decode_ring(s, Shape::kIpv4Tcp); }
void BM_EthernetIpv4Udp(benchmark::State& s) { decode_ring(s, Shape::kIpv4Udp); }
void BM_VlanIpv4Udp(benchmark::State& s) { decode_ring(s, Shape::kVlanIpv4Udp); }
void BM_QinQIpv4Tcp(benchmark::State& s) { decode_ring(s, Shape::kQinQIpv4Tcp); }
void BM_EthernetIpv6Tcp(benchmark::State& s) { decode_ring(s, Shape::kIpv6Tcp); }
void BM_Ipv6ExtensionHeadersFragmentUdp(benchmark::State& s) {
  decode_ring(s, Shape::kIpv6ExtFragUdp);
}

BENCHMARK(BM_BaselineBareFiveTuple);
BENCHMARK(BM_EthernetIpv4Tcp);
BENCHMARK(BM_EthernetIpv4TcpOutOfLine);
BENCHMARK(BM_EthernetIpv4Udp);
BENCHMARK(BM_VlanIpv4Udp);
BENCHMARK(BM_QinQIpv4Tcp);
BENCHMARK(BM_EthernetIpv6Tcp);
BENCHMARK(BM_Ipv6ExtensionHeadersFragmentUdp);

}  // namespace
