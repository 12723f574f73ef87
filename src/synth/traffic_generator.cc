#include "synth/traffic_generator.h"

#include <algorithm>
#include <array>
#include <string>

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

size_t TrafficGenerator::frame_size(uint64_t packet_index, const FlowSpec& spec) const {
  const size_t nominal =
      config_.profile == TrafficProfile::kImix ? kImixPattern[packet_index % kImixPattern.size()]
                                               : kSmallFrame;
  return std::max(nominal, FrameBuilder::min_frame_size(spec));
}

Status TrafficGenerator::write(PcapFileWriter& writer, const Progress& progress) const {
  const uint64_t flows = order_.size();
  const uint64_t rate = config_.rate_pps;
  // Event time offset floor(i * 1e9 / rate), advanced incrementally: exact, and no
  // 64-bit division per packet.
  const uint64_t step_whole = 1'000'000'000 / rate;
  const uint64_t step_rest = 1'000'000'000 % rate;
  uint64_t offset_ns = 0;
  uint64_t offset_rest = 0;
  uint64_t position = 0;  // index into order_
  uint32_t cycle = 0;     // completed passes over all flows

  for (uint64_t i = 0; i < config_.packets; ++i) {
    const uint32_t index = order_[position];
    const FlowSpec spec = catalog_.flow(index);
    const size_t size = frame_size(i, spec);
    PacketFields fields;
    fields.ip_id = static_cast<uint16_t>(index + cycle);
    fields.tcp_seq = spec.tcp_isn + cycle * kSequenceStride;
    fields.icmp_seq = static_cast<uint16_t>(cycle);
    uint8_t* frame = writer.append(config_.start_ns + static_cast<int64_t>(offset_ns),
                                   static_cast<uint32_t>(size));
    builder_.build(spec, fields, size, frame);

    offset_ns += step_whole;
    offset_rest += step_rest;
    if (offset_rest >= rate) {
      offset_rest -= rate;
      offset_ns += 1;
    }
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
