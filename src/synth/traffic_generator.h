#pragma once
// TrafficGenerator: writes a deterministic synthetic capture for benchmarks and tests.
//
// Contract:
//   - Packets visit the N flows in a pseudo-random order fixed by the seed, and that
//     order repeats: packet i belongs to flow order[i mod N]. Every flow therefore
//     appears once per N packets, and a file of P >= N packets holds exactly N distinct
//     5-tuples (min(P, N) in general). Flows of 64b and imix are one-directional; demo
//     flows alternate request (even passes) and reply (odd passes), so P >= 2N packets
//     hold 2N directional 5-tuples, N conversations.
//   - Packet i is stamped start + floor(i * 1e9 / rate) ns: a constant event-time rate
//     (demo: the rate follows the hour of day, see event_clock.h).
//   - Frame sizes: 64 bytes (profile 64b), or the IMIX pattern 7 x 64, 4 x 594, 1 x 1518
//     repeated every 12 packets (profile imix); a 64-byte slot of an IPv6 TCP flow is
//     74 bytes, the size of its headers alone. Demo: requests 64-263 bytes, replies by
//     service (web and mail mostly 1514 bytes, DNS/NTP/SSH under 464).
//   - Same config (seed included) -> same bytes, on every platform.
// Cost: one hash per packet to derive the flow, no per-flow state besides the 4-byte
// order entry, so the writer is bound by memory bandwidth and the disk.

#include <cstdint>
#include <functional>
#include <vector>

#include "core/result.h"
#include "synth/flow_catalog.h"
#include "synth/frame_builder.h"
#include "synth/pcap_file_writer.h"
#include "synth/traffic_profile.h"

namespace flowlens::synth {

struct GeneratorConfig {
  static constexpr int64_t kDefaultStartNs = 1'767'225'600'000'000'000;  // 2026-01-01T00:00:00Z

  TrafficProfile profile = TrafficProfile::k64b;
  uint64_t packets = 1'000'000;
  uint32_t flows = 50'000;
  uint64_t seed = 1;
  int64_t start_ns = kDefaultStartNs;  // event time of the first packet
  uint64_t rate_pps = 1'000'000;       // packets per second of event time
  TimestampPrecision precision = TimestampPrecision::kMicro;
};

class TrafficGenerator {
 public:
  static constexpr uint32_t kMaxFlows = uint32_t{1} << 27;  // the order table is 4 B per flow
  static constexpr uint64_t kMaxRate = 1'000'000'000;
  static constexpr int64_t kMaxStartNs = int64_t{0xFFFFFFFF} * 1'000'000'000 / 2;  // 2038+
  static constexpr uint64_t kProgressEvery = uint64_t{1} << 20;

  // Called with the number of packets written so far, every kProgressEvery packets.
  using Progress = std::function<void(uint64_t packets_written)>;

  // Validates the config (flows in [1, kMaxFlows], rate in [1, kMaxRate], start >= 0)
  // and draws the flow order; errors name the offending setting.
  static Result<TrafficGenerator> create(const GeneratorConfig& config);

  const GeneratorConfig& config() const { return config_; }

  // Appends config().packets frames to `writer`. Stops early and returns the writer's
  // error if a write fails; the caller still closes the writer.
  Status write(PcapFileWriter& writer, const Progress& progress = {}) const;

  // The flow of packet `packet_index` (as its client sends it) and the size of a frame
  // carrying `wire` (the flow, or its reverse for a reply). Exposed for tests.
  FlowSpec flow_of_packet(uint64_t packet_index) const;
  size_t frame_size(uint64_t packet_index, const FlowSpec& wire, bool reply) const;

 private:
  explicit TrafficGenerator(const GeneratorConfig& config);
  size_t demo_frame_size(uint64_t packet_index, const FlowSpec& wire, bool reply) const;
  static FlowSpec reversed(const FlowSpec& spec);

  GeneratorConfig config_;
  FlowCatalog catalog_;
  FrameBuilder builder_;
  std::vector<uint32_t> order_;
};

}  // namespace flowlens::synth
