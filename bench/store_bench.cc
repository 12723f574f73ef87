// store_bench: raw-flow insert rate and rollup query latency of the SQLite FlowStore.
//   store_bench [DIR]   (default: a fresh directory under /tmp; removed afterwards)
// Prints one line per figure. Not a unit test: wall-clock figures, release build only.
#include <fmt/format.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

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

// CPU time of this process: the machine is shared, so wall time alone can mislead.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
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
    const double c0 = cpu_seconds();
    if (auto s = store->write({flows, nullptr, {}}); !s) {
      fmt::print(stderr, "{}\n", s.error().message);
      exit(1);
    }
    const double t = seconds_since(t0);
    const double c = cpu_seconds() - c0;
    const auto st = store->stats();
    fmt::print("insert 1M flows in one write(): wall {:.3f} s ({:.2f} M rows/s), cpu {:.3f} s "
               "({:.2f} M rows/s); {:.1f} bytes per flow stored\n",
               t, 1.0 / t, c, 1.0 / c, st ? static_cast<double>(st->bytes) / 1e6 : 0.0);
  }
  {
    auto store = open_fresh(dir, "batches.db");
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    for (size_t i = 0; i < flows.size(); i += 100'000) {
      std::span<const FlowRecord> batch(flows.data() + i, 100'000);
      if (auto s = store->write({batch, nullptr, {}}); !s) {
        fmt::print(stderr, "{}\n", s.error().message);
        exit(1);
      }
    }
    const double t = seconds_since(t0);
    const double c = cpu_seconds() - c0;
    fmt::print("insert 1M flows as 10 x 100k-row write(): wall {:.3f} s ({:.2f} M rows/s), "
               "cpu {:.3f} s ({:.2f} M rows/s)\n",
               t, 1.0 / t, c, 1.0 / c);
  }
}

// The same rows through the plain C API, one row per flow: schema v2's 11-column table
// without its start_ns index, one single-row prepared statement, one transaction. The
// ratio to it says what the store's own choices (blocks of flows since schema v3) save.
void bench_baseline(const std::filesystem::path& dir) {
  const auto flows = make_flows(1'000'000, kBase);
  const std::string path = (dir / "baseline.db").string();
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db,
                  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE flows(id "
               "INTEGER PRIMARY KEY, start_ns, bytes, packets, flows, src, dst, src_port, "
               "dst_port, ip_proto, direction, detail)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO flows(start_ns, bytes, packets, flows, src, dst, src_port, "
                     "dst_port, ip_proto, direction, detail) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                     -1, &st, nullptr);
  uint8_t detail[40] = {};
  const auto t0 = Clock::now();
  const double c0 = cpu_seconds();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (const FlowRecord& r : flows) {
    sqlite3_bind_int64(st, 1, r.start_ns);
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(r.bytes));
    sqlite3_bind_int64(st, 3, static_cast<int64_t>(r.packets));
    sqlite3_bind_int64(st, 4, static_cast<int64_t>(r.flows));
    sqlite3_bind_blob(st, 5, r.src.bytes.data(), 4, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, r.dst.bytes.data(), 4, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, r.src_port);
    sqlite3_bind_int64(st, 8, r.dst_port);
    sqlite3_bind_int64(st, 9, r.ip_proto);
    sqlite3_bind_int64(st, 10, static_cast<int64_t>(r.direction));
    sqlite3_bind_blob(st, 11, detail, sizeof detail, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double t = seconds_since(t0);
  const double c = cpu_seconds() - c0;
  sqlite3_finalize(st);
  sqlite3_close(db);
  fmt::print("baseline: plain C API, one row per flow, no index, single-row statement: wall {:.3f} "
             "s ({:.2f} M rows/s), cpu {:.3f} s ({:.2f} M rows/s)\n",
             t, 1.0 / t, c, 1.0 / c);
}

struct Latency {
  double p50_ms = 0;
  double p95_ms = 0;
};

template <typename F>
Latency measure(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    f(i);
    ms.push_back(seconds_since(t0) * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 95 / 100]};
}

// 30 days x 1000 local hosts of rollups: host rows at hour and day resolution for every
// host, traffic and port rows at minute/hour/day for 30 days and at window resolution for
// the last 2 days (what the default retention keeps).
void bench_queries(const std::filesystem::path& dir) {
  using namespace flowlens;
  auto store = open_fresh(dir, "rollups.db");
  constexpr int kDays = 30;
  constexpr int kHosts = 1000;
  const int64_t day = 86400 * kSecond;
  const uint8_t protos[] = {6, 17, 1};
  const uint16_t ports[] = {443, 80, 53, 22, 123};
  const auto t0 = Clock::now();
  for (int d = 0; d < kDays; ++d) {
    RollupDelta delta;
    delta.window_ns = kWindow;
    const int64_t day_start = kBase + d * day;
    for (int r = 1; r < kResolutionCount; ++r) {
      const auto res = static_cast<Resolution>(r);
      const int64_t len = resolution_ns(res, kWindow);
      for (int64_t b = day_start; b < day_start + day; b += len) {
        for (uint8_t p : protos) {
          for (Direction dir_ : {Direction::kIn, Direction::kOut}) {
            delta.traffic.push_back({res, b, p, dir_, {1000, 10, 1}});
            for (uint16_t port : ports) delta.ports.push_back({res, b, p, port, dir_, {100, 1, 1}});
          }
        }
        if (res == Resolution::kMinute) continue;
        for (int h = 0; h < kHosts; ++h) {
          const uint8_t a[4] = {10, 1, static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
          for (HostSide side : {HostSide::kIn, HostSide::kOut}) {
            delta.hosts.push_back({res, b, IpAddress::v4(a), side,
                                   {static_cast<uint64_t>(1000 + h), 10, 1}});
          }
        }
      }
    }
    if (d >= kDays - 2) {
      for (int64_t b = day_start; b < day_start + day; b += kWindow) {
        for (uint8_t p : protos) {
          delta.traffic.push_back({Resolution::kWindow, b, p, Direction::kIn, {100, 1, 1}});
        }
      }
    }
    if (auto s = store->write({{}, &delta, {}}); !s) {
      fmt::print(stderr, "{}\n", s.error().message);
      exit(1);
    }
  }
  auto st = store->stats();
  fmt::print("rollup store: {} rollup rows, {:.1f} MB, built in {:.1f} s\n", st->rollup_rows,
             static_cast<double>(st->bytes) / 1e6, seconds_since(t0));
  const int64_t from = kBase;
  const int64_t to = kBase + kDays * day;
  auto report = [](const char* what, Latency l) {
    fmt::print("{}: p50 {:.2f} ms, p95 {:.2f} ms\n", what, l.p50_ms, l.p95_ms);
  };
  report("host_daily, 30 days, one of 1000 hosts", measure(200, [&](int i) {
    const uint8_t a[4] = {10, 1, static_cast<uint8_t>((i * 7) >> 8), static_cast<uint8_t>(i * 7)};
    auto r = store->host_daily({IpAddress::v4(a), from, to});
    if (!r || r->days.size() != kDays) exit(1);
  }));
  report("timeseries, 30 days, step 1 h, group_by proto", measure(50, [&](int) {
    store::TimeseriesQuery q{from, to, 3600 * kSecond, store::Metric::kBytes,
                             store::Dimension::kProto, {}};
    if (!store->timeseries(q)) exit(1);
  }));
  report("timeseries, 30 days, step 1 day, port 443", measure(50, [&](int) {
    store::TimeseriesQuery q{from, to, day, store::Metric::kBytes, store::Dimension::kNone, {}};
    q.filter.port = 443;
    if (!store->timeseries(q)) exit(1);
  }));
  report("timeseries, last 24 h, step 1 min, group_by port", measure(50, [&](int) {
    store::TimeseriesQuery q{to - day, to, 60 * kSecond, store::Metric::kBytes,
                             store::Dimension::kPort, {}};
    if (!store->timeseries(q)) exit(1);
  }));
  report("top 10 src hosts, 30 days (day host rollups)", measure(20, [&](int) {
    store::TopQuery q;
    q.from_ns = from;
    q.to_ns = to;
    if (!store->top(q)) exit(1);
  }));
  report("top 10 dst hosts, 36 h from 12:00 (hour host rollups)", measure(20, [&](int) {
    store::TopQuery q;
    q.dimension = store::Dimension::kDstHost;
    q.from_ns = to - 36 * 3600 * kSecond;
    q.to_ns = to;
    if (!store->top(q)) exit(1);
  }));
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
  bench_baseline(dir);
  bench_insert(dir);
  bench_queries(dir);
  if (remove) std::filesystem::remove_all(dir);
  return 0;
}
