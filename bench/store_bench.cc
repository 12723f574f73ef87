// store_bench: raw-flow insert rate and rollup query latency of the SQLite FlowStore.
//   store_bench [DIR]   (default: a fresh directory under /tmp; removed afterwards)
// Prints one line per figure. Not a unit test: wall-clock figures, release build only.
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "store/flow_store.h"

namespace {

using flowlens::FlowRecord;
using flowlens::IpAddress;
using Clock = std::chrono::steady_clock;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kWindow = 10 * kSecond;
constexpr int64_t kBase = int64_t{1'793'577'600} * kSecond;

std::vector<FlowRecord> make_flows(size_t n, int64_t from_ns) {
  std::vector<FlowRecord> out(n);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    FlowRecord& r = out[i];
    r.start_ns = from_ns + static_cast<int64_t>(i) * 1000;  // arrival order, as the meter emits
    r.end_ns = r.start_ns + static_cast<int64_t>(x % 1'000'000'000);
    r.packets = 1 + x % 100;
    r.bytes = r.packets * (64 + x % 1400);
    r.flows = 1;
    const uint8_t s[4] = {10, 0, static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x >> 16)};
    const uint8_t d[4] = {static_cast<uint8_t>(x >> 24), static_cast<uint8_t>(x >> 32), 7, 1};
    r.src = IpAddress::v4(s);
    r.dst = IpAddress::v4(d);
    r.src_port = static_cast<uint16_t>(x >> 40);
    r.dst_port = 443;
    r.ip_proto = 6;
    r.tcp_flags = 0x1b;
    r.direction = flowlens::Direction::kOut;
  }
  return out;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::unique_ptr<flowlens::store::FlowStore> open_fresh(const std::filesystem::path& dir,
                                                       const char* name) {
  std::filesystem::remove(dir / name);
  std::filesystem::remove(dir / (std::string(name) + "-wal"));
  std::filesystem::remove(dir / (std::string(name) + "-shm"));
  auto s = flowlens::store::FlowStore::open("sqlite://" + (dir / name).string(), kWindow);
  if (!s) {
    fmt::print(stderr, "{}\n", s.error().message);
    exit(1);
  }
  return std::move(s).value();
}

void bench_insert(const std::filesystem::path& dir) {
  const auto flows = make_flows(1'000'000, kBase);
  {
    auto store = open_fresh(dir, "one.db");
    const auto t0 = Clock::now();
    if (auto s = store->write({flows, nullptr, {}}); !s) {
      fmt::print(stderr, "{}\n", s.error().message);
      exit(1);
    }
    const double t = seconds_since(t0);
    fmt::print("insert 1M flows in one write(): {:.3f} s, {:.2f} M rows/s\n", t, 1.0 / t);
  }
  {
    auto store = open_fresh(dir, "batches.db");
    const auto t0 = Clock::now();
    for (size_t i = 0; i < flows.size(); i += 100'000) {
      std::span<const FlowRecord> batch(flows.data() + i, 100'000);
      if (auto s = store->write({batch, nullptr, {}}); !s) {
        fmt::print(stderr, "{}\n", s.error().message);
        exit(1);
      }
    }
    const double t = seconds_since(t0);
    fmt::print("insert 1M flows as 10 x 100k-row write(): {:.3f} s, {:.2f} M rows/s\n", t,
               1.0 / t);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir;
  bool remove = false;
  if (argc > 1) {
    dir = argv[1];
    std::filesystem::create_directories(dir);
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "store_bench.XXXXXX").string();
    dir = mkdtemp(pattern.data());
    remove = true;
  }
  bench_insert(dir);
  if (remove) std::filesystem::remove_all(dir);
  return 0;
}
