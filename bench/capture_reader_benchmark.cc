// Capture reading throughput: the hand-written readers (mmap and block-read paths)
// against libpcap on the same generated file of 64-byte frames.
//
//   cmake --preset release && cmake --build build/release --target capture_reader_benchmark
//   build/release/bench/capture_reader_benchmark
//
// Each benchmark reads the whole file once per iteration and touches the first byte
// of every frame (as a decoder would); items/s is packets per second of wall time
// (the mmap path pays its page faults in the kernel, which CPU time would hide).

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "capture/byte_source.h"
#include "capture/capture_reader.h"
#include "capture/pcap_file_reader.h"
#include "capture/pcapng_file_reader.h"

namespace {

using namespace flowlens::capture;

constexpr uint32_t kPackets = 2'000'000;
constexpr uint32_t kFrameBytes = 64;

void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = "/tmp/flowlens_bench_" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

const std::string& pcap_path() {
  static const std::string path = [] {
    std::vector<uint8_t> b;
    b.reserve(24 + size_t{kPackets} * (16 + kFrameBytes));
    put32(b, 0xa1b2c3d4);
    put32(b, 2 | (4u << 16));
    put32(b, 0);
    put32(b, 0);
    put32(b, 65535);
    put32(b, 1);
    for (uint32_t i = 0; i < kPackets; ++i) {
      put32(b, 1'700'000'000 + i / 1000);
      put32(b, (i % 1000) * 1000);
      put32(b, kFrameBytes);
      put32(b, kFrameBytes);
      b.insert(b.end(), kFrameBytes, static_cast<uint8_t>(i));
    }
    return write_file("64b.pcap", b);
  }();
  return path;
}

const std::string& pcapng_path() {
  static const std::string path = [] {
    std::vector<uint8_t> b;
    b.reserve(64 + size_t{kPackets} * (32 + kFrameBytes));
    put32(b, 0x0A0D0D0A);
    put32(b, 28);
    put32(b, 0x1A2B3C4D);
    put32(b, 1);
    put32(b, 0xFFFFFFFF);
    put32(b, 0xFFFFFFFF);
    put32(b, 28);
    put32(b, 1);
    put32(b, 20);
    put32(b, 1);
    put32(b, 0);
    put32(b, 20);
    for (uint32_t i = 0; i < kPackets; ++i) {
      const uint64_t ts = 1'700'000'000'000'000ull + i;
      put32(b, 6);
      put32(b, 32 + kFrameBytes);
      put32(b, 0);
      put32(b, static_cast<uint32_t>(ts >> 32));
      put32(b, static_cast<uint32_t>(ts));
      put32(b, kFrameBytes);
      put32(b, kFrameBytes);
      b.insert(b.end(), kFrameBytes, static_cast<uint8_t>(i));
      put32(b, 32 + kFrameBytes);
    }
    return write_file("64b.pcapng", b);
  }();
  return path;
}

void drain(benchmark::State& state, CaptureReader& reader) {
  std::vector<PacketRecord> batch(256);
  uint64_t packets = 0;
  uint64_t bytes = 0;
  while (size_t n = reader.read_batch(batch)) {
    for (size_t i = 0; i < n; ++i) {
      bytes += batch[i].caplen + batch[i].data[0];
    }
    packets += n;
  }
  benchmark::DoNotOptimize(bytes);
  if (packets != kPackets || reader.error()) {
    state.SkipWithError("short read");
  }
}

void run_reader(benchmark::State& state, const std::string& path, ReaderKind kind) {
  for (auto _ : state) {
    auto reader = CaptureReader::open(path, kind);
    if (!reader.ok()) {
      state.SkipWithError(reader.error().message.c_str());
      return;
    }
    drain(state, **reader);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPackets);
}

void BM_HandWrittenPcapMmap(benchmark::State& state) {
  run_reader(state, pcap_path(), ReaderKind::kHandWritten);
}
BENCHMARK(BM_HandWrittenPcapMmap)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_HandWrittenPcapBlockReads(benchmark::State& state) {
  for (auto _ : state) {
    const int fd = ::open(pcap_path().c_str(), O_RDONLY);
    auto reader = PcapFileReader::open(pcap_path(), ByteSource::from_fd(fd));
    drain(state, **reader);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPackets);
}
BENCHMARK(BM_HandWrittenPcapBlockReads)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_HandWrittenPcapngMmap(benchmark::State& state) {
  run_reader(state, pcapng_path(), ReaderKind::kHandWritten);
}
BENCHMARK(BM_HandWrittenPcapngMmap)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LibpcapReaderPcap(benchmark::State& state) {
  run_reader(state, pcap_path(), ReaderKind::kLibpcap);
}
BENCHMARK(BM_LibpcapReaderPcap)->Unit(benchmark::kMillisecond)->UseRealTime();

// libpcap's loop alone, without our interface or its per-batch copy: the baseline.
void run_libpcap_loop(benchmark::State& state, const std::string& path) {
  for (auto _ : state) {
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(),
                                                        PCAP_TSTAMP_PRECISION_NANO, errbuf);
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    uint64_t bytes = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
      bytes += hdr->caplen + data[0];
    }
    benchmark::DoNotOptimize(bytes);
    pcap_close(p);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPackets);
}

void BM_LibpcapNextExPcap(benchmark::State& state) { run_libpcap_loop(state, pcap_path()); }
BENCHMARK(BM_LibpcapNextExPcap)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LibpcapNextExPcapng(benchmark::State& state) { run_libpcap_loop(state, pcapng_path()); }
BENCHMARK(BM_LibpcapNextExPcapng)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
