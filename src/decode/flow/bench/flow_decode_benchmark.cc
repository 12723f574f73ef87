// Decode rate of ExportDecoder per core, on datagrams built here: NetFlow v5 (30 records
// per datagram), NetFlow v9 and IPFIX (template sent once, then data sets of 24 records of
// a typical 17-field template), sFlow v5 (8 flow samples of 128-byte Ethernet/IPv4/TCP
// headers). items/s = flow records per second.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "decode/flow/export_decoder.h"

namespace flowlens::decode::flow {
namespace {

constexpr uint32_t kSec = 1'700'000'000;
constexpr int64_t kReceive = int64_t{kSec} * 1'000'000'000;

struct Bytes {
  std::vector<uint8_t> v;
  Bytes& u8(uint32_t x) { v.push_back(static_cast<uint8_t>(x)); return *this; }
  Bytes& u16(uint32_t x) { u8(x >> 8); return u8(x); }
  Bytes& u32(uint32_t x) { u16(x >> 16); return u16(x); }
  Bytes& u64(uint64_t x) { u32(static_cast<uint32_t>(x >> 32)); return u32(static_cast<uint32_t>(x)); }
  void fix16(size_t at, size_t value) {
    v[at] = static_cast<uint8_t>(value >> 8);
    v[at + 1] = static_cast<uint8_t>(value);
  }
};

std::vector<uint8_t> v5(uint16_t count) {
  Bytes b;
  b.u16(5).u16(count).u32(3'600'000).u32(kSec).u32(0).u32(1).u8(0).u8(0).u16(0);
  for (uint32_t i = 0; i < count; ++i) {
    b.u32(0x0a000000 + i).u32(0x0a010000 + i).u32(0).u16(1).u16(2).u32(10 + i).u32(1000 + i);
    b.u32(3'590'000).u32(3'599'000).u16(1024 + i).u16(443).u8(0).u8(0x18).u8(6).u8(0);
    b.u16(0).u16(0).u8(24).u8(16).u16(0);
  }
  return b.v;
}

// Fields: src4 dst4 sport dport proto tos flags in_if out_if bytes(8) packets(8) src_mask
// dst_mask vlan start end (v9: FIRST/LAST_SWITCHED 4 bytes; IPFIX: ms 8 bytes) next-hop.
const uint16_t kFields[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {5, 1}, {6, 1},
                               {10, 4}, {14, 4}, {1, 8}, {2, 8}, {9, 1}, {13, 1}, {58, 2},
                               {0, 0}, {0, 0}, {15, 4}};

std::vector<uint8_t> templated(bool ipfix, bool with_template, uint16_t records) {
  Bytes b;
  if (ipfix) {
    b.u16(10).u16(0).u32(kSec).u32(1).u32(1);
  } else {
    b.u16(9).u16(records).u32(3'600'000).u32(kSec).u32(1).u32(1);
  }
  if (with_template) {
    const size_t set = b.v.size();
    b.u16(ipfix ? 2 : 0).u16(0).u16(256).u16(17);
    for (size_t i = 0; i < 17; ++i) {
      uint16_t id = kFields[i][0], len = kFields[i][1];
      if (i == 14) { id = ipfix ? 152 : 22; len = ipfix ? 8 : 4; }
      if (i == 15) { id = ipfix ? 153 : 21; len = ipfix ? 8 : 4; }
      b.u16(id).u16(len);
    }
    b.fix16(set + 2, b.v.size() - set);
  }
  const size_t set = b.v.size();
  b.u16(256).u16(0);
  for (uint32_t i = 0; i < records; ++i) {
    b.u32(0x0a000000 + i).u32(0x0a010000 + i).u16(1024 + i).u16(443).u8(6).u8(0).u8(0x18);
    b.u32(1).u32(2).u64(1500 + i).u64(3 + i).u8(24).u8(16).u16(10);
    if (ipfix) {
      b.u64(uint64_t{kSec} * 1000 - 9000).u64(uint64_t{kSec} * 1000 - 1000);
    } else {
      b.u32(3'590'000).u32(3'599'000);
    }
    b.u32(0x0a0000fe);
  }
  b.fix16(set + 2, b.v.size() - set);
  if (ipfix) {
    b.fix16(2, b.v.size());
  }
  return b.v;
}

std::vector<uint8_t> sflow(uint32_t samples) {
  Bytes b;
  b.u32(5).u32(1).u32(0xc0000201).u32(0).u32(1).u32(1000).u32(samples);
  for (uint32_t s = 0; s < samples; ++s) {
    b.u32(1).u32(11 * 4 + 16 + 128);
    b.u32(s).u32(3).u32(1024).u32(0).u32(0).u32(3).u32(4).u32(1);
    b.u32(1).u32(16 + 128).u32(1).u32(1518).u32(4).u32(128);
    b.u32(0x00010203).u16(0x0405).u32(0x0a0b0c0d).u16(0x0e0f).u16(0x0800);
    b.u8(0x45).u8(0).u16(1500).u16(1).u16(0x4000).u8(64).u8(6).u16(0);
    b.u32(0xac100001 + s).u32(0xac100101).u16(443).u16(50000 + s).u32(1).u32(1);
    b.u8(0x50).u8(0x18).u16(1000).u16(0).u16(0);
    while (b.v.size() % 4 != 0 || (b.v.size() - 28) % (8 + 11 * 4 + 16 + 128) != 0) {
      b.u8(0);
    }
  }
  return b.v;
}

void run(benchmark::State& state, const std::vector<uint8_t>& setup,
         const std::vector<uint8_t>& datagram) {
  ExportDecoder decoder;
  const IpAddress exporter = *IpAddress::parse("192.0.2.1");
  std::vector<FlowRecord> out;
  out.reserve(1024);
  if (!setup.empty()) {
    decoder.decode(exporter, 2055, setup, kReceive, out);
  }
  uint64_t records = 0;
  for (auto _ : state) {
    out.clear();
    decoder.decode(exporter, 2055, datagram, kReceive, out);
    records += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["records_per_datagram"] =
      static_cast<double>(records) / static_cast<double>(state.iterations());
  if (decoder.exporters().at(0).total_errors() != 0) {
    state.SkipWithError("decode errors in the synthetic datagram");
  }
}

void BM_NetflowV5(benchmark::State& state) { run(state, {}, v5(30)); }
void BM_NetflowV9(benchmark::State& state) {
  run(state, templated(false, true, 1), templated(false, false, 24));
}
void BM_Ipfix(benchmark::State& state) {
  run(state, templated(true, true, 1), templated(true, false, 24));
}
void BM_Sflow(benchmark::State& state) { run(state, {}, sflow(8)); }

BENCHMARK(BM_NetflowV5);
BENCHMARK(BM_NetflowV9);
BENCHMARK(BM_Ipfix);
BENCHMARK(BM_Sflow);

}  // namespace
}  // namespace flowlens::decode::flow

BENCHMARK_MAIN();
