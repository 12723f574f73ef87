#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store/flow_store.h"
#include "store/sqlite/flow_detail.h"

namespace flowlens::store {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 86400 * kSecond;
constexpr int64_t kWindow = 10 * kSecond;
// 2026-11-02 00:00:00 UTC: a Monday, day aligned.
constexpr int64_t kBase = int64_t{1'793'577'600} * kSecond;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "store_test.XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string url(const char* name = "flows.db") const {
    return "sqlite://" + (path_ / "sub" / name).string();
  }
  std::filesystem::path file(const char* name = "flows.db") const { return path_ / "sub" / name; }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<FlowStore> open_store(const std::string& url, int64_t window = kWindow) {
  auto s = FlowStore::open(url, window);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(s).value() : nullptr;
}

IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  const uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::v4(bytes);
}

bool is_local(const IpAddress& a) { return a.family == IpFamily::kV4 && a.bytes[0] == 10; }

uint16_t service_port(const FlowRecord& r) {
  if (r.src_port == 0) return r.dst_port;
  if (r.dst_port == 0) return r.src_port;
  return std::min(r.src_port, r.dst_port);
}

// Deterministic traffic: local hosts 10.0.0.1-6 talk to remote 192.0.2.x and one IPv6
// host, over tcp/udp/icmp with a few service ports. input_if tags each record uniquely.
std::vector<FlowRecord> make_records(size_t n, int64_t from_ns, int64_t span_ns,
                                     uint64_t seed = 1) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
  const uint16_t services[] = {53, 80, 443, 22, 123};
  std::vector<FlowRecord> out(n);
  for (size_t i = 0; i < n; ++i) {
    FlowRecord& r = out[i];
    r.start_ns = from_ns + static_cast<int64_t>(next() % static_cast<uint64_t>(span_ns));
    r.end_ns = r.start_ns + static_cast<int64_t>(next() % 5'000'000'000);
    r.packets = 1 + next() % 50;
    r.bytes = r.packets * (40 + next() % 1400);
    r.flows = 1 + next() % 2;
    const IpAddress local = v4(10, 0, 0, static_cast<uint8_t>(1 + next() % 6));
    const IpAddress remote = next() % 8 == 0 ? IpAddress::v6(v6)
                                             : v4(192, 0, 2, static_cast<uint8_t>(1 + next() % 20));
    const bool outbound = next() % 2 == 0;
    r.src = outbound ? local : remote;
    r.dst = outbound ? remote : local;
    if (next() % 10 == 0) r.dst = v4(10, 0, 0, 9);  // local to local now and then
    const uint64_t p = next() % 10;
    r.ip_proto = p < 6 ? 6 : (p < 9 ? 17 : 1);
    if (r.ip_proto != 1) {
      const uint16_t service = services[next() % 5];
      const auto ephemeral = static_cast<uint16_t>(30000 + next() % 30000);
      r.src_port = outbound ? ephemeral : service;
      r.dst_port = outbound ? service : ephemeral;
    }
    r.direction = is_local(r.src) && is_local(r.dst) ? Direction::kLocal
                  : is_local(r.src)                  ? Direction::kOut
                                                     : Direction::kIn;
    r.input_if = static_cast<uint32_t>(i + 1);
  }
  return out;
}

// The rollup deltas of `records`, computed the slow obvious way (what the stream
// processor does, independently written here). Window and minute host rows only for
// local hosts.
RollupDelta make_delta(const std::vector<FlowRecord>& records, int64_t window = kWindow) {
  std::map<std::tuple<int, int64_t, int, int>, Counters3> traffic;
  std::map<std::tuple<int, int64_t, int, int, int>, Counters3> ports;
  std::map<std::tuple<int, int64_t, IpAddress, int>, Counters3> hosts;
  for (const FlowRecord& r : records) {
    const Counters3 c{r.bytes, r.packets, r.flows};
    for (int res = 0; res < kResolutionCount; ++res) {
      const auto resolution = static_cast<Resolution>(res);
      const int64_t b = bucket_start(r.start_ns, resolution_ns(resolution, window));
      traffic[{res, b, r.ip_proto, static_cast<int>(r.direction)}] += c;
      ports[{res, b, r.ip_proto, service_port(r), static_cast<int>(r.direction)}] += c;
      const bool all_hosts = res >= static_cast<int>(Resolution::kHour);
      if (all_hosts || is_local(r.dst)) hosts[{res, b, r.dst, 0}] += c;
      if (all_hosts || is_local(r.src)) hosts[{res, b, r.src, 1}] += c;
    }
  }
  RollupDelta d;
  d.window_ns = window;
  for (auto& [k, c] : traffic) {
    d.traffic.push_back({static_cast<Resolution>(std::get<0>(k)), std::get<1>(k),
                         static_cast<uint8_t>(std::get<2>(k)),
                         static_cast<Direction>(std::get<3>(k)), c});
  }
  for (auto& [k, c] : ports) {
    d.ports.push_back({static_cast<Resolution>(std::get<0>(k)), std::get<1>(k),
                       static_cast<uint8_t>(std::get<2>(k)), static_cast<uint16_t>(std::get<3>(k)),
                       static_cast<Direction>(std::get<4>(k)), c});
  }
  for (auto& [k, c] : hosts) {
    d.hosts.push_back({static_cast<Resolution>(std::get<0>(k)), std::get<1>(k), std::get<2>(k),
                       static_cast<HostSide>(std::get<3>(k)), c});
  }
  return d;
}

Status write_all(FlowStore& store, const std::vector<FlowRecord>& records) {
  const RollupDelta delta = make_delta(records);
  return store.write({records, &delta, {}});
}

Result<TimeseriesResult> bytes_series(FlowStore& store, int64_t from, int64_t to, int64_t step) {
  return store.timeseries({from, to, step, Metric::kBytes, Dimension::kNone, {}});
}

std::vector<FlowRecord> all_flows(FlowStore& store, FlowSort sort = FlowSort::kStartAsc,
                                  uint32_t limit = kMaxFlowsLimit) {
  std::vector<FlowRecord> out;
  FlowsQuery q;
  q.from_ns = INT64_MIN;
  q.to_ns = INT64_MAX;
  q.sort = sort;
  q.limit = limit;
  for (int page = 0; page < 100'000; ++page) {
    auto r = store.flows(q);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) break;
    out.insert(out.end(), r->flows.begin(), r->flows.end());
    if (r->next_cursor.empty()) break;
    q.cursor = r->next_cursor;
  }
  return out;
}

TEST(SqliteStore, RoundTripsEveryFieldOfAFlow) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  FlowRecord a;
  a.start_ns = kBase + 123'456'789;
  a.end_ns = a.start_ns + 42;
  a.packets = 7;
  a.bytes = (uint64_t{1} << 63) + 5;  // beyond int64: must round trip bit-exactly
  a.flows = 3;
  a.src = v4(10, 1, 2, 3);
  const uint8_t six[16] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  a.dst = IpAddress::v6(six);
  a.exporter = v4(172, 16, 0, 1);
  a.input_if = 0xFFFFFFFF;
  a.output_if = 17;
  a.sampling_rate = 1000;
  a.src_port = 65535;
  a.dst_port = 443;
  a.vlan = 4094;
  a.mac_src = {0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA};
  a.mac_dst = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  a.ip_proto = 6;
  a.tos = 0xB8;
  a.tcp_flags = 0x1B;
  a.src_mask = 24;
  a.dst_mask = 64;
  a.direction = Direction::kOut;
  a.source = SourceKind::kIpfix;
  FlowRecord b;  // every field zero, empty addresses
  b.start_ns = -5;  // before 1970
  const std::vector<FlowRecord> in = {a, b};
  ASSERT_TRUE(store->write({in, nullptr, {}}).ok());

  const auto out = all_flows(*store);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], b);
  EXPECT_EQ(out[1], a);
  EXPECT_TRUE(out[0].src.empty());
  EXPECT_EQ(out[1].dst.family, IpFamily::kV6);
}

TEST(SqliteStore, AddsRollupDeltasAcrossCommits) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  const auto records = make_records(200, kBase, kHour);
  const RollupDelta delta = make_delta(records);
  ASSERT_TRUE(store->write({{}, &delta, {}}).ok());
  ASSERT_TRUE(store->write({{}, &delta, {}}).ok());
  uint64_t bytes = 0;
  for (const auto& r : records) bytes += r.bytes;
  auto s = store->summary(kBase, kBase + kHour);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->totals.bytes, 2 * bytes);
  auto st = store->stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->rollup_rows, delta.traffic.size() + delta.ports.size() + delta.hosts.size());
}

TEST(SqliteStore, HostRowsAddUpWhetherWrittenManyPerStatementOrOneByOne) {
  // 75 hosts per side: two full multi-row statements and a remainder row by row, at
  // window and hour resolution; the second delta overlaps the first in 40 hosts.
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  std::map<IpAddress, std::pair<uint64_t, uint64_t>> expected;
  auto make = [&](int first, int count, uint64_t bytes) {
    RollupDelta d;
    d.window_ns = kWindow;
    for (int h = first; h < first + count; ++h) {
      const IpAddress a = v4(10, 9, static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h));
      for (Resolution res : {Resolution::kWindow, Resolution::kHour}) {
        const int64_t bucket = bucket_start(kBase, resolution_ns(res, kWindow));
        const uint64_t in = bytes + static_cast<uint64_t>(h);
        d.hosts.push_back({res, bucket, a, HostSide::kIn, {in, 1, 1}});
        d.hosts.push_back({res, bucket, a, HostSide::kOut, {2 * bytes, 1, 1}});
      }
      expected[a].first += bytes + static_cast<uint64_t>(h);
      expected[a].second += 2 * bytes;
    }
    return d;
  };
  const RollupDelta a = make(0, 75, 1000);
  const RollupDelta b = make(35, 41, 7);
  ASSERT_TRUE(store->write({{}, &a, {}}).ok());
  ASSERT_TRUE(store->write({{}, &b, {}}).ok());
  // A range not aligned to minutes reads the window rows.
  auto hosts = store->local_hosts({kBase, kBase + kWindow, 200});
  ASSERT_TRUE(hosts.ok()) << hosts.error().message;
  ASSERT_EQ(hosts->size(), expected.size());
  for (const LocalHost& h : *hosts) {
    EXPECT_EQ(h.in_bytes, expected[h.host].first);
    EXPECT_EQ(h.out_bytes, expected[h.host].second);
  }
  auto st = store->stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->rollup_rows, 76u * 2 * 2);
}

TEST(SqliteStore, FailedWriteLeavesNothingBehind) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  const auto records = make_records(100, kBase, kHour);
  const RollupDelta delta = make_delta(records);
  // The flows and rollups go in first; the checkpoint with an empty path then violates
  // the sources table's CHECK, and the whole transaction must roll back.
  const SourceCheckpoint good{"/data/a.pcap", 1, 2, 300, SourceState::kActive, ""};
  const SourceCheckpoint bad{"", 1, 2, 300, SourceState::kActive, ""};
  const std::vector<SourceCheckpoint> checkpoints = {good, bad};
  const Status s = store->write({records, &delta, checkpoints});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("checkpoint"), std::string::npos) << s.error().message;

  auto st = store->stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->flows, 0u);
  EXPECT_EQ(st->rollup_rows, 0u);
  auto cps = store->checkpoints();
  ASSERT_TRUE(cps.ok());
  EXPECT_TRUE(cps->empty());

  // A rollup delta of another window length is refused before anything is written.
  RollupDelta other = delta;
  other.window_ns = 5 * kSecond;
  const Status w = store->write({records, &other, {}});
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("window_ns"), std::string::npos);

  // The store still works afterwards.
  const std::vector<SourceCheckpoint> only_good = {good};
  ASSERT_TRUE(store->write({records, &delta, only_good}).ok());
  EXPECT_EQ(store->stats()->flows, 100u);
}

TEST(SqliteStore, UpsertsCheckpointsByPath) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  std::vector<SourceCheckpoint> cps = {
      {"/d/b.pcap", 1, 10, 100, SourceState::kActive, ""},
      {"/d/a.pcap", uint64_t{1} << 63, 11, 24, SourceState::kFailed, "bad magic at 0"}};
  ASSERT_TRUE(store->write({{}, nullptr, cps}).ok());
  cps[0].offset = 5000;
  cps[0].state = SourceState::kDone;
  ASSERT_TRUE(store->write({{}, nullptr, std::span(cps).first(1)}).ok());
  auto out = store->checkpoints();
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].path, "/d/a.pcap");
  EXPECT_EQ((*out)[0].device, uint64_t{1} << 63);
  EXPECT_EQ((*out)[0].state, SourceState::kFailed);
  EXPECT_EQ((*out)[0].error, "bad magic at 0");
  EXPECT_EQ((*out)[1].offset, 5000u);
  EXPECT_EQ((*out)[1].state, SourceState::kDone);
}

TEST(SqliteStore, TimeseriesEqualsSumsOfTheRecords) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  const int64_t from = kBase;
  const int64_t to = kBase + 6 * kHour;
  const auto records = make_records(3000, from, 6 * kHour);
  ASSERT_TRUE(write_all(*store, records).ok());

  for (int64_t step : {kWindow, 5 * kMinute, kHour, 2 * kHour}) {
    for (Dimension g : {Dimension::kNone, Dimension::kProto, Dimension::kDirection,
                        Dimension::kPort}) {
      std::map<std::string, std::vector<Counters3>> expected;
      const auto points = static_cast<size_t>((to - from) / step);
      if (g == Dimension::kNone) expected[""].resize(points);
      for (const auto& r : records) {
        std::string key;
        if (g == Dimension::kProto) {
          key = r.ip_proto == 6 ? "tcp" : r.ip_proto == 17 ? "udp" : "icmp";
        }
        if (g == Dimension::kDirection) key = std::string(to_string(r.direction));
        if (g == Dimension::kPort) key = std::to_string(service_port(r));
        auto& series = expected[key];
        series.resize(points);
        series[static_cast<size_t>((r.start_ns - from) / step)] += {r.bytes, r.packets, r.flows};
      }
      TimeseriesQuery q{from, to, step, Metric::kBytes, g, {}};
      auto res = store->timeseries(q);
      ASSERT_TRUE(res.ok()) << res.error().message;
      ASSERT_EQ(res->series.size(), expected.size());
      for (const auto& s : res->series) {
        ASSERT_TRUE(expected.count(s.group)) << s.group;
        EXPECT_EQ(s.points, expected[s.group]) << "step " << step << " group " << s.group;
      }
      if (step == kHour) {
        EXPECT_EQ(res->resolution, Resolution::kHour);
      }
      if (step == 5 * kMinute) {
        EXPECT_EQ(res->resolution, Resolution::kMinute);
      }
    }
  }

  // Filters: udp only, and one host's traffic (in + out).
  TimeseriesQuery q{from, to, kHour, Metric::kBytes, Dimension::kNone, {}};
  q.filter.ip_proto = 17;
  std::vector<Counters3> udp(6), host(6);
  const IpAddress h = v4(10, 0, 0, 3);
  for (const auto& r : records) {
    const auto i = static_cast<size_t>((r.start_ns - from) / kHour);
    if (r.ip_proto == 17) udp[i] += {r.bytes, r.packets, r.flows};
    if (r.src == h) host[i] += {r.bytes, r.packets, r.flows};
    if (r.dst == h) host[i] += {r.bytes, r.packets, r.flows};
  }
  auto res = store->timeseries(q);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->series.at(0).points, udp);
  q.filter = {};
  q.filter.host = h;
  res = store->timeseries(q);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->series.at(0).points, host);

  // A host filter cannot be combined with a protocol: named, not answered wrongly.
  q.filter.ip_proto = 6;
  res = store->timeseries(q);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("filter"), std::string::npos);
}

TEST(SqliteStore, HostDailyEqualsSumsOfTheRecords) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  // Five days of traffic, then the query spans seven (two zero days) from mid-day.
  const auto records = make_records(2000, kBase, 5 * kDay);
  ASSERT_TRUE(write_all(*store, records).ok());
  for (const IpAddress& h : {v4(10, 0, 0, 2), v4(192, 0, 2, 5), v4(10, 0, 0, 9)}) {
    std::vector<HostDay> expected(7);
    for (int i = 0; i < 7; ++i) expected[static_cast<size_t>(i)].day_ns = kBase + i * kDay;
    for (const auto& r : records) {
      HostDay& d = expected[static_cast<size_t>((r.start_ns - kBase) / kDay)];
      if (r.dst == h) {
        d.in_bytes += r.bytes;
        d.in_packets += r.packets;
      }
      if (r.src == h) {
        d.out_bytes += r.bytes;
        d.out_packets += r.packets;
      }
    }
    auto res = store->host_daily({h, kBase + kHour, kBase + 7 * kDay});
    ASSERT_TRUE(res.ok()) << res.error().message;
    ASSERT_EQ(res->days.size(), 7u);
    for (size_t i = 0; i < 7; ++i) {
      EXPECT_EQ(res->days[i].day_ns, expected[i].day_ns);
      EXPECT_EQ(res->days[i].in_bytes, expected[i].in_bytes) << h.to_string() << " day " << i;
      EXPECT_EQ(res->days[i].in_packets, expected[i].in_packets);
      EXPECT_EQ(res->days[i].out_bytes, expected[i].out_bytes);
      EXPECT_EQ(res->days[i].out_packets, expected[i].out_packets);
    }
    EXPECT_EQ(res->days[6].in_bytes + res->days[6].out_bytes, 0u);
  }
}

// Expected top list computed from the records: key -> counters, sorted by metric desc
// then key asc.
template <typename KeyOf>
std::vector<TopEntry> expected_top(const std::vector<FlowRecord>& records, int64_t from,
                                   int64_t to, KeyOf key_of, Metric m, size_t limit) {
  std::map<std::string, Counters3> sums;
  for (const auto& r : records) {
    if (r.start_ns >= from && r.start_ns < to) sums[key_of(r)] += {r.bytes, r.packets, r.flows};
  }
  std::vector<TopEntry> out;
  for (auto& [k, c] : sums) out.push_back({k, c});
  auto metric = [m](const Counters3& c) {
    return m == Metric::kBytes ? c.bytes : m == Metric::kPackets ? c.packets : c.flows;
  };
  std::sort(out.begin(), out.end(), [&](const TopEntry& a, const TopEntry& b) {
    return metric(a.counters) != metric(b.counters) ? metric(a.counters) > metric(b.counters)
                                                    : a.key < b.key;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

void expect_same_top(const std::vector<TopEntry>& got, const std::vector<TopEntry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key) << "rank " << i;
    EXPECT_EQ(got[i].counters, want[i].counters) << "rank " << i;
  }
}

TEST(SqliteStore, TopEqualsSumsOfTheRecords) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  const auto records = make_records(3000, kBase, 4 * kHour);
  ASSERT_TRUE(write_all(*store, records).ok());
  auto src = [](const FlowRecord& r) { return r.src.to_string(); };
  auto dst = [](const FlowRecord& r) { return r.dst.to_string(); };
  auto port = [](const FlowRecord& r) { return std::to_string(service_port(r)); };
  auto dport = [](const FlowRecord& r) { return std::to_string(r.dst_port); };

  struct Case {
    Dimension d;
    Metric m;
    int64_t from, to;
    std::function<std::string(const FlowRecord&)> key;
  };
  const std::vector<Case> cases = {
      {Dimension::kSrcHost, Metric::kBytes, kBase, kBase + 3 * kHour, src},     // hour rollups
      {Dimension::kDstHost, Metric::kPackets, kBase, kBase + 4 * kHour, dst},
      {Dimension::kSrcHost, Metric::kFlows, kBase + 7 * kMinute, kBase + 2 * kHour, src},  // raw
      {Dimension::kPort, Metric::kBytes, kBase + kMinute, kBase + 3 * kHour, port},
      {Dimension::kDstPort, Metric::kFlows, kBase, kBase + kHour, dport},
  };
  for (const auto& c : cases) {
    for (uint32_t limit : {1u, 5u, 1000u}) {
      TopQuery q;
      q.dimension = c.d;
      q.metric = c.m;
      q.from_ns = c.from;
      q.to_ns = c.to;
      q.limit = limit;
      auto res = store->top(q);
      ASSERT_TRUE(res.ok()) << res.error().message;
      EXPECT_TRUE(res->exact);
      SCOPED_TRACE(std::string(to_string(c.d)) + " limit " + std::to_string(limit));
      expect_same_top(res->entries, expected_top(records, c.from, c.to, c.key, c.m, limit));
    }
  }
  TopQuery q;
  q.dimension = Dimension::kProto;
  q.from_ns = kBase;
  q.to_ns = kBase + 4 * kHour;
  auto res = store->top(q);
  ASSERT_TRUE(res.ok());
  ASSERT_FALSE(res->entries.empty());
  EXPECT_EQ(res->entries[0].key, "tcp");
}

// Host rollups are merged bucket by bucket in host order, by two scans (ascending and
// descending, on two connections) that meet somewhere: with thousands of hosts of both
// families spread over several buckets and batches, every host must be counted once,
// with its whole sum, on either side of the meeting point. More buckets than the merge
// takes (600 hours) go through the table path, and an unaligned range through raw flows
// (blocks shared out between two threads); both must agree as well.
TEST(SqliteStore, TopOverManyHostsAndBucketsCountsEveryHostOnce) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  uint64_t x = 0x243F6A8885A308D3ull;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::vector<FlowRecord> records;
  for (uint32_t h = 0; h < 6000; ++h) {
    FlowRecord r;
    if (h % 5 == 4) {
      uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8};
      b[14] = static_cast<uint8_t>(h >> 8);
      b[15] = static_cast<uint8_t>(h);
      r.src = IpAddress::v6(b);
    } else {
      r.src = v4(static_cast<uint8_t>(h % 3 == 0 ? 10 : 198), static_cast<uint8_t>(h >> 8),
                 static_cast<uint8_t>(h), static_cast<uint8_t>(h % 7));
    }
    r.dst = v4(192, 0, 2, 1);
    r.ip_proto = 6;
    r.direction = Direction::kIn;
    // Each host in one to three of the first three hours; few distinct sums, many ties.
    for (int hour = 0; hour < 3; ++hour) {
      if (hour > 0 && next() % 2 == 0) continue;
      r.start_ns = kBase + hour * kHour + static_cast<int64_t>(next() % 3600) * kSecond;
      r.end_ns = r.start_ns;
      r.packets = 1 + next() % 3;
      r.bytes = 100 * (1 + next() % 4);
      r.flows = 1;
      records.push_back(r);
    }
  }
  // Late-hour traffic: 600 hours, one flow each, for the table path.
  for (int hour = 3; hour < 603; ++hour) {
    FlowRecord r;
    r.src = v4(10, 9, static_cast<uint8_t>(hour >> 8), static_cast<uint8_t>(hour));
    r.dst = v4(192, 0, 2, 1);
    r.start_ns = r.end_ns = kBase + hour * kHour;
    r.packets = 1;
    r.bytes = static_cast<uint64_t>(hour % 50) * 10;
    r.flows = 1;
    records.push_back(r);
  }
  // Several commits, so the rollup rows are sums of upserts.
  for (size_t begin = 0; begin < records.size(); begin += 4000) {
    const std::vector<FlowRecord> part(records.begin() + static_cast<std::ptrdiff_t>(begin),
                                       records.begin() + static_cast<std::ptrdiff_t>(
                                           std::min(records.size(), begin + 4000)));
    ASSERT_TRUE(write_all(*store, part).ok());
  }
  auto src = [](const FlowRecord& r) { return r.src.to_string(); };
  const std::pair<int64_t, int64_t> ranges[] = {
      {kBase, kBase + 3 * kHour},         // three hour buckets
      {kBase, kBase + kDay},              // one day bucket
      {kBase + kHour, kBase + 2 * kHour}, // one hour bucket
      {kBase, kBase + 603 * kHour},       // 603 hour buckets: the table path
      {kBase + kSecond / 2, kBase + 3 * kHour},  // not aligned: raw flows, many blocks
  };
  for (const auto& [from, to] : ranges) {
    for (Metric m : {Metric::kBytes, Metric::kPackets}) {
      for (uint32_t limit : {1u, 10u, 777u, 10000u}) {
        TopQuery q;
        q.dimension = Dimension::kSrcHost;
        q.metric = m;
        q.from_ns = from;
        q.to_ns = to;
        q.limit = limit;
        auto res = store->top(q);
        ASSERT_TRUE(res.ok()) << res.error().message;
        EXPECT_TRUE(res->exact);
        SCOPED_TRACE(std::to_string((to - from) / kHour) + " h, limit " + std::to_string(limit));
        expect_same_top(res->entries, expected_top(records, from, to, src, m, limit));
      }
    }
  }
}

// Ties at the cut go to the smallest keys in text order ("10.0.0.10" before "10.0.0.9"),
// from host rollups and from raw flows alike.
TEST(SqliteStore, TopBreaksTiesAtTheCutByKeyText) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  std::vector<FlowRecord> records;
  for (int i = 1; i <= 120; ++i) {
    FlowRecord r;
    r.start_ns = kBase + i * kSecond;
    r.end_ns = r.start_ns;
    r.src = v4(10, 0, static_cast<uint8_t>(i / 100), static_cast<uint8_t>(i % 100));
    r.dst = v4(192, 0, 2, 1);
    r.ip_proto = 17;
    r.packets = 1;
    r.bytes = i == 42 ? 500 : 100;  // one host above the tie
    r.flows = 1;
    r.direction = Direction::kOut;
    records.push_back(r);
  }
  ASSERT_TRUE(write_all(*store, records).ok());
  std::vector<std::string> texts;
  for (const auto& r : records) {
    if (r.bytes == 100) texts.push_back(r.src.to_string());
  }
  std::sort(texts.begin(), texts.end());
  for (const auto& [from, to] : {std::pair{kBase, kBase + kHour},                   // rollups
                                 std::pair{kBase + kSecond / 2, kBase + kHour}}) {  // raw
    TopQuery q;
    q.dimension = Dimension::kSrcHost;
    q.from_ns = from;
    q.to_ns = to;
    q.limit = 7;
    auto res = store->top(q);
    ASSERT_TRUE(res.ok()) << res.error().message;
    ASSERT_EQ(res->entries.size(), 7u);
    EXPECT_EQ(res->entries[0].key, "10.0.0.42");
    EXPECT_EQ(res->entries[0].counters.bytes, 500u);
    for (size_t i = 1; i < 7; ++i) {
      EXPECT_EQ(res->entries[i].key, texts[i - 1]) << i;
      EXPECT_EQ(res->entries[i].counters.bytes, 100u);
    }
  }
}

TEST(SqliteStore, CursorPagingVisitsEveryRowExactlyOnce) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  auto records = make_records(500, kBase, kMinute);
  for (size_t i = 0; i < 40; ++i) records[i].start_ns = kBase + 5;  // ties on the sort key
  for (size_t i = 40; i < 80; ++i) records[i].bytes = 1000;
  ASSERT_TRUE(store->write({records, nullptr, {}}).ok());
  for (FlowSort sort : {FlowSort::kStartAsc, FlowSort::kStartDesc, FlowSort::kBytesDesc,
                        FlowSort::kPacketsDesc}) {
    const auto got = all_flows(*store, sort, 7);
    ASSERT_EQ(got.size(), records.size());
    std::set<uint32_t> tags;
    for (const auto& r : got) tags.insert(r.input_if);
    EXPECT_EQ(tags.size(), records.size());
    for (size_t i = 1; i < got.size(); ++i) {
      if (sort == FlowSort::kStartAsc) {
        EXPECT_LE(got[i - 1].start_ns, got[i].start_ns);
      }
      if (sort == FlowSort::kStartDesc) {
        EXPECT_GE(got[i - 1].start_ns, got[i].start_ns);
      }
      if (sort == FlowSort::kBytesDesc) {
        EXPECT_GE(got[i - 1].bytes, got[i].bytes);
      }
      if (sort == FlowSort::kPacketsDesc) {
        EXPECT_GE(got[i - 1].packets, got[i].packets);
      }
    }
  }
  // Filters apply to raw flows literally: port is src or dst port.
  FlowsQuery q;
  q.from_ns = kBase;
  q.to_ns = kBase + kMinute;
  q.filter.port = 443;
  q.filter.src_host = v4(10, 0, 0, 1);
  q.limit = kMaxFlowsLimit;
  auto res = store->flows(q);
  ASSERT_TRUE(res.ok());
  size_t expected = 0;
  for (const auto& r : records) {
    expected += (r.src_port == 443 || r.dst_port == 443) && r.src == v4(10, 0, 0, 1);
  }
  EXPECT_EQ(res->flows.size(), expected);
  EXPECT_GT(expected, 0u);
}

// Raw flows span many blocks and several writes: every sort pages through them in the
// order the contract gives (ids follow each write's records sorted by start time), and
// unaligned totals (read from blocks, whole or decoded at the edges) equal the records'.
TEST(SqliteStore, RawQueriesReadFlowsAcrossManyBlocks) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  struct Stored {
    FlowRecord r;
    int64_t id;
  };
  std::vector<Stored> stored;
  int64_t next_id = 1;
  for (uint64_t w = 0; w < 3; ++w) {
    auto records = make_records(5000 + 1000 * w, kBase, 2 * kHour, 10 + w);
    for (size_t i = 0; i < records.size(); ++i) {
      records[i].input_if = static_cast<uint32_t>(w * 100'000 + i);  // a unique tag
      if (i % 50 == 0) records[i].start_ns = kBase + kHour;          // ties on start time
    }
    ASSERT_TRUE(store->write({records, nullptr, {}}).ok());
    std::vector<FlowRecord> sorted = records;
    std::stable_sort(sorted.begin(), sorted.end(), [](const FlowRecord& a, const FlowRecord& b) {
      return a.start_ns < b.start_ns;
    });
    for (const auto& r : sorted) stored.push_back({r, next_id++});
  }
  auto expect_order = [&](FlowSort sort, auto before) {
    auto expected = stored;
    std::sort(expected.begin(), expected.end(), before);
    const auto got = all_flows(*store, sort, 997);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].input_if, expected[i].r.input_if) << "position " << i;
    }
  };
  expect_order(FlowSort::kStartAsc, [](const Stored& a, const Stored& b) {
    return std::tie(a.r.start_ns, a.id) < std::tie(b.r.start_ns, b.id);
  });
  expect_order(FlowSort::kStartDesc, [](const Stored& a, const Stored& b) {
    return std::tie(a.r.start_ns, a.id) > std::tie(b.r.start_ns, b.id);
  });
  expect_order(FlowSort::kBytesDesc, [](const Stored& a, const Stored& b) {
    return a.r.bytes != b.r.bytes ? a.r.bytes > b.r.bytes : a.id < b.id;
  });
  expect_order(FlowSort::kPacketsDesc, [](const Stored& a, const Stored& b) {
    return a.r.packets != b.r.packets ? a.r.packets > b.r.packets : a.id < b.id;
  });
  for (const auto& [from, to] : {std::pair{kBase + 7 * kSecond, kBase + kHour + 3},
                                 std::pair{kBase - 1, kBase + 2 * kHour + 1},
                                 std::pair{kBase + kHour, kBase + kHour + 1}}) {
    Counters3 want;
    for (const auto& s : stored) {
      if (s.r.start_ns >= from && s.r.start_ns < to) want += {s.r.bytes, s.r.packets, s.r.flows};
    }
    auto got = store->summary(from, to);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->totals, want);
  }
  EXPECT_EQ(store->stats()->flows, stored.size());
}

// Flows tie on bytes and packets: pages follow ids across blocks and writes, also where a
// block's largest flow ties the page's last row (the scan may stop there only when the
// block's ids come after that row's).
TEST(SqliteStore, ByteSortedPagesOfTiedFlowsFollowIdsAcrossBlocks) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  std::vector<FlowRecord> stored;
  for (uint64_t w = 0; w < 2; ++w) {
    auto records = make_records(9000, kBase, kHour, 20 + w);
    for (size_t i = 0; i < records.size(); ++i) {
      // The second write's blocks also hold a few larger flows: they are visited first,
      // then the first write's blocks, whose ids are smaller than the page's last row.
      const bool large = w == 1 && i % 100 == 0;
      records[i].bytes = large ? 200 : 100;
      records[i].packets = large ? 3 : 2;
      records[i].input_if = static_cast<uint32_t>(w * 100'000 + i);
    }
    ASSERT_TRUE(store->write({records, nullptr, {}}).ok());
    std::stable_sort(records.begin(), records.end(), [](const FlowRecord& a, const FlowRecord& b) {
      return a.start_ns < b.start_ns;
    });
    for (const auto& r : records) stored.push_back(r);  // id order
  }
  std::vector<uint32_t> expected;
  for (const auto& r : stored) {
    if (r.bytes == 200) expected.push_back(r.input_if);
  }
  for (const auto& r : stored) {
    if (r.bytes == 100) expected.push_back(r.input_if);
  }
  for (FlowSort sort : {FlowSort::kBytesDesc, FlowSort::kPacketsDesc}) {
    const auto got = all_flows(*store, sort, 333);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].input_if, expected[i]) << i;
  }
}

// Age retention with a cutoff inside blocks: exactly the older flows go, the kept ones
// keep their ids, so a cursor taken before retention pages on without a gap.
TEST(SqliteStore, RetentionInsideABlockKeepsTheNewerFlowsAndTheirCursor) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  auto records = make_records(10'000, kBase, kHour, 3);
  ASSERT_TRUE(store->write({records, nullptr, {}}).ok());
  const int64_t cutoff = kBase + kHour / 3 + 17;
  FlowsQuery q;
  q.from_ns = cutoff;
  q.to_ns = INT64_MAX;
  q.limit = 100;
  auto first = store->flows(q);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_cursor.empty());

  RetentionPolicy policy;
  for (auto& a : policy.max_age_ns) a = 0;
  policy.flows_max_age_ns = 7 * kDay;
  auto report = store->apply_retention(policy, cutoff + 7 * kDay);
  ASSERT_TRUE(report.ok()) << report.error().message;
  std::multiset<uint32_t> kept_tags;
  for (const auto& r : records) {
    if (r.start_ns >= cutoff) kept_tags.insert(r.input_if);
  }
  EXPECT_EQ(report->flows_deleted, records.size() - kept_tags.size());
  EXPECT_EQ(store->stats()->flows, kept_tags.size());
  std::multiset<uint32_t> got;
  for (const auto& r : all_flows(*store)) got.insert(r.input_if);
  EXPECT_EQ(got, kept_tags);

  std::multiset<uint32_t> paged;
  for (const auto& r : first->flows) paged.insert(r.input_if);
  q.cursor = first->next_cursor;
  q.limit = kMaxFlowsLimit;
  for (;;) {
    auto page = store->flows(q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& r : page->flows) paged.insert(r.input_if);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(paged, kept_tags);
}

TEST(SqliteStore, ReturnsErrorsNamingTheFieldForBadRequests) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  auto ts = [&](int64_t from, int64_t to, int64_t step, Dimension g = Dimension::kNone) {
    return store->timeseries({from, to, step, Metric::kBytes, g, {}});
  };
  auto expect_error = [](const auto& r, const char* field) {
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  };
  expect_error(ts(kBase, kBase, kMinute), "from_ns");
  expect_error(ts(kBase, kBase + kHour, 0), "step_ns");
  expect_error(ts(kBase, kBase + kHour, -kMinute), "step_ns");
  expect_error(ts(kBase, kBase + kHour, 7 * kSecond), "step_ns");
  expect_error(ts(INT64_MIN, INT64_MAX, kWindow), "step_ns");
  expect_error(ts(kBase + 1, kBase + kHour, kWindow), "from_ns");
  expect_error(ts(kBase, kBase + kHour, kWindow, Dimension::kSrcHost), "group_by");
  expect_error(store->host_daily({v4(10, 0, 0, 1), kBase, kBase - 1}), "from_ns");
  expect_error(store->host_daily({IpAddress{}, kBase, kBase + kDay}), "host");
  expect_error(store->host_daily({v4(10, 0, 0, 1), INT64_MIN, INT64_MAX}), "to_ns");
  TopQuery t;
  t.from_ns = kBase;
  t.to_ns = kBase + kHour;
  t.limit = 0;
  expect_error(store->top(t), "limit");
  t.limit = 10;
  t.dimension = Dimension::kDirection;
  expect_error(store->top(t), "dimension");
  FlowsQuery f;
  f.from_ns = kBase;
  f.to_ns = kBase + kHour;
  f.limit = kMaxFlowsLimit + 1;
  expect_error(store->flows(f), "limit");
  f.limit = 10;
  for (const char* bad : {"x", "a12", "a12.", "a.5", "b12.5", "a12.5x", "a-3.0", "a1.-1",
                          "a99999999999999999999.1", "'; DROP TABLE flows; --"}) {
    f.cursor = bad;
    expect_error(store->flows(f), "cursor");
  }
  expect_error(store->summary(kBase, kBase), "from_ns");
  expect_error(store->local_hosts({kBase, kBase + 3, 10}), "from_ns");
  // An address given as a filter is bound, never spliced: the table survives.
  EXPECT_TRUE(store->stats().ok());
}

TEST(SqliteStore, RetentionDropsDataOlderThanEachTablesAge) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  const auto old_records = make_records(300, kBase, kHour, 1);
  const auto new_records = make_records(300, kBase + 10 * kDay, kHour, 2);
  ASSERT_TRUE(write_all(*store, old_records).ok());
  ASSERT_TRUE(write_all(*store, new_records).ok());
  const auto before = store->stats();
  ASSERT_TRUE(before.ok());

  RetentionPolicy policy;  // flows 7 days, window 2, minute 30, hour 400, day forever
  auto report = store->apply_retention(policy, kBase + 11 * kDay);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->flows_deleted, 300u);
  const RollupDelta old_delta = make_delta(old_records);
  uint64_t old_window_rows = 0;
  for (const auto& t : old_delta.traffic) old_window_rows += t.resolution == Resolution::kWindow;
  for (const auto& p : old_delta.ports) old_window_rows += p.resolution == Resolution::kWindow;
  for (const auto& h : old_delta.hosts) old_window_rows += h.resolution == Resolution::kWindow;
  EXPECT_EQ(report->rollups_deleted, old_window_rows);
  EXPECT_EQ(store->stats()->flows, 300u);
  // The minute rollups of the old hour still answer.
  uint64_t old_bytes = 0;
  for (const auto& r : old_records) old_bytes += r.bytes;
  auto ts = bytes_series(*store, kBase, kBase + kHour, kHour);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->series.at(0).points.at(0).bytes, old_bytes);
  // Top over the old range now comes from raw flows that are gone: not exact.
  TopQuery t;
  t.from_ns = kBase + kMinute / 2;
  t.to_ns = kBase + 11 * kDay;
  auto top = store->top(t);
  ASSERT_TRUE(top.ok());
  EXPECT_FALSE(top->exact);
}

TEST(SqliteStore, RetentionBySizeDropsOldestRawFlowsFirst) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  // Sorted by start time, as the pipeline delivers them: raw flows are then stored in
  // time order, and dropping the oldest frees whole pages.
  auto records = make_records(20'000, kBase, kHour);
  std::sort(records.begin(), records.end(),
            [](const FlowRecord& a, const FlowRecord& b) { return a.start_ns < b.start_ns; });
  ASSERT_TRUE(write_all(*store, records).ok());
  const auto before = store->stats();
  ASSERT_TRUE(before.ok());
  RetentionPolicy policy;
  policy.flows_max_age_ns = 0;
  for (auto& a : policy.max_age_ns) a = 0;
  policy.max_bytes = before->bytes * 2 / 3;
  auto report = store->apply_retention(policy, kBase);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->bytes_before, before->bytes);
  EXPECT_LE(report->bytes_after, policy.max_bytes);
  EXPECT_GT(report->flows_deleted, 0u);
  EXPECT_LT(report->flows_deleted, records.size());
  EXPECT_EQ(report->rollups_deleted, 0u);  // raw flows sufficed
  // What is left is the newest: every kept flow starts after every dropped one.
  const auto kept = all_flows(*store);
  std::vector<int64_t> starts;
  for (const auto& r : records) starts.push_back(r.start_ns);
  std::sort(starts.begin(), starts.end());
  ASSERT_FALSE(kept.empty());
  EXPECT_GE(kept.front().start_ns, starts[report->flows_deleted - 1]);

  // Then rollups: window and minute go, hour and day stay.
  policy.max_bytes = 1;
  report = store->apply_retention(policy, kBase);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(store->stats()->flows, 0u);
  EXPECT_GT(report->rollups_deleted, 0u);
  auto ts = bytes_series(*store, kBase, kBase + kHour, kHour);
  ASSERT_TRUE(ts.ok());
  uint64_t total = 0;
  for (const auto& r : records) total += r.bytes;
  EXPECT_EQ(ts->series.at(0).points.at(0).bytes, total);
  auto fine = bytes_series(*store, kBase, kBase + kHour, kMinute);
  ASSERT_TRUE(fine.ok());
  for (const auto& p : fine->series.at(0).points) EXPECT_EQ(p.bytes, 0u);
}

TEST(SqliteStore, ReopenKeepsDataAndSchemaVersion) {
  TempDir dir;
  const auto records = make_records(100, kBase, kHour);
  {
    auto store = open_store(dir.url());
    ASSERT_TRUE(store);
    ASSERT_TRUE(write_all(*store, records).ok());
  }
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->stats()->flows, 100u);
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), 3);
  sqlite3_finalize(stmt);
  // A version-1 store (one row per flow in `flows`, no flow counter in meta), as an
  // older build wrote it, is migrated: the counter is computed, the rows become blocks.
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE flow_blocks;"
                         "CREATE TABLE flows(id INTEGER PRIMARY KEY, start_ns INTEGER NOT NULL,"
                         " bytes INTEGER NOT NULL, packets INTEGER NOT NULL,"
                         " flows INTEGER NOT NULL, src BLOB, dst BLOB,"
                         " src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL,"
                         " ip_proto INTEGER NOT NULL, direction INTEGER NOT NULL,"
                         " detail BLOB NOT NULL);"
                         "CREATE INDEX flows_by_start ON flows(start_ns);"
                         "UPDATE meta SET value = 1 WHERE key = 'schema_version';"
                         "DELETE FROM meta WHERE key = 'flow_count'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO flows(start_ns, bytes, packets, flows, src, dst,"
                               " src_port, dst_port, ip_proto, direction, detail)"
                               " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  for (const FlowRecord& r : records) {
    uint8_t detail[sqlite::kFlowDetailMax];
    const size_t detail_size = sqlite::encode_flow_detail(r, detail);
    sqlite3_bind_int64(stmt, 1, r.start_ns);
    sqlite3_bind_int64(stmt, 2, static_cast<int64_t>(r.bytes));
    sqlite3_bind_int64(stmt, 3, static_cast<int64_t>(r.packets));
    sqlite3_bind_int64(stmt, 4, static_cast<int64_t>(r.flows));
    sqlite3_bind_blob(stmt, 5, r.src.bytes.data(), r.src.family == IpFamily::kV4 ? 4 : 16,
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 6, r.dst.bytes.data(), r.dst.family == IpFamily::kV4 ? 4 : 16,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 7, r.src_port);
    sqlite3_bind_int64(stmt, 8, r.dst_port);
    sqlite3_bind_int64(stmt, 9, r.ip_proto);
    sqlite3_bind_int64(stmt, 10, static_cast<int64_t>(r.direction));
    sqlite3_bind_blob(stmt, 11, detail, static_cast<int>(detail_size), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  {
    auto migrated = open_store(dir.url());
    ASSERT_TRUE(migrated);
    EXPECT_EQ(migrated->stats()->flows, 100u);
    EXPECT_EQ(migrated->summary(0, INT64_MAX / 4)->stored_flows, 100u);
    auto expected = records;
    std::stable_sort(expected.begin(), expected.end(), [](const FlowRecord& a, const FlowRecord& b) {
      return a.start_ns < b.start_ns;
    });
    const auto got = all_flows(*migrated);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]) << i;
  }
  // A store from a newer build is refused, not misread.
  ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = 99 WHERE key = 'schema_version'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto newer = FlowStore::open(dir.url(), kWindow);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("schema version 99"), std::string::npos);
}

TEST(SqliteStore, RefusesAWriterWithAnotherWindowLength) {
  TempDir dir;
  ASSERT_TRUE(open_store(dir.url(), 10 * kSecond));
  auto other = FlowStore::open(dir.url(), 5 * kSecond);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("10 s"), std::string::npos) << other.error().message;
  EXPECT_NE(other.error().message.find("5 s"), std::string::npos) << other.error().message;
  auto missing = FlowStore::open(dir.url("missing.db"), 0);  // readers never create
  ASSERT_FALSE(missing.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db")));
  auto reader = FlowStore::open(dir.url(), 0);  // a reader adopts the stored length
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->window_ns(), 10 * kSecond);
}

TEST(SqliteStore, OpenRefusesAnUnknownScheme) {
  auto s = FlowStore::open("mysql://db/flows", kWindow);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("mysql://db/flows"), std::string::npos);
  EXPECT_NE(s.error().message.find("sqlite://"), std::string::npos);
}

TEST(SqliteStore, LocalHostsAndSummaryCoverWhatWasWritten) {
  TempDir dir;
  auto store = open_store(dir.url());
  ASSERT_TRUE(store);
  const auto records = make_records(1000, kBase, kHour);
  ASSERT_TRUE(write_all(*store, records).ok());
  std::map<IpAddress, std::pair<uint64_t, uint64_t>> expected;
  uint64_t bytes = 0;
  for (const auto& r : records) {
    if (is_local(r.dst)) expected[r.dst].first += r.bytes;
    if (is_local(r.src)) expected[r.src].second += r.bytes;
    bytes += r.bytes;
  }
  auto hosts = store->local_hosts({kBase, kBase + kHour, 100});
  ASSERT_TRUE(hosts.ok()) << hosts.error().message;
  ASSERT_EQ(hosts->size(), expected.size());
  for (size_t i = 0; i < hosts->size(); ++i) {
    const LocalHost& h = (*hosts)[i];
    EXPECT_EQ(h.in_bytes, expected[h.host].first);
    EXPECT_EQ(h.out_bytes, expected[h.host].second);
    if (i > 0) {
      EXPECT_GE((*hosts)[i - 1].in_bytes + (*hosts)[i - 1].out_bytes, h.in_bytes + h.out_bytes);
    }
  }
  auto s = store->summary(kBase, kBase + kHour);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->totals.bytes, bytes);
  EXPECT_EQ(s->stored_flows, 1000u);
  auto unaligned = store->summary(kBase + 1, kBase + kHour);  // from raw flows
  ASSERT_TRUE(unaligned.ok());
  uint64_t later = 0;
  for (const auto& r : records) later += r.start_ns >= kBase + 1 ? r.bytes : 0;
  EXPECT_EQ(unaligned->totals.bytes, later);
  EXPECT_GE(s->first_ns, kBase);
  EXPECT_LT(s->last_ns, kBase + kHour + 5 * kSecond);
}

TEST(DefaultTimeseriesStep, GivesAtMost200WholeWindowPoints) {
  EXPECT_EQ(default_timeseries_step(kBase, kBase + 10 * kMinute, kWindow), kWindow);  // 60
  EXPECT_EQ(default_timeseries_step(kBase, kBase + kHour, kWindow), kMinute);         // 60
  EXPECT_EQ(default_timeseries_step(kBase, kBase + kDay, kWindow), kHour);  // 5 min: 288 points
  EXPECT_EQ(default_timeseries_step(kBase, kBase + 30 * kDay, kWindow), kDay);
  EXPECT_EQ(default_timeseries_step(kBase, kBase + 3000 * kDay, kWindow), kDay);  // the coarsest
  // A window that does not divide a minute: steps stay whole windows.
  EXPECT_EQ(default_timeseries_step(kBase, kBase + kHour, 7 * kSecond), 63 * kSecond);
}

TEST(FlowDetail, RefusesBlobsOfAnyOtherShape) {
  FlowRecord r;
  r.end_ns = -7;
  r.exporter = v4(192, 0, 2, 1);
  uint8_t buf[sqlite::kFlowDetailMax];
  const size_t n = sqlite::encode_flow_detail(r, buf);
  EXPECT_EQ(n, sqlite::kFlowDetailFixed + 4);
  FlowRecord back;
  ASSERT_TRUE(sqlite::decode_flow_detail(buf, n, back));
  EXPECT_EQ(back.end_ns, -7);
  EXPECT_EQ(back.exporter, r.exporter);
  FlowRecord untouched;
  EXPECT_FALSE(sqlite::decode_flow_detail(buf, n - 1, untouched));
  EXPECT_FALSE(sqlite::decode_flow_detail(buf, sqlite::kFlowDetailFixed, untouched));
  EXPECT_FALSE(sqlite::decode_flow_detail(nullptr, 0, untouched));
  buf[39] = 5;  // no such family
  EXPECT_FALSE(sqlite::decode_flow_detail(buf, n, untouched));
  EXPECT_TRUE(untouched.exporter.empty());
}

}  // namespace
}  // namespace flowlens::store
