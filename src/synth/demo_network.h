#pragma once
// DemoNetwork: the synthetic office network behind `flowlens run --demo`. It seeds a week
// of history as flow records and then produces live traffic as real Ethernet frames, so
// that a newcomer's first run shows full charts without a capture or a privilege.
//
// Model. Traffic is a set of sessions: one conversation between a client and a server on
// one service (HTTPS, QUIC, HTTP, IMAPS, SMTP, DNS, NTP, SSH, push, ICMP echo, SMB), in
// both directions: the client -> server leg and the server -> client leg, each a train of
// equal-size packets at a fixed interval. Most sessions are local clients talking to
// remote servers (small requests out, larger replies in); some are remote clients of a
// local server (HTTPS, SSH, SMTP: replies go out), a few stay inside the local network
// (SMB). A few remote hosts and local hosts carry most of the traffic (skewed
// popularity); some sessions use IPv6. Sessions start in each second of event time at a
// rate that follows the hour of day (EventClock::kHourlyPermille, interpolated within
// the hour), the weekday (weekends are quieter) and a slow per-5-minute variation, scaled
// so the busiest hour of a weekday averages about `peak_bits_per_second` of IP bytes.
// A session lasts at most kMaxSessionNs.
//
// Contract:
//  - Deterministic: the sessions of one second of event time are a function of (seed,
//    that second) alone, so the same config and the same calls give the same records and
//    the same bytes (integer arithmetic only after create()).
//  - history() and live() describe the same traffic: for any window, history()'s records
//    are exactly what the flow meter makes of live()'s packets cut at that window
//    (same 5-tuples, packets, IP bytes, first and last timestamps). Charts of seeded
//    history and of live traffic therefore join without a seam.
//  - Addresses: local hosts are config.local_network's address + 10 + i (10.1.0.10 ...
//    for the default), and kLocalNetworkV6 ::10 + i for their IPv6 sessions; remote
//    hosts live in 198.18.0.0/15 and 2001:db8:0:b::/64 (benchmarking and documentation
//    ranges, never routed). local_networks() lists both local networks: configure the
//    processor with them so directions come out in / out / local.
//  - Not thread-safe (live() keeps the sessions in progress); history() is const and may
//    run on a copy in another thread.

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/packet_record.h"
#include "core/result.h"
#include "model/flow_record.h"
#include "model/ip_address.h"
#include "synth/flow_spec.h"
#include "synth/frame_builder.h"
#include "synth/split_mix64.h"

namespace flowlens::synth {

struct DemoNetworkConfig {
  uint64_t seed = 1;
  std::string local_network = "10.1.0.0/24";  // IPv4 CIDR the local hosts live in
  uint32_t local_hosts = 12;                  // 2 .. what the network holds above .10
  uint32_t remote_hosts = 5000;               // 1 .. kMaxRemoteHosts
  double peak_bits_per_second = 20e6;         // IP bits/s of the busiest weekday hour
  int32_t utc_offset_minutes = 0;             // the rhythm follows local time at this offset
};

class DemoNetwork {
 public:
  static constexpr int64_t kSecondNs = 1'000'000'000;
  static constexpr int64_t kMaxSessionNs = 900 * kSecondNs;
  static constexpr uint32_t kMaxRemoteHosts = uint32_t{1} << 17;  // 198.18.0.0/15
  static constexpr double kMinPeakBitsPerSecond = 10e3;
  static constexpr double kMaxPeakBitsPerSecond = 1e9;
  static constexpr int32_t kMaxUtcOffsetMinutes = 14 * 60;
  static constexpr std::string_view kLocalNetworkV6 = "2001:db8:0:a::/64";
  // Link type of live() frames (LINKTYPE_ETHERNET).
  static constexpr uint32_t kLinkEthernet = 1;

  // Validates the config; errors name the offending setting.
  static Result<DemoNetwork> create(const DemoNetworkConfig& config);

  const DemoNetworkConfig& config() const { return config_; }
  // The IPv4 network of the config and kLocalNetworkV6.
  std::vector<IpNetwork> local_networks() const;

  using RecordSink = std::function<void(std::span<const FlowRecord>)>;

  // Flow records for event time [from_ns, to_ns), cut at UTC-aligned windows
  // [k * window_ns, (k + 1) * window_ns) as the pipeline cuts them: one record per
  // direction of a session per window it has packets in, start_ns and end_ns the first
  // and last packet inside both the window and the range. Fields: addresses, ports (0 for
  // ICMP), protocol, packets, IP bytes, flows = 1, tcp_flags as on the frames (PSH|ACK),
  // source kPcap, direction kUnknown (the processor derives it, as for live traffic).
  // Records reach `sink` window after window, sorted by start_ns within a window, in
  // batches of whole windows (about 1000 records; one window's records are never split).
  // Nothing is emitted when from_ns >= to_ns or window_ns <= 0. Cost: ~0.2-0.3 µs per
  // record; a week at 10 s windows and the default peak is 3.4 M records, ~0.9 s.
  void history(int64_t from_ns, int64_t to_ns, int64_t window_ns, const RecordSink& sink) const;

  // Appends the frames of every packet stamped in [from_ns, to_ns), in timestamp order,
  // to `frames` (their bytes, back to back) and `out` (one PacketRecord each, link type
  // Ethernet, caplen = wire_len = frame size, pointing into `frames`). Records appended
  // earlier to `out` that point into `frames` are re-pointed if `frames` grows into new
  // storage, so both vectors may be kept across calls; any other pointer into `frames`
  // is invalidated. Consecutive slices (from_ns == the previous to_ns) continue the
  // sessions in progress cheaply; any other slice rebuilds them (same output, costs up to
  // kMaxSessionNs of session generation, a few ms). At the default peak the busiest hour
  // carries about 3,000 packets per second of event time; a slice's frames are built at
  // once, so keep slices short (the pipeline asks for ~100 ms at a time).
  void live(int64_t from_ns, int64_t to_ns, std::vector<uint8_t>& frames,
            std::vector<capture::PacketRecord>& out);

 private:
  // One leg of a session: `packets` frames of `frame_size` bytes (IP bytes = frame_size
  // - 14) at first_ns + j * interval_ns, j in [0, packets).
  struct Leg {
    int64_t first_ns = 0;
    int64_t interval_ns = 1;
    uint32_t packets = 0;
    uint16_t frame_size = 0;
  };
  // One conversation; legs[0] carries `spec` (client -> server), legs[1] its reverse.
  struct Session {
    int64_t last_ns = 0;  // timestamp of the session's last packet
    FlowSpec spec;
    std::array<Leg, 2> legs;
  };
  // The sessions in progress over a stretch of event time, generated second by second.
  struct Tracker {
    int64_t next_second = 0;  // first second whose sessions are not generated yet
    std::vector<Session> active;
  };

  DemoNetwork(const DemoNetworkConfig& config, IpNetwork local, uint64_t peak_sessions_micro);

  // Generates the sessions of every second that starts before `to_ns`.
  void advance(Tracker& tracker, int64_t to_ns) const;
  void retire(Tracker& tracker, int64_t before_ns) const;
  void sessions_of_second(int64_t second, std::vector<Session>& out) const;
  Session make_session(int64_t start_ns, SplitMix64& rng) const;
  void set_addresses(FlowSpec& spec, size_t service_index, uint64_t r1) const;
  static void set_legs(Session& session, size_t service_index, int64_t start_ns, int64_t rtt,
                       uint64_t r);
  // Traffic level at `t_ns` in permille of the busiest weekday hour.
  uint64_t rhythm_permille(int64_t t_ns) const;

  DemoNetworkConfig config_;
  IpNetwork local_;
  uint32_t local_base_ = 0;  // host-order IPv4 address of local host 0
  uint32_t remote_offset_key_ = 0;
  uint64_t peak_sessions_micro_ = 0;  // sessions started per 10^6 s at the peak
  uint64_t key_ = 0;
  FrameBuilder builder_;
  Tracker live_;
  int64_t live_end_ns_ = 0;
  bool live_started_ = false;
};

}  // namespace flowlens::synth
