#pragma once
// Internal to the decode/flow module: the state ExportDecoder keeps between datagrams and
// the per-datagram context the protocol decoders share. Not part of the public interface.

#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>
#include <vector>

#include "decode/flow/export_decoder.h"
#include "decode/flow/exporter_health.h"
#include "model/flow_record.h"

namespace flowlens::decode::flow {

inline constexpr int64_t kNsPerSec = 1'000'000'000;
inline constexpr int64_t kYear2000Ns = 946'684'800LL * kNsPerSec;

// What a template field means to the decoder; resolved once when the template arrives so
// data records are decoded by a switch, not by an element-id lookup per field.
enum class FieldKind : uint8_t {
  kSkip = 0,
  kBytes, kPackets, kOutBytes, kOutPackets, kInitiatorBytes, kInitiatorPackets, kFlows,
  kProto, kTos, kTcpFlags, kSrcPort, kDstPort, kIcmpTypeCode, kIcmpType, kIcmpCode,
  kSrc4, kDst4, kSrc6, kDst6, kSrcMask, kDstMask, kInIf, kOutIf, kVlan,
  kSrcMac, kDstMac,
  kFirstSwitched, kLastSwitched,  // ms of system uptime (v9; IPFIX 22/21)
  kStartSec, kEndSec, kStartMs, kEndMs, kStartUs, kEndUs, kStartNs, kEndNs,
  kStartDeltaUs, kEndDeltaUs, kSystemInitMs,
  kSamplingInterval, kSamplingAlgorithm, kSamplerId, kPacketInterval, kPacketSpace,
  kSamplingSize, kSamplingPopulation,
  kReverseBytes, kReversePackets, kReverseTcpFlags,
  // Plan-only kinds (never in TemplateField): the address bytes alone, the family being
  // preset in every record of the template (see Template::src_family).
  kSrcAddrBytes, kDstAddrBytes,
};

struct TemplateField {
  uint16_t length = 0;  // 65535: IPFIX variable length
  FieldKind kind = FieldKind::kSkip;
};

// One field of a fixed-length template's decode plan: where it is in the record.
struct PlanStep {
  uint32_t offset = 0;
  uint16_t length = 0;
  FieldKind kind = FieldKind::kSkip;
};

struct Template {
  std::vector<TemplateField> fields;
  size_t min_record_length = 0;  // fixed lengths + 1 per variable-length field
  bool variable = false;
  bool options = false;
  // Built when the template is accepted, for fixed-length templates (variable == false):
  // the fields a data record sets, in template order, skipped fields left out, so the
  // per-record loop does no length bookkeeping. When the only source (destination)
  // address field is a fixed 4 or 16 bytes, its family is preset here and the plan copies
  // the bytes alone (kSrcAddrBytes / kDstAddrBytes); otherwise kNone.
  std::vector<PlanStep> plan;
  IpFamily src_family = IpFamily::kNone;
  IpFamily dst_family = IpFamily::kNone;
};

struct TemplateKey {
  IpAddress exporter;
  uint32_t domain = 0;
  uint16_t template_id = 0;
  uint8_t version = 0;
  friend bool operator==(const TemplateKey&, const TemplateKey&) = default;
};
struct DomainKey {
  IpAddress exporter;
  uint32_t domain = 0;
  uint8_t version = 0;
  friend bool operator==(const DomainKey&, const DomainKey&) = default;
};

inline uint64_t hash_bytes(const void* data, size_t n, uint64_t h = 1469598103934665603ull) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) {
    h = (h ^ p[i]) * 1099511628211ull;
  }
  return h;
}
struct AddressHash {
  size_t operator()(const IpAddress& a) const {
    return hash_bytes(a.bytes.data(), 16, static_cast<uint64_t>(a.family));
  }
};
struct TemplateKeyHash {
  size_t operator()(const TemplateKey& k) const {
    const uint64_t extra = (uint64_t{k.domain} << 24) | (uint64_t{k.template_id} << 8) | k.version;
    return AddressHash{}(k.exporter) ^ (extra * 0x9E3779B97F4A7C15ull);
  }
};
struct DomainKeyHash {
  size_t operator()(const DomainKey& k) const {
    const uint64_t extra = (uint64_t{k.domain} << 8) | k.version;
    return AddressHash{}(k.exporter) ^ (extra * 0x9E3779B97F4A7C15ull);
  }
};

// Sampling and clock facts learnt from options data records of one (exporter, domain).
struct DomainState {
  std::unordered_map<uint32_t, uint32_t> sampler_rates;  // sampler/selector id -> 1-in-N
  uint32_t default_rate = 0;   // options record without a sampler id
  int64_t system_init_ms = 0;  // IPFIX systemInitTimeMilliseconds (160), 0 = unknown
};

// Header facts of the datagram being decoded (also kept with held data sets).
struct DatagramHeader {
  IpAddress exporter;
  int64_t receive_ns = 0;
  int64_t export_ns = 0;       // header export time (unix secs [+ nsecs for v5])
  int64_t time_shift_ns = 0;   // added to exporter clock times (see contract in header)
  uint32_t sys_uptime_ms = 0;  // v5/v9
  uint32_t domain = 0;
  uint8_t version = 0;         // 9 or 10
};

struct HeldSet {
  TemplateKey key;
  DatagramHeader header;
  std::vector<uint8_t> bytes;  // set body (after the 4-byte set header)
};

struct ExportDecoder::State {
  std::unordered_map<IpAddress, ExporterHealth, AddressHash> health;
  std::unordered_map<TemplateKey, Template, TemplateKeyHash> templates;
  std::unordered_map<DomainKey, DomainState, DomainKeyHash> domains;
  std::deque<HeldSet> held;
};

// Everything a protocol decoder needs for one datagram.
struct DecodeContext {
  const ExportDecoderConfig& config;
  ExportDecoder::State& state;
  ExporterHealth& health;
  decode::PacketDecoder& packets;
  std::vector<FlowRecord>& out;
  uint32_t override_rate = 0;  // from the matching SamplingRule, 0: none
  bool override_always = false;

  void count(FlowDecodeError e) { ++health.errors[static_cast<size_t>(e)]; }
  // Applies the sampling rules to an announced rate (0 = none announced).
  uint32_t effective_rate(uint32_t announced) const {
    if (override_rate != 0 && (override_always || announced == 0)) {
      return override_rate;
    }
    return announced;
  }
  // Rebases an exporter-clock time and sanity-checks it (see ExportDecoder contract).
  int64_t fix_time(const DatagramHeader& h, int64_t t) {
    // Saturating: damaged timestamps near the int64 limits must not overflow (fuzzer).
    const bool overflow = __builtin_add_overflow(t, h.time_shift_ns, &t);
    const bool before_2000 = overflow || t < kYear2000Ns;
    const bool far = h.receive_ns > 0 && (t > h.receive_ns + config.max_clock_skew_ns ||
                                          t < h.receive_ns - config.max_clock_skew_ns);
    if (before_2000 || far) [[unlikely]] {
      count(FlowDecodeError::kTimestamp);
      ++health.timestamps_corrected;
      return h.receive_ns > 0 ? h.receive_ns : h.export_ns;
    }
    return t;
  }
  // Decides the rebase of a datagram from its export time.
  void check_export_time(DatagramHeader& h) {
    if (h.receive_ns <= 0) {
      return;
    }
    health.clock_skew_ns = h.receive_ns - h.export_ns;
    if (h.export_ns < kYear2000Ns || h.export_ns > h.receive_ns + config.max_clock_skew_ns ||
        h.export_ns < h.receive_ns - config.max_clock_skew_ns) [[unlikely]] {
      h.time_shift_ns = h.receive_ns - h.export_ns;
      count(FlowDecodeError::kTimestamp);
      ++health.timestamps_corrected;
    }
  }
};

// Protocol decoders (one .cc each). `data` is the whole UDP payload.
void decode_netflow_v5(DecodeContext& ctx, const IpAddress& exporter,
                       std::span<const uint8_t> data, int64_t receive_ns);
void decode_template_protocol(DecodeContext& ctx, const IpAddress& exporter,
                              std::span<const uint8_t> data, int64_t receive_ns);  // v9, IPFIX
void decode_sflow(DecodeContext& ctx, std::span<const uint8_t> data, int64_t receive_ns);
// Decodes held sets of `key` (called when its template arrives) and expires old ones.
void release_held(DecodeContext& ctx, const TemplateKey& key);
void expire_held_sets(ExportDecoder::State& state, const ExportDecoderConfig& config,
                      int64_t now_ns);

}  // namespace flowlens::decode::flow
