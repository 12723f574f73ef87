#pragma once
// ExportDecoder: NetFlow v5, NetFlow v9, IPFIX and sFlow v5 datagrams -> FlowRecords.
//
// Contract:
// - decode() takes one UDP payload. The protocol is told by the version field, never by
//   the port: a 16-bit 5, 9 or 10 is NetFlow v5, v9, IPFIX; a 32-bit 5 (0x00000005) is
//   sFlow v5 (NetFlow v5 starts 0x0005, so the two never collide).
// - Records are appended to `out` (never cleared). packets/bytes are already multiplied by
//   the sampling rate (announced, or overridden by the configuration) and sampling_rate
//   says which rate that was. bytes are IP bytes (header + payload) as pmacct counts them.
// - Untrusted input never throws, asserts or reads out of bounds: every problem is counted
//   by FlowDecodeError in the exporter's ExporterHealth and decoding goes on with the next
//   set/sample where the framing allows it.
// - Templates (v9/IPFIX) are keyed by (exporter address, source id / observation domain,
//   template id); a new template with the same key replaces the old one, IPFIX withdrawals
//   remove it. Data sets whose template is unknown are held (config: max_held_sets,
//   max_hold_ns) and decoded, in arrival order, when the template arrives; sets over the
//   bound or too old are dropped and counted.
// - Timestamps: event times are ns since the epoch. A datagram whose export time lies
//   before 2000 or more than max_clock_skew_ns from receive_time_ns is rebased to the
//   receive time (durations kept); any record time still before 2000 or beyond the bound
//   is set to the receive time. Each rebased datagram and each corrected record time
//   counts FlowDecodeError::kTimestamp (and ExporterHealth::timestamps_corrected).
//   receive_time_ns <= 0 means "unknown" (raw files): only the before-2000 check applies.
// - Not thread-safe: one decoder per collector thread (templates are per decoder, so all
//   datagrams of one exporter must reach the same decoder, e.g. SO_REUSEPORT hashing).

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "decode/flow/exporter_health.h"
#include "decode/packet/packet_decoder.h"
#include "model/flow_record.h"
#include "model/ip_address.h"

namespace flowlens::decode::flow {

// A sampling rate for exporters in `network`. override = true: used even when the exporter
// announces a rate; false: used only when it announces none. The longest prefix wins.
struct SamplingRule {
  IpNetwork network;
  uint32_t rate = 1;
  bool override = true;
};

struct ExportDecoderConfig {
  std::vector<SamplingRule> sampling_rules;
  size_t max_held_sets = 512;                     // data sets waiting for a template
  int64_t max_hold_ns = 60'000'000'000;           // how long one may wait
  int64_t max_clock_skew_ns = 86'400'000'000'000; // 1 day
  // IPFIX biflows (RFC 5103 reverse elements): a second record for the reverse direction
  // (addresses, ports, interfaces swapped). Off: the forward record only.
  bool emit_reverse_records = true;
};

class ExportDecoder {
 public:
  explicit ExportDecoder(ExportDecoderConfig config = {});
  ~ExportDecoder();
  ExportDecoder(const ExportDecoder&) = delete;
  ExportDecoder& operator=(const ExportDecoder&) = delete;

  void decode(const IpAddress& exporter, uint16_t exporter_port,
              std::span<const uint8_t> datagram, int64_t receive_time_ns,
              std::vector<FlowRecord>& out);

  // Drops held sets older than max_hold_ns before `now_ns` (decode() also does this).
  void expire_held(int64_t now_ns);

  // Health of one exporter (nullptr if never seen) and of all, sorted by address.
  const ExporterHealth* exporter(const IpAddress& address) const;
  std::vector<ExporterHealth> exporters() const;
  // Templates currently cached (all exporters) and data sets currently held.
  size_t template_count() const;
  size_t held_count() const;

  // Counters of the packet decoder used for sFlow sampled headers.
  const decode::DecodeCounters& packet_counters() const { return packets_.counters(); }

  struct State;  // template cache, sampler tables, held sets (export_decoder.cc)

 private:
  ExportDecoderConfig config_;
  std::unique_ptr<State> state_;
  decode::PacketDecoder packets_;
};

}  // namespace flowlens::decode::flow
