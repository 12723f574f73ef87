#include "process/stream_processor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <simdjson.h>
#include <string>
#include <tuple>
#include <vector>

namespace flowlens {

void PrintTo(const Counters3& c, std::ostream* os) {
  *os << "{bytes " << c.bytes << ", packets " << c.packets << ", flows " << c.flows << "}";
}

namespace process {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kWindow = 10 * kSecond;
// 2019-03-04 10:00:00 UTC: replayed captures must chart their own time.
constexpr int64_t k2019 = int64_t{1551693600} * kSecond;
// 2019-03-04 23:59:00 UTC: one minute before a day boundary.
constexpr int64_t kBeforeMidnight = int64_t{1551743940} * kSecond;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
IpNetwork net(const char* text) { return *IpNetwork::parse(text); }

FlowRecord record(int64_t start_ns, int64_t end_ns, const char* src, const char* dst,
                  uint8_t proto, uint16_t src_port, uint16_t dst_port, uint64_t bytes,
                  uint64_t packets = 1) {
  FlowRecord r;
  r.start_ns = start_ns;
  r.end_ns = end_ns;
  r.src = ip(src);
  r.dst = ip(dst);
  r.ip_proto = proto;
  r.src_port = src_port;
  r.dst_port = dst_port;
  r.bytes = bytes;
  r.packets = packets;
  r.flows = 1;
  return r;
}

Counters3 counters_of(const FlowRecord& r) { return {r.bytes, r.packets, r.flows}; }

struct Collected {
  std::vector<WindowSummary> windows;
  WindowSink sink() {
    return [this](const WindowSummary& s) { windows.push_back(s); };
  }
};

ProcessorConfig config_with(std::vector<IpNetwork> nets, int64_t lateness = 0,
                            int64_t window = kWindow) {
  ProcessorConfig c;
  c.window_ns = window;
  c.allowed_lateness_ns = lateness;
  c.local_networks = std::move(nets);
  return c;
}

// ---- independent expectations, written from the contracts in the headers ----

bool in_any(const std::vector<IpNetwork>& nets, const IpAddress& a) {
  return std::any_of(nets.begin(), nets.end(), [&](const IpNetwork& n) { return n.contains(a); });
}

Direction expected_direction(const std::vector<IpNetwork>& nets, const FlowRecord& r) {
  if (r.direction != Direction::kUnknown) return r.direction;
  const bool s = in_any(nets, r.src);
  const bool d = in_any(nets, r.dst);
  if (s && d) return Direction::kLocal;
  if (s) return Direction::kOut;
  if (d) return Direction::kIn;
  return Direction::kTransit;
}

uint16_t expected_service_port(const FlowRecord& r) {
  if (r.ip_proto != 6 && r.ip_proto != 17 && r.ip_proto != 132) return 0;
  std::vector<uint16_t> nonzero;
  if (r.src_port != 0) nonzero.push_back(r.src_port);
  if (r.dst_port != 0) nonzero.push_back(r.dst_port);
  if (nonzero.empty()) return 0;
  return *std::min_element(nonzero.begin(), nonzero.end());
}

int64_t floor_to(int64_t t, int64_t len) {
  int64_t b = (t / len) * len;
  if (b > t) b -= len;
  return b;
}

using TrafficKey = std::tuple<int, int64_t, int, int>;          // res, bucket, proto, dir
using PortKey = std::tuple<int, int64_t, int, int, int>;        // res, bucket, proto, port, dir
using HostKey = std::tuple<int, int64_t, std::string, int>;     // res, bucket, host, side

struct RollupSums {
  std::map<TrafficKey, Counters3> traffic;
  std::map<PortKey, Counters3> ports;
  std::map<HostKey, Counters3> hosts;
};

RollupSums expected_rollups(const std::vector<FlowRecord>& records,
                            const std::vector<IpNetwork>& nets, int64_t window) {
  RollupSums out;
  const int64_t lengths[] = {window, 60 * kSecond, 3600 * kSecond, 86400 * kSecond};
  for (const FlowRecord& r : records) {
    const int dir = static_cast<int>(expected_direction(nets, r));
    for (int res = 0; res < 4; ++res) {
      const int64_t b = floor_to(r.start_ns, lengths[res]);
      out.traffic[{res, b, r.ip_proto, dir}] += counters_of(r);
      out.ports[{res, b, r.ip_proto, expected_service_port(r), dir}] += counters_of(r);
      const bool fine = res <= 1;
      if (!fine || nets.empty() || in_any(nets, r.dst)) {
        out.hosts[{res, b, r.dst.to_string(), 0}] += counters_of(r);
      }
      if (!fine || nets.empty() || in_any(nets, r.src)) {
        out.hosts[{res, b, r.src.to_string(), 1}] += counters_of(r);
      }
    }
  }
  return out;
}

// Adds a delta to `sums`, failing on a key that appears twice within the delta.
void add_delta(const RollupDelta& d, RollupSums& sums) {
  std::set<TrafficKey> t;
  for (const TrafficRollup& r : d.traffic) {
    const TrafficKey k{static_cast<int>(r.resolution), r.bucket_ns, r.ip_proto,
                       static_cast<int>(r.direction)};
    EXPECT_TRUE(t.insert(k).second) << "duplicate traffic row";
    sums.traffic[k] += r.counters;
  }
  std::set<PortKey> p;
  for (const PortRollup& r : d.ports) {
    const PortKey k{static_cast<int>(r.resolution), r.bucket_ns, r.ip_proto, r.port,
                    static_cast<int>(r.direction)};
    EXPECT_TRUE(p.insert(k).second) << "duplicate port row";
    sums.ports[k] += r.counters;
  }
  std::set<HostKey> h;
  for (const HostRollup& r : d.hosts) {
    const HostKey k{static_cast<int>(r.resolution), r.bucket_ns, r.host.to_string(),
                    static_cast<int>(r.side)};
    EXPECT_TRUE(h.insert(k).second) << "duplicate host row";
    sums.hosts[k] += r.counters;
  }
}

uint64_t next(uint64_t& s) {
  s += 0x9E3779B97F4A7C15ull;
  uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Records sorted by start, each ending inside its own window (the pipeline cuts flows at
// window boundaries), over IPv4 and IPv6 hosts inside and outside the local networks.
std::vector<FlowRecord> random_records(uint64_t seed, size_t n, int64_t t0, int64_t span,
                                       int64_t window) {
  static const char* kV4[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.1.2.3",
                              "192.168.1.10", "198.51.100.1", "198.51.100.2", "203.0.113.9"};
  static const char* kV6[] = {"2001:db8::1", "2001:db8::2", "2001:db9::1", "fe80::1"};
  static const uint8_t kProtos[] = {6, 6, 6, 17, 17, 1, 132, 47, 58};
  static const uint16_t kPorts[] = {0, 53, 80, 443, 443, 51000, 51001, 6000};
  std::vector<FlowRecord> out;
  uint64_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    const int64_t start = t0 + static_cast<int64_t>(next(s) % static_cast<uint64_t>(span));
    const int64_t window_end = floor_to(start, window) + window;
    const int64_t end = std::min(start + static_cast<int64_t>(next(s) % (3 * kSecond)),
                                 window_end - 1);
    const bool v6 = next(s) % 4 == 0;
    const char* src = v6 ? kV6[next(s) % 4] : kV4[next(s) % 8];
    const char* dst = v6 ? kV6[next(s) % 4] : kV4[next(s) % 8];
    const uint8_t proto = kProtos[next(s) % 9];
    const uint64_t packets = 1 + next(s) % 20;
    FlowRecord r = record(start, end, src, dst, proto, kPorts[next(s) % 8], kPorts[next(s) % 8],
                          packets * (40 + next(s) % 1400), packets);
    r.flows = 1 + next(s) % 2;
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(),
            [](const FlowRecord& a, const FlowRecord& b) { return a.start_ns < b.start_ns; });
  return out;
}

// The summary of one window computed the slow, obvious way.
WindowSummary expected_summary(const std::vector<FlowRecord>& records, int64_t start,
                               const std::vector<IpNetwork>& nets, uint32_t top_n) {
  WindowSummary s;
  s.start_ns = start;
  s.end_ns = start + kWindow;
  std::map<int, Counters3> protos;
  std::map<IpAddress, Counters3> src_hosts, dst_hosts;
  std::map<int, Counters3> src_ports, dst_ports;
  std::set<IpAddress> active;
  for (const IpNetwork& n : nets) s.local_networks.push_back({n, {}, {}});
  for (const FlowRecord& r : records) {
    if (r.start_ns < start || r.start_ns >= start + kWindow) continue;
    const Counters3 c = counters_of(r);
    s.totals += c;
    protos[r.ip_proto] += c;
    src_hosts[r.src] += c;
    dst_hosts[r.dst] += c;
    active.insert(r.src);
    active.insert(r.dst);
    if (r.ip_proto == 6 || r.ip_proto == 17 || r.ip_proto == 132) {
      src_ports[r.src_port] += c;
      dst_ports[r.dst_port] += c;
    }
    for (LocalNetTraffic& n : s.local_networks) {
      const bool si = n.network.contains(r.src);
      const bool di = n.network.contains(r.dst);
      if (di && !si) n.in += c;
      if (si && !di) n.out += c;
    }
  }
  for (const auto& [p, c] : protos) s.protocols.push_back({static_cast<uint8_t>(p), c});
  std::stable_sort(s.protocols.begin(), s.protocols.end(),
                   [](const auto& a, const auto& b) { return a.counters.bytes > b.counters.bytes; });
  const auto top_hosts = [top_n](const std::map<IpAddress, Counters3>& m) {
    std::vector<std::pair<IpAddress, Counters3>> v(m.begin(), m.end());
    // The map iterates by bytes then family; ties are wanted by family then bytes.
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.first.family < b.first.family; });
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
    std::vector<TopItem> items;
    for (size_t i = 0; i < v.size() && i < top_n; ++i) {
      items.push_back({v[i].first.to_string(), v[i].second});
    }
    return items;
  };
  const auto top_ports = [top_n](const std::map<int, Counters3>& m) {
    std::vector<std::pair<int, Counters3>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
    std::vector<TopItem> items;
    for (size_t i = 0; i < v.size() && i < top_n; ++i) {
      items.push_back({std::to_string(v[i].first), v[i].second});
    }
    return items;
  };
  s.top_src_hosts = top_hosts(src_hosts);
  s.top_dst_hosts = top_hosts(dst_hosts);
  s.top_src_ports = top_ports(src_ports);
  s.top_dst_ports = top_ports(dst_ports);
  s.active_hosts = active.size();
  return s;
}

void expect_items(const std::vector<TopItem>& got, const std::vector<TopItem>& want,
                  const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key) << what << " #" << i;
    EXPECT_EQ(got[i].counters, want[i].counters) << what << " #" << i;
  }
}

void expect_summary(const WindowSummary& got, const WindowSummary& want) {
  SCOPED_TRACE("window " + std::to_string(want.start_ns));
  EXPECT_EQ(got.start_ns, want.start_ns);
  EXPECT_EQ(got.end_ns, want.end_ns);
  EXPECT_EQ(got.totals, want.totals);
  ASSERT_EQ(got.protocols.size(), want.protocols.size());
  for (size_t i = 0; i < got.protocols.size(); ++i) {
    EXPECT_EQ(got.protocols[i].ip_proto, want.protocols[i].ip_proto);
    EXPECT_EQ(got.protocols[i].counters, want.protocols[i].counters);
  }
  expect_items(got.top_src_hosts, want.top_src_hosts, "src hosts");
  expect_items(got.top_dst_hosts, want.top_dst_hosts, "dst hosts");
  expect_items(got.top_src_ports, want.top_src_ports, "src ports");
  expect_items(got.top_dst_ports, want.top_dst_ports, "dst ports");
  ASSERT_EQ(got.local_networks.size(), want.local_networks.size());
  for (size_t i = 0; i < got.local_networks.size(); ++i) {
    EXPECT_EQ(got.local_networks[i].network.to_string(), want.local_networks[i].network.to_string());
    EXPECT_EQ(got.local_networks[i].in, want.local_networks[i].in);
    EXPECT_EQ(got.local_networks[i].out, want.local_networks[i].out);
  }
  EXPECT_EQ(got.active_hosts, want.active_hosts);
}

const std::vector<IpNetwork> kNets = {net("10.0.0.0/8"), net("2001:db8::/32"),
                                      net("192.168.0.0/16")};

// ---- windows ----

TEST(StreamProcessor, AssignsWindowsByEventTimeNotWallClock) {
  Collected c;
  StreamProcessor p(config_with({}), c.sink());
  const FlowRecord r = record(k2019 + 12 * kSecond, k2019 + 13 * kSecond, "10.0.0.1",
                              "10.0.0.2", 6, 1000, 80, 500);
  p.add({&r, 1});
  p.finish();
  ASSERT_EQ(c.windows.size(), 1u);
  EXPECT_EQ(c.windows[0].start_ns, k2019 + 10 * kSecond);
  EXPECT_EQ(c.windows[0].end_ns, k2019 + 20 * kSecond);
  EXPECT_NE(to_json(c.windows[0]).find("\"window_start\":\"2019-03-04T10:00:10Z\""),
            std::string::npos);
}

TEST(StreamProcessor, SummariesEqualSumsComputedIndependently) {
  const auto records = random_records(1, 3000, k2019, 95 * kSecond, kWindow);
  for (uint32_t top_n : {3u, 100u}) {
    SCOPED_TRACE("top_n " + std::to_string(top_n));
    Collected c;
    ProcessorConfig config = config_with(kNets);
    config.top_n = top_n;
    StreamProcessor p(config, c.sink());
    // Uneven batches: window closing must not depend on how records are batched.
    for (size_t i = 0; i < records.size(); i += 1 + i % 97) {
      p.add(FlowBatch(records).subspan(i, std::min<size_t>(1 + i % 97, records.size() - i)));
    }
    EXPECT_EQ(p.counters().late_records, 0u);
    EXPECT_EQ(p.counters().records, records.size());
    const size_t closed_before_finish = c.windows.size();
    EXPECT_GE(closed_before_finish, 9u) << "windows close as the watermark passes them";
    p.finish();
    ASSERT_EQ(c.windows.size(), 10u);
    for (size_t w = 0; w < c.windows.size(); ++w) {
      expect_summary(c.windows[w],
                     expected_summary(records, k2019 + static_cast<int64_t>(w) * kWindow, kNets,
                                      top_n));
    }
  }
}

TEST(StreamProcessor, BreaksTopNTiesByKeyAscending) {
  Collected c;
  ProcessorConfig config = config_with({});
  config.top_n = 2;
  StreamProcessor p(config, c.sink());
  const std::vector<FlowRecord> rs = {
      record(k2019, k2019, "10.0.0.9", "10.0.0.1", 17, 9000, 53, 100),
      record(k2019, k2019, "10.0.0.10", "10.0.0.1", 17, 700, 53, 100),
      record(k2019, k2019, "10.0.0.2", "10.0.0.1", 17, 8000, 53, 100),
  };
  p.add(rs);
  p.finish();
  ASSERT_EQ(c.windows.size(), 1u);
  const WindowSummary& s = c.windows[0];
  ASSERT_EQ(s.top_src_hosts.size(), 2u);
  EXPECT_EQ(s.top_src_hosts[0].key, "10.0.0.2");  // address order, not text order
  EXPECT_EQ(s.top_src_hosts[1].key, "10.0.0.9");
  ASSERT_EQ(s.top_src_ports.size(), 2u);
  EXPECT_EQ(s.top_src_ports[0].key, "700");  // port number order
  EXPECT_EQ(s.top_src_ports[1].key, "8000");
  EXPECT_EQ(s.active_hosts, 4u);
}

TEST(StreamProcessor, LeavesPortlessProtocolsOutOfTopPorts) {
  Collected c;
  StreamProcessor p(config_with({}), c.sink());
  const std::vector<FlowRecord> rs = {
      record(k2019, k2019, "10.0.0.1", "10.0.0.2", 1, 8, 0, 100),  // ICMP type in a port
      record(k2019, k2019, "10.0.0.1", "10.0.0.2", 132, 5000, 2905, 10),
  };
  p.add(rs);
  p.finish();
  ASSERT_EQ(c.windows.size(), 1u);
  ASSERT_EQ(c.windows[0].top_src_ports.size(), 1u);
  EXPECT_EQ(c.windows[0].top_src_ports[0].key, "5000");
  EXPECT_EQ(c.windows[0].protocols.size(), 2u);
  EXPECT_EQ(c.windows[0].protocols[0].ip_proto, 1);
}

// ---- watermark and lateness ----

TEST(StreamProcessor, LateRecordWithinLatenessUpdatesTheOpenWindow) {
  Collected c;
  StreamProcessor p(config_with({}, 5 * kSecond), c.sink());
  const auto at = [](int64_t s, int64_t e, uint64_t bytes) {
    return record(k2019 + s * kSecond, k2019 + e * kSecond, "10.0.0.1", "10.0.0.2", 6, 1, 2,
                  bytes);
  };
  FlowRecord a = at(1, 2, 100);
  p.add({&a, 1});
  FlowRecord b = at(12, 14, 200);  // watermark 9 s: window [0, 10) still open
  p.add({&b, 1});
  EXPECT_EQ(p.counters().watermark_ns, k2019 + 9 * kSecond);
  EXPECT_TRUE(c.windows.empty());
  FlowRecord in_time = at(3, 4, 30);  // within lateness
  p.add({&in_time, 1});
  FlowRecord d = at(15, 15, 400);  // watermark 10 s: window [0, 10) closes
  p.add({&d, 1});
  ASSERT_EQ(c.windows.size(), 1u);
  EXPECT_EQ(c.windows[0].totals.bytes, 130u);
  EXPECT_EQ(p.counters().windows_closed, 1u);
  EXPECT_EQ(p.counters().late_records, 0u);
}

TEST(StreamProcessor, RecordBeyondLatenessIsCountedLateAndStillReachesRollups) {
  Collected c;
  StreamProcessor p(config_with({}, 5 * kSecond), c.sink());
  const auto at = [](int64_t s, int64_t e, uint64_t bytes) {
    return record(k2019 + s * kSecond, k2019 + e * kSecond, "10.0.0.1", "10.0.0.2", 6, 1, 2,
                  bytes);
  };
  const std::vector<FlowRecord> first = {at(1, 2, 100), at(16, 17, 200)};
  p.add(first);
  ASSERT_EQ(c.windows.size(), 1u);
  const FlowRecord late = at(4, 5, 7);
  p.add({&late, 1});
  EXPECT_EQ(p.counters().late_records, 1u);
  p.finish();
  ASSERT_EQ(c.windows.size(), 2u) << "the closed window is not emitted again";
  EXPECT_EQ(c.windows[0].totals.bytes, 100u);
  EXPECT_EQ(c.windows[1].start_ns, k2019 + 10 * kSecond);

  RollupSums got;
  add_delta(p.take_rollups(), got);
  const TrafficKey window0{0, k2019, 6, static_cast<int>(Direction::kTransit)};
  EXPECT_EQ(got.traffic.at(window0).bytes, 107u);
  EXPECT_EQ(got.traffic.at({1, k2019, 6, static_cast<int>(Direction::kTransit)}).bytes, 307u);
}

TEST(StreamProcessor, AdvanceToClosesWindowsOnAQuietLinkAndNeverMovesTheWatermarkBack) {
  Collected c;
  StreamProcessor p(config_with({}, 5 * kSecond), c.sink());
  const FlowRecord r = record(k2019 + kSecond, k2019 + 8 * kSecond, "10.0.0.1", "10.0.0.2", 6, 1,
                              2, 10);
  p.add({&r, 1});
  p.advance_to(k2019 + 14 * kSecond);
  EXPECT_TRUE(c.windows.empty());
  p.advance_to(k2019 + 15 * kSecond);
  ASSERT_EQ(c.windows.size(), 1u);
  EXPECT_EQ(p.counters().watermark_ns, k2019 + 10 * kSecond);
  p.advance_to(k2019);
  EXPECT_EQ(p.counters().watermark_ns, k2019 + 10 * kSecond);
  const FlowRecord late = record(k2019 + 3 * kSecond, k2019 + 3 * kSecond, "10.0.0.1",
                                 "10.0.0.2", 6, 1, 2, 10);
  p.add({&late, 1});
  EXPECT_EQ(p.counters().late_records, 1u);
  EXPECT_EQ(c.windows.size(), 1u);
}

TEST(StreamProcessor, FinishEmitsEveryOpenWindowInOrderAndThenCountsOldRecordsLate) {
  Collected c;
  StreamProcessor p(config_with({}, 3600 * kSecond), c.sink());
  // Out of order within the lateness; a gap at [20 s, 30 s) stays a gap.
  std::vector<FlowRecord> rs;
  for (int64_t s : {35, 5, 12, 41, 0}) {
    rs.push_back(record(k2019 + s * kSecond, k2019 + s * kSecond, "10.0.0.1", "10.0.0.2", 6, 1,
                        2, 10));
  }
  p.add(rs);
  EXPECT_TRUE(c.windows.empty());
  p.finish();
  ASSERT_EQ(c.windows.size(), 4u);
  const int64_t starts[] = {0, 10, 30, 40};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.windows[i].start_ns, k2019 + starts[i] * kSecond);
  }
  EXPECT_EQ(c.windows[0].totals.flows, 2u);
  const FlowRecord after = record(k2019 + 25 * kSecond, k2019 + 25 * kSecond, "10.0.0.1",
                                  "10.0.0.2", 6, 1, 2, 10);
  p.add({&after, 1});
  p.finish();
  EXPECT_EQ(c.windows.size(), 4u);
  EXPECT_EQ(p.counters().late_records, 1u);
}

TEST(StreamProcessor, SurvivesTimestampsAtTheEdgesOfTime) {
  Collected c;
  StreamProcessor p(config_with({}, 5 * kSecond), c.sink());
  const std::vector<FlowRecord> rs = {
      record(-15 * kSecond, -14 * kSecond, "10.0.0.1", "10.0.0.2", 6, 1, 2, 10),
      record(INT64_MAX - 1, INT64_MAX, "10.0.0.1", "10.0.0.2", 6, 1, 2, 10),
  };
  p.add(rs);
  p.finish();
  ASSERT_EQ(c.windows.size(), 2u);
  EXPECT_EQ(c.windows[0].start_ns, -20 * kSecond);
  EXPECT_FALSE(p.take_rollups().empty());
}

// ---- rollups ----

void check_rollups(int64_t window, const std::vector<IpNetwork>& nets) {
  // Across a day boundary, so minute, hour and day buckets all split.
  const auto records = random_records(3, 4000, kBeforeMidnight, 120 * kSecond, window);
  Collected c;
  StreamProcessor p(config_with(nets, 20 * kSecond, window), c.sink());
  RollupSums got;
  // Deltas taken at arbitrary points add up to the same rows.
  for (size_t i = 0; i < records.size(); i += 500) {
    p.add(FlowBatch(records).subspan(i, std::min<size_t>(500, records.size() - i)));
    add_delta(p.take_rollups(), got);
  }
  p.finish();
  const RollupDelta rest = p.take_rollups();
  EXPECT_EQ(rest.window_ns, window);
  add_delta(rest, got);
  EXPECT_TRUE(p.take_rollups().empty());

  const RollupSums want = expected_rollups(records, nets, window);
  EXPECT_EQ(got.traffic, want.traffic);
  EXPECT_EQ(got.ports, want.ports);
  EXPECT_EQ(got.hosts, want.hosts);
  std::set<int> resolutions;
  for (const auto& [k, v] : got.hosts) resolutions.insert(std::get<0>(k));
  EXPECT_EQ(resolutions.size(), 4u);
}

TEST(StreamProcessor, RollupsAtEveryResolutionEqualIndependentSums) { check_rollups(kWindow, kNets); }

TEST(StreamProcessor, RollupsAreExactWhenTheWindowDoesNotDivideAMinute) {
  check_rollups(7 * kSecond, kNets);
}

TEST(StreamProcessor, RollupsCountEveryHostAsLocalWithoutLocalNetworks) {
  check_rollups(kWindow, {});
}

TEST(StreamProcessor, CountsBothDirectionsOfAConversationUnderTheServicePort) {
  Collected c;
  StreamProcessor p(config_with({}), c.sink());
  const std::vector<FlowRecord> rs = {
      record(k2019, k2019, "10.0.0.1", "198.51.100.1", 6, 51000, 443, 100),
      record(k2019, k2019, "198.51.100.1", "10.0.0.1", 6, 443, 51000, 1000),
      record(k2019, k2019, "10.0.0.1", "198.51.100.1", 17, 0, 5353, 7),
      record(k2019, k2019, "10.0.0.1", "198.51.100.1", 1, 8, 3, 9),  // ICMP: no ports
  };
  p.add(rs);
  const RollupDelta d = p.take_rollups();
  std::map<std::pair<int, int>, uint64_t> window_bytes;  // (proto, port)
  for (const PortRollup& r : d.ports) {
    if (r.resolution == Resolution::kWindow) window_bytes[{r.ip_proto, r.port}] += r.counters.bytes;
  }
  const std::map<std::pair<int, int>, uint64_t> want = {
      {{6, 443}, 1100}, {{17, 5353}, 7}, {{1, 0}, 9}};
  EXPECT_EQ(window_bytes, want);
}

TEST(StreamProcessor, KeepsOnlyLocalHostsAtWindowAndMinuteButAllAtHourAndDay) {
  Collected c;
  StreamProcessor p(config_with({net("10.0.0.0/8")}), c.sink());
  const FlowRecord r = record(k2019, k2019, "10.0.0.1", "198.51.100.1", 6, 51000, 443, 100);
  p.add({&r, 1});
  std::map<int, std::set<std::pair<std::string, int>>> hosts;  // res -> (host, side)
  for (const HostRollup& h : p.take_rollups().hosts) {
    hosts[static_cast<int>(h.resolution)].insert({h.host.to_string(), static_cast<int>(h.side)});
  }
  const std::set<std::pair<std::string, int>> local_only = {{"10.0.0.1", 1}};
  const std::set<std::pair<std::string, int>> all = {{"10.0.0.1", 1}, {"198.51.100.1", 0}};
  EXPECT_EQ(hosts[0], local_only);
  EXPECT_EQ(hosts[1], local_only);
  EXPECT_EQ(hosts[2], all);
  EXPECT_EQ(hosts[3], all);
}

// ---- direction ----

TEST(StreamProcessor, ComputesDirectionFromLocalNetworksUnlessTheRecordHasOne) {
  StreamProcessor p(config_with({net("10.0.0.0/8"), net("2001:db8::/32")}), nullptr);
  const auto dir = [&p](const char* src, const char* dst) {
    return p.direction_of(record(0, 0, src, dst, 6, 1, 2, 1));
  };
  EXPECT_EQ(dir("198.51.100.1", "10.1.2.3"), Direction::kIn);
  EXPECT_EQ(dir("10.1.2.3", "198.51.100.1"), Direction::kOut);
  EXPECT_EQ(dir("10.1.2.3", "10.9.9.9"), Direction::kLocal);
  EXPECT_EQ(dir("198.51.100.1", "203.0.113.1"), Direction::kTransit);
  EXPECT_EQ(dir("2001:db9::1", "2001:db8::1"), Direction::kIn);
  EXPECT_EQ(dir("11.0.0.1", "2001:db8::1"), Direction::kIn);
  FlowRecord preset = record(0, 0, "198.51.100.1", "10.1.2.3", 6, 1, 2, 1);
  preset.direction = Direction::kOut;
  EXPECT_EQ(p.direction_of(preset), Direction::kOut);

  StreamProcessor none(config_with({}), nullptr);
  EXPECT_EQ(none.direction_of(record(0, 0, "10.0.0.1", "10.0.0.2", 6, 1, 2, 1)),
            Direction::kTransit);
}

TEST(StreamProcessor, SplitsTrafficInAndOutPerLocalNetwork) {
  Collected c;
  StreamProcessor p(config_with({net("10.0.0.0/8"), net("10.1.0.0/16")}), c.sink());
  const std::vector<FlowRecord> rs = {
      record(k2019, k2019, "198.51.100.1", "10.1.0.5", 6, 1, 2, 1),   // in for both
      record(k2019, k2019, "10.2.0.1", "10.1.0.5", 6, 1, 2, 10),      // in for the /16 only
      record(k2019, k2019, "10.1.0.5", "198.51.100.1", 6, 1, 2, 100), // out for both
  };
  p.add(rs);
  p.finish();
  ASSERT_EQ(c.windows.size(), 1u);
  const auto& n = c.windows[0].local_networks;
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].in.bytes, 1u);
  EXPECT_EQ(n[0].out.bytes, 100u);
  EXPECT_EQ(n[1].in.bytes, 11u);
  EXPECT_EQ(n[1].out.bytes, 100u);
  const RollupDelta d = p.take_rollups();
  std::map<int, uint64_t> by_direction;
  for (const TrafficRollup& r : d.traffic) {
    if (r.resolution == Resolution::kWindow) by_direction[static_cast<int>(r.direction)] += r.counters.bytes;
  }
  const std::map<int, uint64_t> want = {{static_cast<int>(Direction::kIn), 1},
                                        {static_cast<int>(Direction::kLocal), 10},
                                        {static_cast<int>(Direction::kOut), 100}};
  EXPECT_EQ(by_direction, want);
}

// ---- JSON ----

TEST(StreamProcessor, WritesTheSummaryAsOneValidJsonObject) {
  Collected c;
  ProcessorConfig config = config_with({net("10.0.0.0/8")});
  StreamProcessor p(config, c.sink());
  const std::vector<FlowRecord> rs = {
      record(k2019 + 1, k2019 + 2, "10.0.0.1", "198.51.100.1", 6, 51000, 443, 1000, 10),
      record(k2019 + 3, k2019 + 4, "198.51.100.1", "10.0.0.1", 17, 53, 40000, 200, 2),
      record(k2019 + 5, k2019 + 6, "2001:db8::1", "2001:db8::2", 58, 0, 0, 80, 1),
  };
  p.add(rs);
  p.finish();
  ASSERT_EQ(c.windows.size(), 1u);
  const std::string json = to_json(c.windows[0]);
  EXPECT_EQ(json.find('\n'), std::string::npos);

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["window_start"]), "2019-03-04T10:00:00Z");
  EXPECT_EQ(std::string_view(doc["window_end"]), "2019-03-04T10:00:10Z");
  EXPECT_EQ(int64_t(doc["window_start_ns"]), k2019);
  EXPECT_EQ(int64_t(doc["window_end_ns"]), k2019 + kWindow);
  EXPECT_EQ(uint64_t(doc["bytes"]), 1280u);
  EXPECT_EQ(uint64_t(doc["packets"]), 13u);
  EXPECT_EQ(uint64_t(doc["flows"]), 3u);
  EXPECT_EQ(uint64_t(doc["active_hosts"]), 4u);
  simdjson::dom::array protocols = doc["protocols"];
  ASSERT_EQ(protocols.size(), 3u);
  EXPECT_EQ(std::string_view(protocols.at(0)["ip_proto"]), "tcp");
  EXPECT_EQ(std::string_view(protocols.at(1)["ip_proto"]), "udp");
  EXPECT_EQ(std::string_view(protocols.at(2)["ip_proto"]), "ipv6-icmp");
  EXPECT_EQ(uint64_t(protocols.at(0)["bytes"]), 1000u);
  EXPECT_EQ(std::string_view(doc["top_src_hosts"].at(0)["ip_src"]), "10.0.0.1");
  EXPECT_EQ(std::string_view(doc["top_dst_hosts"].at(0)["ip_dst"]), "198.51.100.1");
  EXPECT_EQ(uint64_t(doc["top_src_ports"].at(0)["port_src"]), 51000u);
  EXPECT_EQ(uint64_t(doc["top_dst_ports"].at(1)["port_dst"]), 40000u);
  simdjson::dom::object local = doc["local_networks"].at(0);
  EXPECT_EQ(std::string_view(local["network"]), "10.0.0.0/8");
  EXPECT_EQ(uint64_t(local["in_bytes"]), 200u);
  EXPECT_EQ(uint64_t(local["out_bytes"]), 1000u);
  EXPECT_EQ(uint64_t(local["out_packets"]), 10u);
  EXPECT_EQ(uint64_t(local["in_flows"]), 1u);
}

}  // namespace
}  // namespace process
}  // namespace flowlens
