// Stream processor (src/process): records per second through windows, summaries and
// rollups — what `flowlens run` spends per FlowRecord after metering.
//
//   BM_StreamProcessor/<flows>/<window_s>
//     1 M records of <flows> conversations: one record per conversation per window in a
//     shuffled order (what the meter emits: it flushes at every window boundary), so 50k
//     flows make 20 windows; batches of 1024; take_rollups() every 256 k records as the
//     pipeline commits; a 10.0.0.0/8 local network; top 10. Window 10 s folds coarse rollups at take() time;
//     window 7 s does not divide a minute and updates all four resolutions per record.
//
// Run: cmake --preset release && cmake --build build/release --target
//      stream_processor_benchmark && build/release/src/process/stream_processor_benchmark

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "process/stream_processor.h"

namespace {

using flowlens::FlowBatch;
using flowlens::FlowRecord;
using flowlens::IpAddress;
using flowlens::IpNetwork;
using flowlens::process::ProcessorConfig;
using flowlens::process::StreamProcessor;
using flowlens::process::WindowSummary;

constexpr size_t kRecords = 1'000'000;
constexpr size_t kBatch = 1024;
constexpr size_t kCommitEvery = 256 * 1024;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = int64_t{1551693600} * kSecond;

uint64_t next_random(uint64_t& s) {
  s += 0x9E3779B97F4A7C15ull;
  uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Conversation i: local host 10.x.y.z (one of flows/8) with remote 198.18.x.y, TCP or
// UDP, a client port and one of a few service ports; half the records run server->client.
std::vector<FlowRecord> make_records(size_t flows, int64_t window) {
  std::vector<FlowRecord> conv(flows);
  uint64_t s = 1;
  static const uint16_t kServices[] = {443, 80, 53, 22, 8080, 993, 5060, 123};
  for (size_t i = 0; i < flows; ++i) {
    FlowRecord& r = conv[i];
    const uint32_t local = static_cast<uint32_t>(i / 8);
    const uint8_t src[4] = {10, static_cast<uint8_t>(local >> 16), static_cast<uint8_t>(local >> 8),
                            static_cast<uint8_t>(local)};
    const uint32_t remote = static_cast<uint32_t>(next_random(s) % 20000);
    const uint8_t dst[4] = {198, 18, static_cast<uint8_t>(remote >> 8),
                            static_cast<uint8_t>(remote)};
    r.src = IpAddress::v4(src);
    r.dst = IpAddress::v4(dst);
    r.ip_proto = next_random(s) % 4 == 0 ? 17 : 6;
    r.src_port = static_cast<uint16_t>(32768 + next_random(s) % 28000);
    r.dst_port = kServices[next_random(s) % 8];
    r.flows = 1;
  }
  // One record per conversation per window, as the meter emits them (it flushes at every
  // window boundary), in a shuffled order within the window.
  std::vector<uint32_t> order(flows);
  for (size_t i = 0; i < flows; ++i) {
    order[i] = static_cast<uint32_t>(i);
  }
  std::vector<FlowRecord> out(kRecords);
  for (size_t i = 0; i < kRecords; ++i) {
    const size_t w = i / flows;
    const size_t k = i % flows;
    if (k == 0) {
      for (size_t j = flows - 1; j > 0; --j) {
        std::swap(order[j], order[next_random(s) % (j + 1)]);
      }
    }
    FlowRecord r = conv[order[k]];
    if (next_random(s) % 2 == 0) {
      std::swap(r.src, r.dst);
      std::swap(r.src_port, r.dst_port);
    }
    const int64_t window_start = kT0 + static_cast<int64_t>(w) * window;
    r.start_ns = window_start + static_cast<int64_t>(next_random(s) % static_cast<uint64_t>(window / 2));
    r.end_ns = r.start_ns + static_cast<int64_t>(next_random(s) % static_cast<uint64_t>(window / 2));
    r.packets = 1 + next_random(s) % 30;
    r.bytes = r.packets * (60 + next_random(s) % 1400);
    out[i] = r;
  }
  return out;
}

void BM_StreamProcessor(benchmark::State& state) {
  const size_t flows = static_cast<size_t>(state.range(0));
  const int64_t window = state.range(1) * kSecond;
  const std::vector<FlowRecord> records = make_records(flows, window);
  ProcessorConfig config;
  config.window_ns = window;
  config.allowed_lateness_ns = 5 * kSecond;
  config.local_networks = {*IpNetwork::parse("10.0.0.0/8")};
  uint64_t windows = 0;
  size_t rows = 0;
  for (auto _ : state) {
    StreamProcessor p(config, [&windows](const WindowSummary&) { ++windows; });
    for (size_t i = 0; i < records.size(); i += kBatch) {
      p.add(FlowBatch(records).subspan(i, std::min(kBatch, records.size() - i)));
      if ((i + kBatch) % kCommitEvery == 0) {
        const auto d = p.take_rollups();
        rows += d.traffic.size() + d.ports.size() + d.hosts.size();
      }
    }
    p.finish();
    const auto d = p.take_rollups();
    rows += d.traffic.size() + d.ports.size() + d.hosts.size();
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records.size()));
  state.counters["windows"] = static_cast<double>(windows) / static_cast<double>(state.iterations());
  state.counters["rollup_rows"] = static_cast<double>(rows) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_StreamProcessor)
    ->Args({50'000, 10})
    ->Args({50'000, 7})
    ->Args({5'000, 10})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
