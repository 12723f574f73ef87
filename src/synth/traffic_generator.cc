#include "synth/traffic_generator.h"

#include <algorithm>
#include <array>
#include <string>

#include "synth/event_clock.h"
#include "synth/split_mix64.h"

namespace flowlens::synth {
namespace {

// Simple IMIX, 7:4:1, interleaved so that every window of 12 packets has the mix.
constexpr std::array<uint16_t, 12> kImixPattern{64, 594, 64, 64, 1518, 64,
                                                594, 64, 64, 594, 64, 594};
constexpr uint32_t kSmallFrame = 64;
// TCP sequence numbers advance by a typical MSS per visit of the flow: plausible to a
// reader, and computable without per-flow state.
constexpr uint32_t kSequenceStride = 1448;

}  // namespace

Result<TrafficGenerator> TrafficGenerator::create(const GeneratorConfig& config) {
  if (config.flows == 0 || config.flows > kMaxFlows) {
    return Error{"flows must be between 1 and " + std::to_string(kMaxFlows) + ", got " +
                 std::to_string(config.flows)};
  }
  if (config.rate_pps == 0 || config.rate_pps > kMaxRate) {
    return Error{"rate must be between 1 and " + std::to_string(kMaxRate) +
                 " packets/s, got " + std::to_string(config.rate_pps)};
  }
  if (config.start_ns < 0 || config.start_ns > kMaxStartNs) {
    return Error{"start time must lie between 1970 and 2038 (pcap keeps 32-bit seconds)"};
  }
  return TrafficGenerator(config);
}

TrafficGenerator::TrafficGenerator(const GeneratorConfig& config)
    : config_(config), catalog_(config.profile, config.seed), order_(config.flows) {
  for (uint32_t i = 0; i < config.flows; ++i) {
    order_[i] = i;
  }
  // Fisher-Yates with our own generator: std::shuffle's algorithm is unspecified and
  // would make files differ between standard libraries.
  SplitMix64 rng(SplitMix64::mix(config.seed ^ 0x5EED0003ull));
  for (uint32_t i = config.flows - 1; i > 0; --i) {
    const auto j = static_cast<uint32_t>(rng.below(uint64_t{i} + 1));
    std::swap(order_[i], order_[j]);
  }
}

FlowSpec TrafficGenerator::flow_of_packet(uint64_t packet_index) const {
  return catalog_.flow(order_[packet_index % order_.size()]);
}

size_t TrafficGenerator::frame_size(uint64_t packet_index, const FlowSpec& wire,
                                    bool reply) const {
  size_t nominal = kSmallFrame;
  if (config_.profile == TrafficProfile::kImix) {
    nominal = kImixPattern[packet_index % kImixPattern.size()];
  } else if (config_.profile == TrafficProfile::kDemo) {
    nominal = demo_frame_size(packet_index, wire, reply);
  }
  return std::max(nominal, FrameBuilder::min_frame_size(wire));
}

// Requests are small; replies of web, mail and QUIC services mostly fill the MTU, the
// rest (DNS, NTP, SSH keystrokes, STUN) stay small. Deterministic per packet index.
size_t TrafficGenerator::demo_frame_size(uint64_t packet_index, const FlowSpec& wire,
                                         bool reply) const {
  const uint64_t x = SplitMix64::mix(config_.seed ^ (packet_index * 0x9E3779B97F4A7C15ull));
  if (!reply) {
    return 64 + x % 200;
  }
  const uint16_t service = wire.src_port;
  const bool bulk = service == 443 || service == 80 || service == 993 || service == 8443 ||
                    service == 5228;
  if (bulk && x % 100 < 75) {
    return FrameBuilder::kMaxFrame - 4;  // 1514: a full 1500-byte IP packet
  }
  return 64 + x % (bulk ? FrameBuilder::kMaxFrame - 4 - 64 : 400);
}

FlowSpec TrafficGenerator::reversed(const FlowSpec& spec) {
  FlowSpec r = spec;
  r.src = spec.dst;
  r.dst = spec.src;
  r.src_port = spec.dst_port;
  r.dst_port = spec.src_port;
  r.tcp_isn = spec.tcp_ack;
  r.tcp_ack = spec.tcp_isn;
  return r;
}

Status TrafficGenerator::write(PcapFileWriter& writer, const Progress& progress) const {
  const uint64_t flows = order_.size();
  const bool two_way = config_.profile == TrafficProfile::kDemo;
  EventClock clock(config_.start_ns, config_.rate_pps, two_way);
  uint64_t position = 0;  // index into order_
  uint32_t cycle = 0;     // completed passes over all flows

  for (uint64_t i = 0; i < config_.packets; ++i) {
    const uint32_t index = order_[position];
    const FlowSpec spec = catalog_.flow(index);
    // Two-way profiles alternate request and reply on successive visits of a flow.
    const bool reply = two_way && (cycle & 1) != 0;
    const uint32_t visit = two_way ? cycle / 2 : cycle;
    // A pointer, not a copy: copying the spec just built stalls on store forwarding.
    FlowSpec reply_spec;
    const FlowSpec* wire_spec = &spec;
    if (reply) {
      reply_spec = reversed(spec);
      wire_spec = &reply_spec;
    }
    const FlowSpec& wire = *wire_spec;
    const size_t size = frame_size(i, wire, reply);
    PacketFields fields;
    fields.ip_id = static_cast<uint16_t>(index + cycle);
    fields.tcp_seq = wire.tcp_isn + visit * kSequenceStride;
    fields.icmp_seq = static_cast<uint16_t>(visit);
    uint8_t* frame = writer.append(clock.now_ns(), static_cast<uint32_t>(size));
    builder_.build(wire, fields, size, frame);
    clock.advance();

    if (++position == flows) {
      position = 0;
      ++cycle;
    }
    if ((i + 1) % kProgressEvery == 0) {
      if (!writer.ok()) {
        break;
      }
      if (progress) {
        progress(i + 1);
      }
    }
  }
  if (!writer.ok()) {
    return writer.close();
  }
  return Status::Ok();
}

}  // namespace flowlens::synth
