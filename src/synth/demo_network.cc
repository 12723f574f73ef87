#include "synth/demo_network.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstring>
#include <tuple>

#include "synth/event_clock.h"
#include "synth/split_mix64.h"

namespace flowlens::synth {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kHourNs = EventClock::kHourNs;
constexpr int64_t kDayNs = 24 * kHourNs;
constexpr int64_t kNoiseBlockNs = 300 * DemoNetwork::kSecondNs;
// Sessions start in 16 slices of each second, one Bernoulli-ish draw per slice: counts
// vary like a Poisson process's without a logarithm per session.
constexpr int64_t kSubSeconds = 16;
constexpr int64_t kSubSecondNs = DemoNetwork::kSecondNs / kSubSeconds;
constexpr uint64_t kMicro = 1'000'000;
constexpr size_t kEthernetHeader = FrameBuilder::kEthernetHeader;
constexpr uint16_t kFullFrame = 1514;  // a 1500-byte IP packet
constexpr uint32_t kFullIpBytes = kFullFrame - kEthernetHeader;
constexpr uint8_t kPshAck = 0x18;      // the flags FrameBuilder puts on every TCP segment
constexpr size_t kBatchRecords = 1024;  // ~140 KB, so a batch stays in L2 while it is filled
// Offices work Monday to Friday (1970-01-01, epoch day 0, was a Thursday).
constexpr std::array<uint64_t, 7> kWeekdayPermille{1000, 1000, 1000, 1000, 950, 450, 400};
constexpr int64_t kEpochWeekday = 3;
constexpr uint32_t kEphemeralFirst = 32768;
constexpr uint32_t kEphemeralCount = 60999 - 32768 + 1;

enum class Placement : uint8_t { kOutbound, kInbound, kInternal };
enum class Shape : uint8_t { kDownload, kUpload, kExchange };

// One service of the mix. Download/upload sessions move log-uniform bytes in
// [min_bytes, min_bytes << doublings) in full-size packets one way, acknowledged by
// `small_frame` packets (one per two) the other way; exchange sessions trade `count`
// request/reply pairs of `small_frame` / `reply_frame` bytes, one pair per period.
struct Service {
  uint16_t weight;  // permille of sessions
  uint8_t protocol;
  uint16_t port;
  Placement placement;
  Shape shape;
  uint32_t min_bytes = 0;
  uint32_t doublings = 1;
  uint16_t small_frame = 66;  // TCP ACK with timestamps
  uint16_t reply_frame = 0;
  uint16_t min_count = 1;
  uint16_t max_count = 1;
  uint16_t min_period_ms = 1;
  uint16_t max_period_ms = 1;
  uint8_t v6_percent = 0;
  uint16_t pool = 0;        // remote servers offering it; 0 = any remote host
  uint32_t server_host = 0;  // local server (index) of inbound and internal services
};

constexpr auto kOut = Placement::kOutbound;
constexpr auto kDown = Shape::kDownload;
constexpr auto kExchange = Shape::kExchange;

// Weights are shares of sessions; bytes are dominated by web, QUIC video and downloads,
// session counts by DNS, as at an office edge.
constexpr std::array<Service, 14> kServices{{
    {.weight = 430, .protocol = kProtoTcp, .port = 443, .placement = kOut, .shape = kDown,
     .min_bytes = 4096, .doublings = 10, .v6_percent = 25},
    {.weight = 60, .protocol = kProtoUdp, .port = 443, .placement = kOut, .shape = kDown,
     .min_bytes = 16384, .doublings = 11, .small_frame = 80, .v6_percent = 30},
    {.weight = 50, .protocol = kProtoTcp, .port = 80, .placement = kOut, .shape = kDown,
     .min_bytes = 2048, .doublings = 9, .v6_percent = 10},
    {.weight = 35, .protocol = kProtoTcp, .port = 993, .placement = kOut, .shape = kDown,
     .min_bytes = 2048, .doublings = 10, .pool = 6},
    {.weight = 15, .protocol = kProtoTcp, .port = 587, .placement = kOut,
     .shape = Shape::kUpload, .min_bytes = 4096, .doublings = 9, .pool = 2},
    {.weight = 250, .protocol = kProtoUdp, .port = 53, .placement = kOut, .shape = kExchange,
     .small_frame = 80, .reply_frame = 180, .min_count = 1, .max_count = 3,
     .min_period_ms = 20, .max_period_ms = 200, .v6_percent = 20, .pool = 3},
    {.weight = 20, .protocol = kProtoUdp, .port = 123, .placement = kOut, .shape = kExchange,
     .small_frame = 90, .reply_frame = 90, .pool = 4},
    {.weight = 15, .protocol = kProtoIcmp, .port = 0, .placement = kOut, .shape = kExchange,
     .small_frame = 98, .reply_frame = 98, .min_count = 4, .max_count = 10,
     .min_period_ms = 1000, .max_period_ms = 1000, .v6_percent = 10},
    {.weight = 10, .protocol = kProtoTcp, .port = 22, .placement = kOut, .shape = kExchange,
     .small_frame = 90, .reply_frame = 150, .min_count = 60, .max_count = 900,
     .min_period_ms = 200, .max_period_ms = 1000},
    {.weight = 30, .protocol = kProtoTcp, .port = 5228, .placement = kOut, .shape = kExchange,
     .small_frame = 100, .reply_frame = 120, .min_count = 1, .max_count = 4,
     .min_period_ms = 1000, .max_period_ms = 5000, .pool = 12},
    // Host 0 is the office's web and SSH server, host 1 its mail server, host 2 its file
    // server: their replies are the outbound traffic a dashboard should show.
    {.weight = 55, .protocol = kProtoTcp, .port = 443, .placement = Placement::kInbound,
     .shape = kDown, .min_bytes = 8192, .doublings = 10, .server_host = 0},
    {.weight = 5, .protocol = kProtoTcp, .port = 22, .placement = Placement::kInbound,
     .shape = kExchange, .small_frame = 90, .reply_frame = 150, .min_count = 60,
     .max_count = 900, .min_period_ms = 200, .max_period_ms = 1000, .server_host = 0},
    {.weight = 15, .protocol = kProtoTcp, .port = 25, .placement = Placement::kInbound,
     .shape = Shape::kUpload, .min_bytes = 2048, .doublings = 8, .server_host = 1},
    {.weight = 10, .protocol = kProtoTcp, .port = 445, .placement = Placement::kInternal,
     .shape = kDown, .min_bytes = 16384, .doublings = 10, .server_host = 2},
}};

constexpr uint32_t total_weight() {
  uint32_t sum = 0;
  for (const Service& s : kServices) {
    sum += s.weight;
  }
  return sum;
}
static_assert(total_weight() == 1000, "service weights are permille of sessions");

// Longest exchange: the last reply must come before kMaxSessionNs (rtt < 100 ms).
static_assert(int64_t{900} * 1000 * kMs <= DemoNetwork::kMaxSessionNs);

size_t pick_service(uint64_t draw) {
  uint32_t point = static_cast<uint32_t>(draw % 1000);
  for (size_t i = 0; i < kServices.size(); ++i) {
    if (point < kServices[i].weight) {
      return i;
    }
    point -= kServices[i].weight;
  }
  return 0;
}

// Mean IP bytes of one session of `s`, both legs, for the sessions-per-second scale.
double mean_session_bytes(const Service& s) {
  if (s.shape == Shape::kExchange) {
    const double count = (s.min_count + s.max_count) / 2.0;
    return count * static_cast<double>(s.small_frame + s.reply_frame - 2 * kEthernetHeader);
  }
  const double d = s.doublings;
  const double bulk = s.min_bytes * (std::exp2(d) - 1.0) / d * (1.0 + 1023.0 / 2048.0);
  const double packets = bulk / kFullIpBytes + 0.5;
  const auto ack_bytes = static_cast<double>(s.small_frame - kEthernetHeader);
  return packets * kFullIpBytes + packets / 2.0 * ack_bytes;
}

double mean_session_bytes() {
  double sum = 0;
  for (const Service& s : kServices) {
    sum += s.weight * mean_session_bytes(s);
  }
  return sum / total_weight();
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

void store_ipv4(std::array<uint8_t, 16>& out, uint32_t address) {
  out[0] = static_cast<uint8_t>(address >> 24);
  out[1] = static_cast<uint8_t>(address >> 16);
  out[2] = static_cast<uint8_t>(address >> 8);
  out[3] = static_cast<uint8_t>(address);
}

// 2001:db8:0:<subnet>::<host>
void store_ipv6(std::array<uint8_t, 16>& out, uint8_t subnet, uint32_t host) {
  out = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, subnet, 0, 0, 0, 0, 0, 0, 0, 0};
  out[12] = static_cast<uint8_t>(host >> 24);
  out[13] = static_cast<uint8_t>(host >> 16);
  out[14] = static_cast<uint8_t>(host >> 8);
  out[15] = static_cast<uint8_t>(host);
}

FlowSpec reversed(const FlowSpec& spec) {
  FlowSpec r = spec;
  r.src = spec.dst;
  r.dst = spec.src;
  r.src_port = spec.dst_port;
  r.dst_port = spec.src_port;
  r.tcp_isn = spec.tcp_ack;
  r.tcp_ack = spec.tcp_isn;
  return r;
}

IpAddress address_of(const FlowSpec& spec, const std::array<uint8_t, 16>& bytes) {
  return spec.ip_version == 4 ? IpAddress::v4(bytes.data()) : IpAddress::v6(bytes.data());
}

// Packets j of `leg` with a timestamp in [a, b): [lo, hi), empty when lo >= hi.
struct PacketRange {
  int64_t lo = 0;
  int64_t hi = 0;
};

template <typename Leg>
PacketRange packets_in(const Leg& leg, int64_t a, int64_t b) {
  if (leg.packets == 0) {
    return {};
  }
  const int64_t last = leg.first_ns + (int64_t{leg.packets} - 1) * leg.interval_ns;
  if (last < a || leg.first_ns >= b) {
    return {};
  }
  const int64_t lo = a <= leg.first_ns ? 0 : ceil_div(a - leg.first_ns, leg.interval_ns);
  const int64_t hi = b > last ? int64_t{leg.packets} : ceil_div(b - leg.first_ns, leg.interval_ns);
  return {lo, hi};
}

// Grows `frames` by `extra` bytes at once; records of `out` that pointed into the old
// storage are moved along (compared as integers: the old block is already freed).
void grow_keeping_records(std::vector<uint8_t>& frames, std::vector<capture::PacketRecord>& out,
                          size_t extra) {
  const auto old_begin = reinterpret_cast<uintptr_t>(frames.data());
  const size_t old_size = frames.size();
  frames.resize(old_size + extra);
  if (reinterpret_cast<uintptr_t>(frames.data()) == old_begin || old_size == 0) {
    return;
  }
  for (capture::PacketRecord& p : out) {
    const auto at = reinterpret_cast<uintptr_t>(p.data);
    if (at >= old_begin && at < old_begin + old_size) {
      p.data = frames.data() + (at - old_begin);
    }
  }
}

}  // namespace

Result<DemoNetwork> DemoNetwork::create(const DemoNetworkConfig& config) {
  const auto local = IpNetwork::parse(config.local_network);
  if (!local) {
    return Error{"local_network is not a CIDR network: '" + config.local_network + "'"};
  }
  if (local->address.family != IpFamily::kV4) {
    return Error{"local_network must be an IPv4 network (IPv6 sessions use " +
                 std::string(kLocalNetworkV6) + "), got " + config.local_network};
  }
  // Hosts are .10 upwards, below the broadcast address.
  const uint64_t capacity = uint64_t{1} << (32 - local->prefix_len);
  const uint64_t max_hosts = std::min<uint64_t>(capacity > 11 ? capacity - 11 : 0, 1u << 20);
  if (config.local_hosts < 2 || config.local_hosts > max_hosts) {
    return Error{"local_hosts must be between 2 and " + std::to_string(max_hosts) + " for " +
                 config.local_network + ", got " + std::to_string(config.local_hosts)};
  }
  if (config.remote_hosts < 1 || config.remote_hosts > kMaxRemoteHosts) {
    return Error{"remote_hosts must be between 1 and " + std::to_string(kMaxRemoteHosts) +
                 ", got " + std::to_string(config.remote_hosts)};
  }
  const double peak = config.peak_bits_per_second;
  if (!std::isfinite(peak) || peak < kMinPeakBitsPerSecond || peak > kMaxPeakBitsPerSecond) {
    return Error{"peak_bits_per_second must be between 1e4 and 1e9, got " +
                 std::to_string(peak)};
  }
  if (std::abs(config.utc_offset_minutes) > kMaxUtcOffsetMinutes) {
    return Error{"utc_offset_minutes must be within +-" + std::to_string(kMaxUtcOffsetMinutes) +
                 ", got " + std::to_string(config.utc_offset_minutes)};
  }
  const double sessions_per_second = peak / 8.0 / mean_session_bytes();
  const auto micro = static_cast<uint64_t>(std::llround(sessions_per_second * kMicro));
  return DemoNetwork(config, *local, std::max<uint64_t>(micro, 1));
}

DemoNetwork::DemoNetwork(const DemoNetworkConfig& config, IpNetwork local,
                         uint64_t peak_sessions_micro)
    : config_(config),
      local_(local),
      peak_sessions_micro_(peak_sessions_micro),
      key_(SplitMix64::mix(config.seed ^ 0xDE3011E7ull)) {
  const auto& b = local.address.bytes;
  local_base_ = ((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) |
                 uint32_t{b[3]}) + 10;
  remote_offset_key_ = static_cast<uint32_t>(SplitMix64::mix(key_ + 1));
}

std::vector<IpNetwork> DemoNetwork::local_networks() const {
  return {local_, *IpNetwork::parse(kLocalNetworkV6)};
}

uint64_t DemoNetwork::rhythm_permille(int64_t t_ns) const {
  const int64_t local = t_ns + int64_t{config_.utc_offset_minutes} * 60 * kSecondNs;
  // kHourlyPermille[h] is the level at h:30; between two half hours the level moves in a
  // straight line, so charts at 10 s resolution show no steps on the hour.
  const int64_t shifted = local - kHourNs / 2;
  const int64_t hour_index = floor_div(shifted, kHourNs);
  const auto hour = static_cast<size_t>(floor_mod(hour_index, 24));
  const auto into = static_cast<uint64_t>((shifted - hour_index * kHourNs) / kSecondNs);
  const uint64_t level = (EventClock::kHourlyPermille[hour] * (3600 - into) +
                          EventClock::kHourlyPermille[(hour + 1) % 24] * into) /
                         3600;
  const auto weekday = static_cast<size_t>(floor_mod(floor_div(local, kDayNs) + kEpochWeekday, 7));
  const auto block = static_cast<uint64_t>(floor_div(local, kNoiseBlockNs));
  const uint64_t noise = 800 + SplitMix64::mix(key_ ^ (block * 0x9E3779B97F4A7C15ull)) % 400;
  return level * kWeekdayPermille[weekday] * noise / kMicro;
}

void DemoNetwork::sessions_of_second(int64_t second, std::vector<Session>& out) const {
  const int64_t start = second * kSecondNs;
  SplitMix64 rng(SplitMix64::mix(key_ ^ (static_cast<uint64_t>(second) * 0xD1B54A32D192ED03ull)));
  // Expected sessions per sub-second, in millionths.
  const uint64_t expected =
      peak_sessions_micro_ * rhythm_permille(start) / 1000 / static_cast<uint64_t>(kSubSeconds);
  for (int64_t sub = 0; sub < kSubSeconds; ++sub) {
    const uint64_t count = expected / kMicro + (rng.below(kMicro) < expected % kMicro ? 1 : 0);
    for (uint64_t k = 0; k < count; ++k) {
      const int64_t t = start + sub * kSubSecondNs + static_cast<int64_t>(rng.below(kSubSecondNs));
      out.push_back(make_session(t, rng));
    }
  }
}

// Hosts of a session from 64 random bits: 15 for the local client, 15 for the remote
// server, 17 for the IPv6 choice (bits 30+ pick an inbound session's remote client).
void DemoNetwork::set_addresses(FlowSpec& spec, size_t service_index, uint64_t r1) const {
  const Service& s = kServices[service_index];
  const uint64_t u_local = r1 & 0x7FFF;
  const uint64_t u_remote = (r1 >> 15) & 0x7FFF;
  const uint32_t locals = config_.local_hosts;
  const uint32_t remotes = config_.remote_hosts;
  const auto skewed_local = static_cast<uint32_t>((locals * u_local * u_local) >> 30);
  uint32_t remote = 0;
  if (s.placement == Placement::kInbound) {
    remote = static_cast<uint32_t>((r1 >> 30) % remotes);
  } else if (s.pool != 0) {
    const auto pick = static_cast<uint32_t>((s.pool * u_remote * u_remote * u_remote) >> 45);
    remote = static_cast<uint32_t>((service_index * 7919 + pick) % remotes);
  } else {
    remote = static_cast<uint32_t>((remotes * u_remote * u_remote * u_remote) >> 45);
  }
  // An odd multiplier is a bijection modulo 2^17: distinct ids, scattered addresses.
  const uint32_t remote_offset = (remote * 40503u + remote_offset_key_) & (kMaxRemoteHosts - 1);
  const bool v6 = s.placement == Placement::kOutbound && (r1 >> 47) % 100 < s.v6_percent;

  uint32_t client = skewed_local;
  uint32_t server = s.server_host % locals;
  if (s.placement == Placement::kInternal && client == server) {
    client = (client + 1) % locals;
  }

  spec.ip_version = v6 ? 6 : 4;
  spec.protocol = s.protocol == kProtoIcmp && v6 ? kProtoIcmpV6 : s.protocol;
  const auto local_address = [&](std::array<uint8_t, 16>& out, uint32_t host) {
    if (v6) {
      store_ipv6(out, 0x0a, 10 + host);
    } else {
      store_ipv4(out, local_base_ + host);
    }
  };
  const auto remote_address = [&](std::array<uint8_t, 16>& out) {
    if (v6) {
      store_ipv6(out, 0x0b, remote_offset);
    } else {
      store_ipv4(out, 0xC6120000u + remote_offset);  // 198.18.0.0/15
    }
  };
  switch (s.placement) {
    case Placement::kOutbound:
      local_address(spec.src, client);
      remote_address(spec.dst);
      break;
    case Placement::kInbound:
      remote_address(spec.src);
      local_address(spec.dst, server);
      break;
    case Placement::kInternal:
      local_address(spec.src, client);
      local_address(spec.dst, server);
      break;
  }
}

// Draws one session starting at `start_ns`: service, hosts (skewed: u^2 for local
// clients, u^3 for remote servers, so a few of each dominate), ports, then the legs.
DemoNetwork::Session DemoNetwork::make_session(int64_t start_ns, SplitMix64& rng) const {
  const size_t service_index = pick_service(rng.next());
  const Service& s = kServices[service_index];
  const uint64_t r1 = rng.next();
  const uint64_t r2 = rng.next();
  const uint64_t r3 = rng.next();

  Session session;
  FlowSpec& spec = session.spec;
  set_addresses(spec, service_index, r1);
  if (s.protocol == kProtoIcmp) {
    spec.src_port = static_cast<uint16_t>(r2);  // echo identifier
  } else {
    spec.src_port = static_cast<uint16_t>(kEphemeralFirst + (r2 & 0xFFFF) % kEphemeralCount);
    spec.dst_port = s.port;
  }
  if (s.protocol == kProtoTcp) {
    spec.tcp_isn = static_cast<uint32_t>(r2 >> 16);
    spec.tcp_ack = static_cast<uint32_t>(r3 >> 32);
  }

  const int64_t rtt = s.placement == Placement::kInternal
                          ? 200'000 + static_cast<int64_t>(r3 % 800'000)
                          : 5 * kMs + static_cast<int64_t>(r3 % (75 * kMs));
  set_legs(session, service_index, start_ns, rtt, rng.next());
  const size_t min_frame = FrameBuilder::min_frame_size(spec);
  for (Leg& leg : session.legs) {
    leg.frame_size = static_cast<uint16_t>(std::max<size_t>(leg.frame_size, min_frame));
    session.last_ns = std::max(
        session.last_ns, leg.first_ns + (int64_t{leg.packets} - 1) * leg.interval_ns);
  }
  assert(session.last_ns - start_ns < kMaxSessionNs);
  return session;
}

// Bulk sessions: the bulk leg starts one rtt after the request and runs at 2-16 Mbit/s
// (LAN: 50-450 Mbit/s); the other leg starts with the request, then acknowledges every
// second segment. Exchanges: request at start + i * period, reply one rtt later.
void DemoNetwork::set_legs(Session& session, size_t service_index, int64_t start_ns,
                           int64_t rtt, uint64_t r) {
  const Service& s = kServices[service_index];
  Leg& request = session.legs[0];
  Leg& reply = session.legs[1];
  if (s.shape == Shape::kExchange) {
    const uint64_t count = s.min_count + r % (uint64_t{s.max_count} - s.min_count + 1);
    const uint64_t period_ms =
        s.min_period_ms + (r >> 16) % (uint64_t{s.max_period_ms} - s.min_period_ms + 1);
    request = {start_ns, static_cast<int64_t>(period_ms) * kMs, static_cast<uint32_t>(count),
               s.small_frame};
    reply = {start_ns + rtt, request.interval_ns, request.packets, s.reply_frame};
    return;
  }
  const uint64_t shift = r % s.doublings;
  const uint64_t fraction = (r >> 8) % 1024;
  const uint64_t bytes = (uint64_t{s.min_bytes} << shift) * (1024 + fraction) / 1024;
  const uint64_t packets = (bytes + kFullIpBytes - 1) / kFullIpBytes;
  const uint64_t kbps = s.placement == Placement::kInternal ? 50'000 + (r >> 20) % 400'000
                                                             : 2'000 + (r >> 20) % 14'000;
  const auto duration = std::min<int64_t>(static_cast<int64_t>(bytes * 8'000'000 / kbps),
                                          kMaxSessionNs - kSecondNs);
  const int64_t interval = std::max<int64_t>(1, duration / static_cast<int64_t>(packets));
  Leg bulk{start_ns + rtt, interval, static_cast<uint32_t>(packets), kFullFrame};
  Leg acks{start_ns, 2 * interval, static_cast<uint32_t>((packets + 1) / 2), s.small_frame};
  if (s.shape == Shape::kDownload) {
    request = acks;
    reply = bulk;
  } else {
    request = bulk;
    request.first_ns = start_ns;
    reply = acks;
    reply.first_ns = start_ns + rtt;
  }
}

void DemoNetwork::advance(Tracker& tracker, int64_t to_ns) const {
  while (tracker.next_second < floor_div(to_ns - 1, kSecondNs) + 1) {
    sessions_of_second(tracker.next_second, tracker.active);
    ++tracker.next_second;
  }
}

void DemoNetwork::retire(Tracker& tracker, int64_t before_ns) const {
  std::erase_if(tracker.active, [before_ns](const Session& s) { return s.last_ns < before_ns; });
}

void DemoNetwork::history(int64_t from_ns, int64_t to_ns, int64_t window_ns,
                          const RecordSink& sink) const {
  if (from_ns >= to_ns || window_ns <= 0) {
    return;
  }
  Tracker tracker;
  tracker.next_second = floor_div(from_ns - kMaxSessionNs, kSecondNs);
  std::vector<FlowRecord> batch;
  batch.reserve(2 * kBatchRecords);
  // (first packet in the window, session * 2 + leg): sorting these small pairs, not the
  // 150-byte records, keeps a window's records in time order for a few ns each.
  std::vector<std::pair<int64_t, uint32_t>> order;
  FlowRecord prototype;
  prototype.flows = 1;
  prototype.source = SourceKind::kPcap;

  int64_t w = floor_div(from_ns, window_ns) * window_ns;
  while (w < to_ns) {
    const int64_t a = std::max(w, from_ns);
    const int64_t b = to_ns - w <= window_ns ? to_ns : w + window_ns;
    advance(tracker, b);
    order.clear();
    for (size_t i = 0; i < tracker.active.size(); ++i) {
      for (uint32_t leg = 0; leg < 2; ++leg) {
        const Leg& l = tracker.active[i].legs[leg];
        const PacketRange range = packets_in(l, a, b);
        if (range.lo < range.hi) {
          order.emplace_back(l.first_ns + range.lo * l.interval_ns,
                             static_cast<uint32_t>(i * 2 + leg));
        }
      }
    }
    std::sort(order.begin(), order.end());
    for (const auto& [first, index] : order) {
      const Session& session = tracker.active[index / 2];
      const FlowSpec& spec = session.spec;
      const bool forward = index % 2 == 0;
      const Leg& l = session.legs[index % 2];
      const PacketRange range = packets_in(l, a, b);
      // A copy of a prepared record, not value-initialisation: zeroing 144 bytes took
      // `rep stos` and a quarter of the time; the swapped ends are read in place rather
      // than through a reversed FlowSpec (a copy just after narrow stores stalls).
      FlowRecord& r = batch.emplace_back(prototype);
      r.start_ns = first;
      r.end_ns = l.first_ns + (range.hi - 1) * l.interval_ns;
      r.packets = static_cast<uint64_t>(range.hi - range.lo);
      r.bytes = r.packets * (l.frame_size - kEthernetHeader);
      r.src = address_of(spec, forward ? spec.src : spec.dst);
      r.dst = address_of(spec, forward ? spec.dst : spec.src);
      if (spec.protocol == kProtoTcp || spec.protocol == kProtoUdp) {
        r.src_port = forward ? spec.src_port : spec.dst_port;
        r.dst_port = forward ? spec.dst_port : spec.src_port;
      }
      r.ip_proto = spec.protocol;
      r.tcp_flags = spec.protocol == kProtoTcp ? kPshAck : 0;
    }
    retire(tracker, b);
    if (batch.size() >= kBatchRecords) {
      sink(batch);
      batch.clear();
    }
    w = b;
  }
  if (!batch.empty()) {
    sink(batch);
  }
}

void DemoNetwork::live(int64_t from_ns, int64_t to_ns, std::vector<uint8_t>& frames,
                       std::vector<capture::PacketRecord>& out) {
  if (from_ns >= to_ns) {
    return;
  }
  if (!live_started_ || from_ns != live_end_ns_) {
    live_.active.clear();
    live_.next_second = floor_div(from_ns - kMaxSessionNs, kSecondNs);
    live_started_ = true;
  }
  advance(live_, to_ns);

  // (timestamp, session, leg, packet index): sorted, the frames come out in time order.
  std::vector<std::tuple<int64_t, uint32_t, uint32_t, uint32_t>> packets;
  size_t bytes = 0;
  for (size_t i = 0; i < live_.active.size(); ++i) {
    for (uint32_t leg = 0; leg < 2; ++leg) {
      const Leg& l = live_.active[i].legs[leg];
      const PacketRange range = packets_in(l, from_ns, to_ns);
      for (int64_t j = range.lo; j < range.hi; ++j) {
        packets.emplace_back(l.first_ns + j * l.interval_ns, static_cast<uint32_t>(i), leg,
                             static_cast<uint32_t>(j));
      }
      bytes += static_cast<size_t>(std::max<int64_t>(range.hi - range.lo, 0)) * l.frame_size;
    }
  }
  std::sort(packets.begin(), packets.end());

  const size_t old_size = frames.size();
  grow_keeping_records(frames, out, bytes);
  size_t offset = old_size;
  out.reserve(out.size() + packets.size());
  for (const auto& [t, index, leg, j] : packets) {
    const Session& session = live_.active[index];
    const Leg& l = session.legs[leg];
    const FlowSpec wire = leg == 0 ? session.spec : reversed(session.spec);
    const uint32_t payload =
        l.frame_size - static_cast<uint32_t>(FrameBuilder::min_frame_size(wire));
    PacketFields fields;
    fields.ip_id = static_cast<uint16_t>(wire.src_port + j);
    fields.tcp_seq = wire.tcp_isn + j * payload;
    fields.icmp_seq = static_cast<uint16_t>(j);
    builder_.build(wire, fields, l.frame_size, frames.data() + offset);
    capture::PacketRecord& p = out.emplace_back();
    p.data = frames.data() + offset;
    p.caplen = l.frame_size;
    p.wire_len = l.frame_size;
    p.link_type = kLinkEthernet;
    p.ts.sec = floor_div(t, kSecondNs);
    p.ts.nsec = floor_mod(t, kSecondNs);
    offset += l.frame_size;
  }
  retire(live_, to_ns);
  live_end_ns_ = to_ns;
}

}  // namespace flowlens::synth
