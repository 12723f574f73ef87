// ExportDecoder: dispatch by version field, per-exporter health, sampling rules.

#include "decode/flow/export_decoder.h"

#include <algorithm>

#include "core/byte_reader.h"
#include "decode/flow/decoder_state.h"

namespace flowlens::decode::flow {

std::string_view error_name(FlowDecodeError error) {
  switch (error) {
    case FlowDecodeError::kTooShort: return "too_short";
    case FlowDecodeError::kUnknownVersion: return "unknown_version";
    case FlowDecodeError::kV5Length: return "v5_length";
    case FlowDecodeError::kHeaderLength: return "header_length";
    case FlowDecodeError::kSetLength: return "set_length";
    case FlowDecodeError::kBadTemplate: return "bad_template";
    case FlowDecodeError::kTemplateRecordLength: return "template_record_length";
    case FlowDecodeError::kVariableLength: return "variable_length";
    case FlowDecodeError::kHeldOverflow: return "held_overflow";
    case FlowDecodeError::kHeldExpired: return "held_expired";
    case FlowDecodeError::kSflowTruncated: return "sflow_truncated";
    case FlowDecodeError::kSflowAddressType: return "sflow_address_type";
    case FlowDecodeError::kSflowHeaderNotIp: return "sflow_header_not_ip";
    case FlowDecodeError::kTimestamp: return "timestamp";
    case FlowDecodeError::kCount: break;
  }
  return "unknown";
}

ExportDecoder::ExportDecoder(ExportDecoderConfig config)
    : config_(std::move(config)), state_(std::make_unique<State>()) {}

ExportDecoder::~ExportDecoder() = default;

void ExportDecoder::decode(const IpAddress& exporter, uint16_t exporter_port,
                           std::span<const uint8_t> datagram, int64_t receive_time_ns,
                           std::vector<FlowRecord>& out) {
  auto [it, inserted] = state_->health.try_emplace(exporter);
  ExporterHealth& health = it->second;
  if (inserted) {
    health.exporter = exporter;
  }
  ++health.datagrams;
  health.last_port = exporter_port;
  health.last_seen_ns = receive_time_ns;

  DecodeContext ctx{config_, *state_, health, packets_, out};
  // The longest matching prefix among the sampling rules.
  int best = -1;
  for (const SamplingRule& rule : config_.sampling_rules) {
    if (rule.network.contains(exporter) && int{rule.network.prefix_len} > best) {
      best = rule.network.prefix_len;
      ctx.override_rate = rule.rate;
      ctx.override_always = rule.override;
    }
  }
  health.sampling_rate_override = ctx.override_rate;

  if (receive_time_ns > 0 && !state_->held.empty()) {
    expire_held_sets(*state_, config_, receive_time_ns);
  }
  if (datagram.size() < 4) {
    ctx.count(FlowDecodeError::kTooShort);
    return;
  }
  const uint16_t version16 = load_be16(datagram.data());
  if (version16 == 5) {
    decode_netflow_v5(ctx, exporter, datagram, receive_time_ns);
  } else if (version16 == 9 || version16 == 10) {
    decode_template_protocol(ctx, exporter, datagram, receive_time_ns);
  } else if (version16 == 0 && load_be16(datagram.data() + 2) == 5) {
    decode_sflow(ctx, datagram, receive_time_ns);
  } else {
    ctx.count(FlowDecodeError::kUnknownVersion);
  }
}

void ExportDecoder::expire_held(int64_t now_ns) { expire_held_sets(*state_, config_, now_ns); }

const ExporterHealth* ExportDecoder::exporter(const IpAddress& address) const {
  const auto it = state_->health.find(address);
  return it == state_->health.end() ? nullptr : &it->second;
}

std::vector<ExporterHealth> ExportDecoder::exporters() const {
  std::vector<ExporterHealth> all;
  all.reserve(state_->health.size());
  for (const auto& [address, health] : state_->health) {
    all.push_back(health);
  }
  std::sort(all.begin(), all.end(),
            [](const ExporterHealth& a, const ExporterHealth& b) { return a.exporter < b.exporter; });
  return all;
}

size_t ExportDecoder::template_count() const { return state_->templates.size(); }
size_t ExportDecoder::held_count() const { return state_->held.size(); }

}  // namespace flowlens::decode::flow
