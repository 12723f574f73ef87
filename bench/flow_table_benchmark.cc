// Flow meter kernels (src/meter): packets per second with 50k and 2M live flows.
//
//   BM_FlowTableUpdate   table only: precomputed keys and hashes, prefetch pipeline
//   BM_FlowMeterDecoded  key building + hash + table, from DecodedPacket values
//   BM_FlowMeterFrames   decode + key + hash + table, from 64-byte Ethernet/IPv4/UDP
//                        frames in memory (what `flowlens flows` does minus file reading)
//
// Packets pick their flow uniformly at random, the worst case for the caches; the table
// is filled with every flow before timing. No timeouts (steady state).

#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "capture/packet_record.h"
#include "meter/flow_meter.h"
#include "meter/flow_table.h"

namespace {

using flowlens::FlowBatch;
using flowlens::IpAddress;
using flowlens::meter::Aggregation;
using flowlens::meter::FlowKey;
using flowlens::meter::FlowMeter;
using flowlens::meter::FlowTable;
using flowlens::meter::FlowTableConfig;

constexpr size_t kSequence = 1 << 20;

uint64_t next_random(uint64_t& s) {
  s += 0x9E3779B97F4A7C15ull;
  uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<uint32_t> random_sequence(size_t flows) {
  std::vector<uint32_t> seq(kSequence);
  uint64_t s = 42;
  for (auto& x : seq) x = static_cast<uint32_t>(next_random(s) % flows);
  return seq;
}

FlowTableConfig steady_config(size_t flows) {
  FlowTableConfig c;
  c.max_flows = flows + flows / 4;
  c.active_timeout_ns = 0;
  c.inactive_timeout_ns = 0;
  return c;
}

flowlens::decode::DecodedPacket packet_of(uint32_t i) {
  flowlens::decode::DecodedPacket p;
  const uint8_t src[4] = {10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                          static_cast<uint8_t>(i)};
  const uint8_t dst[4] = {198, 18, static_cast<uint8_t>(i >> 3), 1};
  p.src = IpAddress::v4(src);
  p.dst = IpAddress::v4(dst);
  p.src_port = static_cast<uint16_t>(1024 + (i & 0x7FFF));
  p.dst_port = 53;
  p.ip_proto = 17;
  p.has_ports = true;
  p.ip_length = 46;
  return p;
}

void BM_FlowTableUpdate(benchmark::State& state) {
  const auto flows = static_cast<size_t>(state.range(0));
  Aggregation agg;
  FlowTable table(steady_config(flows), agg, [](FlowBatch) {});
  std::vector<FlowKey> keys(flows);
  std::vector<uint64_t> hashes(flows);
  for (uint32_t i = 0; i < flows; ++i) {
    agg.build_key(packet_of(i), packet_of(i).src_port, 53, keys[i]);
    hashes[i] = flowlens::meter::hash_key(keys[i]);
    table.update(keys[i], hashes[i], 0, 46, 1, 0);
  }
  const auto seq = random_sequence(flows);
  constexpr size_t kAhead = FlowMeter::kPrefetchDistance;
  for (auto _ : state) {
    for (size_t k = 0; k < kSequence; ++k) {
      if (k + kAhead < kSequence) table.prefetch(hashes[seq[k + kAhead]]);
      const uint32_t f = seq[k];
      table.update(keys[f], hashes[f], 1, 46, 1, 0);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSequence));
  state.counters["bytes_per_flow"] =
      static_cast<double>(table.capacity() * sizeof(FlowTable::Entry)) / static_cast<double>(flows);
}
BENCHMARK(BM_FlowTableUpdate)->Arg(50'000)->Arg(2'000'000)->Unit(benchmark::kMillisecond);

void BM_FlowMeterDecoded(benchmark::State& state) {
  const auto flows = static_cast<size_t>(state.range(0));
  FlowMeter meter(Aggregation(), steady_config(flows), [](FlowBatch) {});
  std::vector<flowlens::decode::DecodedPacket> all(flows);
  for (uint32_t i = 0; i < flows; ++i) all[i] = packet_of(i);
  std::vector<int64_t> times(std::max(flows, kSequence), 1);
  meter.process_decoded(all, std::span<const int64_t>(times.data(), flows));
  const auto seq = random_sequence(flows);
  std::vector<flowlens::decode::DecodedPacket> packets(kSequence);
  for (size_t k = 0; k < kSequence; ++k) packets[k] = all[seq[k]];
  for (auto _ : state) {
    meter.process_decoded(packets, std::span<const int64_t>(times.data(), kSequence));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSequence));
}
BENCHMARK(BM_FlowMeterDecoded)->Arg(50'000)->Arg(2'000'000)->Unit(benchmark::kMillisecond);

// A 64-byte Ethernet II / IPv4 / UDP frame of flow i (checksums are not checked by the
// decoder, so they stay zero).
void write_frame(uint32_t i, uint8_t* f) {
  std::memset(f, 0, 64);
  f[5] = 1;
  f[11] = 2;
  f[12] = 0x08;
  uint8_t* ip = f + 14;
  ip[0] = 0x45;
  ip[3] = 46;  // total length: 64 - 14 - 4 (FCS not captured: 50 bytes of IP is fine too)
  ip[8] = 64;
  ip[9] = 17;
  const auto p = packet_of(i);
  std::memcpy(ip + 12, p.src.bytes.data(), 4);
  std::memcpy(ip + 16, p.dst.bytes.data(), 4);
  uint8_t* udp = ip + 20;
  udp[0] = static_cast<uint8_t>(p.src_port >> 8);
  udp[1] = static_cast<uint8_t>(p.src_port);
  udp[3] = 53;
  udp[5] = 26;
}

void BM_FlowMeterFrames(benchmark::State& state) {
  const auto flows = static_cast<size_t>(state.range(0));
  FlowMeter meter(Aggregation(), steady_config(flows), [](FlowBatch) {});
  std::vector<uint8_t> frames(kSequence * 64);
  std::vector<flowlens::capture::PacketRecord> records(kSequence);
  auto fill = [&](auto flow_of) {
    for (size_t k = 0; k < kSequence; ++k) {
      write_frame(flow_of(k), &frames[k * 64]);
      records[k].data = &frames[k * 64];
      records[k].caplen = records[k].wire_len = 64;
      records[k].link_type = 1;
      records[k].ts = {1, 0};
    }
  };
  for (size_t base = 0; base < flows; base += kSequence) {  // every flow once
    fill([&](size_t k) { return static_cast<uint32_t>((base + k) % flows); });
    meter.process(records);
  }
  const auto seq = random_sequence(flows);
  fill([&](size_t k) { return seq[k]; });
  for (auto _ : state) meter.process(records);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSequence));
  state.counters["flows"] = static_cast<double>(meter.table().size());
}
BENCHMARK(BM_FlowMeterFrames)->Arg(50'000)->Arg(2'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
