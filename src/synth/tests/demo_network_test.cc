#include "synth/demo_network.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "decode/packet/packet_decoder.h"

namespace flowlens::synth {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWindow = 10 * kSecond;
// 2026-01-07T00:00:00Z, a Wednesday.
constexpr int64_t kWednesday = 1'767'225'600 * kSecond + 6 * kDay;

DemoNetwork make(const DemoNetworkConfig& config = {}) {
  auto network = DemoNetwork::create(config);
  EXPECT_TRUE(network.ok()) << network.error().message;
  return std::move(*network);
}

std::vector<FlowRecord> history(const DemoNetwork& network, int64_t from, int64_t to,
                                int64_t window = kWindow) {
  std::vector<FlowRecord> records;
  network.history(from, to, window, [&records](std::span<const FlowRecord> batch) {
    EXPECT_FALSE(batch.empty());
    records.insert(records.end(), batch.begin(), batch.end());
  });
  return records;
}

auto fields(const FlowRecord& r) {
  return std::tie(r.start_ns, r.end_ns, r.packets, r.bytes, r.flows, r.src, r.dst, r.src_port,
                  r.dst_port, r.ip_proto, r.tcp_flags, r.direction, r.source);
}

// Per (window, 5-tuple): packets, IP bytes, first and last timestamp.
using FlowKey = std::tuple<int64_t, IpAddress, IpAddress, uint16_t, uint16_t, uint8_t>;
struct Totals {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int64_t first = INT64_MAX;
  int64_t last = INT64_MIN;
  friend bool operator==(const Totals&, const Totals&) = default;
};
using FlowTotals = std::map<FlowKey, Totals>;

int64_t window_of(int64_t t) { return t / kWindow * kWindow; }

FlowTotals totals_of(const std::vector<FlowRecord>& records) {
  FlowTotals totals;
  for (const FlowRecord& r : records) {
    Totals& t = totals[{window_of(r.start_ns), r.src, r.dst, r.src_port, r.dst_port, r.ip_proto}];
    EXPECT_EQ(t.packets, 0u) << "two records for one 5-tuple in one window";
    t = {r.packets, r.bytes, r.start_ns, r.end_ns};
  }
  return totals;
}

// Generates live traffic over [from, to) in `slice` steps, decodes every frame (checking
// it is Ethernet/IP stamped inside its slice) and sums it per window and 5-tuple.
FlowTotals live_totals(DemoNetwork& network, int64_t from, int64_t to, int64_t slice) {
  FlowTotals totals;
  decode::PacketDecoder decoder;
  std::vector<uint8_t> frames;
  std::vector<capture::PacketRecord> packets;
  for (int64_t a = from; a < to; a += slice) {
    const int64_t b = std::min(a + slice, to);
    frames.clear();
    packets.clear();
    network.live(a, b, frames, packets);
    int64_t previous = a;
    for (const capture::PacketRecord& p : packets) {
      const int64_t t = p.time_ns();
      EXPECT_GE(t, previous);
      EXPECT_LT(t, b);
      previous = t;
      EXPECT_EQ(p.link_type, 1u);
      EXPECT_EQ(p.caplen, p.wire_len);
      decode::DecodedPacket d;
      const auto status = decoder.decode(p.link_type, {p.data, p.caplen}, d);
      EXPECT_EQ(status, decode::DecodeStatus::kIp);
      EXPECT_EQ(d.ip_length + 14, p.caplen);
      Totals& total = totals[{window_of(t), d.src, d.dst, d.has_ports ? d.src_port : uint16_t{0},
                              d.has_ports ? d.dst_port : uint16_t{0}, d.ip_proto}];
      total.packets += 1;
      total.bytes += d.ip_length;
      total.first = std::min(total.first, t);
      total.last = std::max(total.last, t);
    }
  }
  return totals;
}

TEST(DemoNetwork, RejectsBadSettingsWithAMessageNamingThem) {
  const auto error_of = [](DemoNetworkConfig config) {
    auto network = DemoNetwork::create(config);
    EXPECT_FALSE(network.ok());
    return network.ok() ? std::string() : network.error().message;
  };
  DemoNetworkConfig c;
  c.local_network = "10.1.0.0/33";
  EXPECT_NE(error_of(c).find("local_network"), std::string::npos);
  c.local_network = "2001:db8::/64";
  EXPECT_NE(error_of(c).find("local_network"), std::string::npos);
  c = {};
  c.local_hosts = 1;
  EXPECT_NE(error_of(c).find("local_hosts"), std::string::npos);
  c.local_hosts = 250;  // a /24 holds .10 to .254
  EXPECT_NE(error_of(c).find("local_hosts"), std::string::npos);
  c = {};
  c.remote_hosts = 0;
  EXPECT_NE(error_of(c).find("remote_hosts"), std::string::npos);
  c = {};
  c.peak_bits_per_second = std::nan("");
  EXPECT_NE(error_of(c).find("peak_bits_per_second"), std::string::npos);
  c.peak_bits_per_second = 0;
  EXPECT_NE(error_of(c).find("peak_bits_per_second"), std::string::npos);
  c = {};
  c.utc_offset_minutes = 15 * 60;
  EXPECT_NE(error_of(c).find("utc_offset_minutes"), std::string::npos);
  c = {};
  c.local_hosts = 244;
  EXPECT_TRUE(DemoNetwork::create(c).ok());
}

TEST(DemoNetwork, SameConfigAndCallsGiveTheSameRecordsAndFrames) {
  const DemoNetwork a = make();
  const DemoNetwork b = make();
  const auto ra = history(a, kWednesday + 9 * kHour, kWednesday + 10 * kHour);
  const auto rb = history(b, kWednesday + 9 * kHour, kWednesday + 10 * kHour);
  ASSERT_EQ(ra.size(), rb.size());
  ASSERT_GT(ra.size(), 1000u);
  for (size_t i = 0; i < ra.size(); ++i) {
    ASSERT_EQ(fields(ra[i]), fields(rb[i])) << i;
  }

  DemoNetwork la = make();
  DemoNetwork lb = make();
  std::vector<uint8_t> fa, fb;
  std::vector<capture::PacketRecord> pa, pb;
  la.live(kWednesday + 9 * kHour, kWednesday + 9 * kHour + kSecond, fa, pa);
  lb.live(kWednesday + 9 * kHour, kWednesday + 9 * kHour + kSecond, fb, pb);
  EXPECT_GT(pa.size(), 100u);
  EXPECT_EQ(fa, fb);
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].time_ns(), pb[i].time_ns());
  }

  DemoNetworkConfig other;
  other.seed = 2;
  const auto rc = history(make(other), kWednesday + 9 * kHour, kWednesday + 10 * kHour);
  EXPECT_FALSE(ra.size() == rc.size() && fields(ra[0]) == fields(rc[0]));
}

TEST(DemoNetwork, HistoryCoversExactlyTheRangeWithEachRecordInsideOneWindow) {
  const DemoNetwork network = make();
  const int64_t from = kWednesday + 3 * kHour + 3'700'000'000;  // not on a window edge
  const int64_t to = kWednesday + 5 * kHour + 1'300'000'000;
  const auto records = history(network, from, to);
  ASSERT_FALSE(records.empty());
  int64_t previous = from;
  for (const FlowRecord& r : records) {
    ASSERT_GE(r.start_ns, from);
    ASSERT_LE(r.start_ns, r.end_ns);
    ASSERT_LT(r.end_ns, to);
    ASSERT_EQ(window_of(r.start_ns), window_of(r.end_ns));
    ASSERT_GE(r.start_ns, previous) << "records come in time order";
    previous = r.start_ns;
    ASSERT_GE(r.packets, 1u);
    ASSERT_GE(r.bytes, r.packets * 28);
    EXPECT_EQ(r.flows, 1u);
    EXPECT_EQ(r.source, SourceKind::kPcap);
  }
  EXPECT_EQ(window_of(records.front().start_ns), window_of(from));
  EXPECT_EQ(window_of(records.back().start_ns), window_of(to - 1));

  // Cutting the range anywhere moves no packet and no byte.
  const int64_t middle = from + 4321 * kSecond + 123;
  auto parts = history(network, from, middle);
  const auto rest = history(network, middle, to);
  parts.insert(parts.end(), rest.begin(), rest.end());
  const auto sum = [](const std::vector<FlowRecord>& rs) {
    std::pair<uint64_t, uint64_t> s{0, 0};
    for (const FlowRecord& r : rs) {
      s.first += r.packets;
      s.second += r.bytes;
    }
    return s;
  };
  EXPECT_EQ(sum(parts), sum(records));
  EXPECT_TRUE(history(network, to, from).empty());
  EXPECT_TRUE(history(network, from, to, 0).empty());
}

TEST(DemoNetwork, BusyAfternoonsCarryTheConfiguredPeakAndNightsAreQuiet) {
  const DemoNetworkConfig config;
  const DemoNetwork network = make(config);
  std::array<uint64_t, 24> bytes{};
  network.history(kWednesday, kWednesday + kDay, kWindow, [&](std::span<const FlowRecord> rs) {
    for (const FlowRecord& r : rs) {
      bytes[static_cast<size_t>((r.start_ns - kWednesday) / kHour)] += r.bytes;
    }
  });
  const uint64_t busiest = *std::max_element(bytes.begin(), bytes.end());
  const uint64_t quietest = *std::min_element(bytes.begin(), bytes.end());
  EXPECT_GT(busiest, 3 * quietest);
  EXPECT_GT(bytes[14], bytes[3] * 3);
  const double peak_bps = static_cast<double>(busiest) * 8 / 3600;
  EXPECT_GT(peak_bps, 0.6 * config.peak_bits_per_second);
  EXPECT_LT(peak_bps, 1.4 * config.peak_bits_per_second);

  // Saturday afternoon is quieter than Wednesday's.
  uint64_t saturday = 0;
  network.history(kWednesday + 3 * kDay + 14 * kHour, kWednesday + 3 * kDay + 15 * kHour,
                  kWindow, [&](std::span<const FlowRecord> rs) {
                    for (const FlowRecord& r : rs) saturday += r.bytes;
                  });
  EXPECT_LT(saturday, bytes[14] * 3 / 4);
}

TEST(DemoNetwork, LocalHostsSendAndReceiveOnTheUsualServices) {
  const DemoNetwork network = make();
  const auto locals = network.local_networks();
  ASSERT_EQ(locals.size(), 2u);
  const auto is_local = [&locals](const IpAddress& a) {
    return std::any_of(locals.begin(), locals.end(),
                       [&a](const IpNetwork& n) { return n.contains(a); });
  };
  uint64_t in = 0;
  uint64_t out = 0;
  uint64_t internal = 0;
  uint64_t ipv6 = 0;
  std::set<IpAddress> local_senders;
  std::set<IpAddress> local_receivers;
  std::set<IpAddress> remotes;
  std::set<std::pair<uint8_t, uint16_t>> services;
  for (const FlowRecord& r : history(network, kWednesday + 8 * kHour, kWednesday + 12 * kHour)) {
    const bool src_local = is_local(r.src);
    const bool dst_local = is_local(r.dst);
    if (src_local && dst_local) {
      internal += r.bytes;
      services.insert({r.ip_proto, r.dst_port});
    } else if (src_local) {
      out += r.bytes;
      local_senders.insert(r.src);
      remotes.insert(r.dst);
      services.insert({r.ip_proto, r.dst_port});
    } else {
      ASSERT_TRUE(dst_local) << "every session has a local end";
      in += r.bytes;
      local_receivers.insert(r.dst);
      services.insert({r.ip_proto, r.dst_port});
    }
    ipv6 += r.src.family == IpFamily::kV6 ? 1 : 0;
  }
  EXPECT_GT(in, 2 * out) << "replies are larger than requests";
  EXPECT_GT(out, 0u);
  EXPECT_GT(internal, 0u);
  EXPECT_LT(internal, (in + out) / 10) << "a little local-to-local traffic";
  EXPECT_GT(ipv6, 0u);
  EXPECT_GT(remotes.size(), 500u);
  // Every local host both sends and receives, over IPv4 at least.
  for (uint32_t i = 0; i < network.config().local_hosts; ++i) {
    const auto host = *IpAddress::parse("10.1.0." + std::to_string(10 + i));
    EXPECT_TRUE(local_senders.count(host)) << host.to_string();
    EXPECT_TRUE(local_receivers.count(host)) << host.to_string();
  }
  for (const auto& service : std::vector<std::pair<uint8_t, uint16_t>>{
           {6, 443}, {17, 443}, {6, 80}, {17, 53}, {17, 123}, {6, 22}, {6, 25}, {6, 993},
           {6, 587}, {6, 445}, {1, 0}}) {
    EXPECT_TRUE(services.count(service))
        << "protocol " << int{service.first} << " port " << service.second;
  }
}

TEST(DemoNetwork, LiveFramesAreExactlyWhatHistoryRecordsPerWindow) {
  DemoNetwork network = make();
  const int64_t from = kWednesday + 14 * kHour + 1'234'567;
  const int64_t to = from + 3 * kMinute;
  const FlowTotals live = live_totals(network, from, to, 100'000'000);
  const FlowTotals recorded = totals_of(history(make(), from, to));
  ASSERT_GT(live.size(), 100u);
  EXPECT_EQ(live.size(), recorded.size());
  size_t mismatches = 0;
  for (const auto& [key, totals] : recorded) {
    const auto it = live.find(key);
    if (it == live.end() || !(it->second == totals)) {
      ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(DemoNetwork, LiveBytesPerHourFollowHistory) {
  DemoNetworkConfig config;
  config.peak_bits_per_second = 1e6;  // keeps an hour of frames small for the test
  for (const int64_t hour : {3, 15}) {
    DemoNetwork network = make(config);
    const int64_t from = kWednesday + hour * kHour;
    uint64_t live_bytes = 0;
    for (const auto& [key, totals] : live_totals(network, from, from + kHour, kWindow)) {
      live_bytes += totals.bytes;
    }
    uint64_t history_bytes = 0;
    for (const FlowRecord& r : history(network, from, from + kHour)) {
      history_bytes += r.bytes;
    }
    EXPECT_GT(live_bytes, 0u);
    EXPECT_LT(live_bytes, 2 * history_bytes) << "hour " << hour;
    EXPECT_GT(2 * live_bytes, history_bytes) << "hour " << hour;
  }
}

TEST(DemoNetwork, LiveKeepsEarlierRecordsValidAndAnySliceOrderGivesTheSameFrames) {
  const int64_t t = kWednesday + 10 * kHour;
  DemoNetwork appended = make();
  std::vector<uint8_t> frames;
  std::vector<capture::PacketRecord> packets;
  for (int i = 0; i < 20; ++i) {
    appended.live(t + i * 100'000'000, t + (i + 1) * 100'000'000, frames, packets);
  }
  ASSERT_GT(packets.size(), 100u);

  // One fresh call per slice, out of order: every slice rebuilds the same sessions.
  DemoNetwork fresh = make();
  std::vector<uint8_t> expected;
  std::vector<capture::PacketRecord> expected_packets;
  for (int i = 19; i >= 0; --i) {
    std::vector<uint8_t> f;
    std::vector<capture::PacketRecord> p;
    fresh.live(t + i * 100'000'000, t + (i + 1) * 100'000'000, f, p);
    for (auto it = p.rbegin(); it != p.rend(); ++it) {
      expected_packets.push_back(*it);
      expected.insert(expected.end(), it->data, it->data + it->caplen);
    }
  }
  std::reverse(expected_packets.begin(), expected_packets.end());
  ASSERT_EQ(packets.size(), expected_packets.size());
  std::vector<uint8_t> seen;
  for (auto it = packets.rbegin(); it != packets.rend(); ++it) {
    ASSERT_GE(it->data, frames.data());
    ASSERT_LE(it->data + it->caplen, frames.data() + frames.size());
    seen.insert(seen.end(), it->data, it->data + it->caplen);
  }
  EXPECT_EQ(seen, expected);
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(packets[i].time_ns(), expected_packets[i].time_ns());
  }
}

TEST(DemoNetwork, LivePacketRateStaysLightAtThePeak) {
  DemoNetwork network = make();
  const int64_t from = kWednesday + 14 * kHour + 30 * kMinute;
  std::vector<uint8_t> frames;
  std::vector<capture::PacketRecord> packets;
  size_t most = 0;
  size_t total = 0;
  for (int i = 0; i < 60; ++i) {
    frames.clear();
    packets.clear();
    network.live(from + i * kSecond, from + (i + 1) * kSecond, frames, packets);
    most = std::max(most, packets.size());
    total += packets.size();
  }
  EXPECT_GT(total / 60, 500u);
  EXPECT_LT(total / 60, 5000u) << "packets per second of event time";
  EXPECT_LT(most, 20000u);
}

}  // namespace
}  // namespace flowlens::synth
