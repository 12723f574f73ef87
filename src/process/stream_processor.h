#pragma once
// StreamProcessor: event-time tumbling windows with a watermark, live window summaries,
// and rollup deltas for the store (ARCHITECTURE.md "Processing semantics").
//
// Contract:
//  - Time is event time only: a record belongs to the window holding its start_ns
//    (windows are UTC-aligned: [k*W, (k+1)*W)). The pipeline cuts flows at window
//    boundaries, so a record never spans two windows.
//  - watermark = (largest end_ns seen) - allowed_lateness, moved at the end of each
//    add() call (the records of one call arrived together, in any time order). A window
//    closes when the watermark reaches its end; its WindowSummary goes to the sink, in
//    window order, exactly once. Windows that saw no record are not emitted (the chart
//    shows a gap).
//  - A record whose window has already closed is late: it is counted in
//    counters().late_records and does not change any emitted summary, but it DOES go
//    into the rollup deltas, so stored rollups stay exact.
//  - Every record (late or not) is added to the rollup deltas at every Resolution;
//    take_rollups() hands over everything accumulated since the previous call (the
//    pipeline calls it when it commits a store transaction, so rollups and raw flows
//    land together).
//  - Direction of a record: taken from record.direction when it is not kUnknown, else
//    computed from local_networks (in: dst local and src not; out: src local and dst
//    not; local: both; transit: neither; with no local networks: transit).
//  - finish() closes every open window (end of input).
//  - Not thread-safe; allocation only when new windows/keys appear.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/flow_record.h"
#include "model/ip_address.h"
#include "model/rollup.h"

namespace flowlens::process {

struct TopItem {
  std::string key;  // host address text, port number, protocol name
  Counters3 counters;
};

struct LocalNetTraffic {
  IpNetwork network;
  Counters3 in;   // destination inside the network, source outside it
  Counters3 out;  // source inside, destination outside
};

struct ProtoTraffic {
  uint8_t ip_proto = 0;
  Counters3 counters;
};

// One closed window: what WS /api/v1/live pushes, one message per window.
struct WindowSummary {
  int64_t start_ns = 0;
  int64_t end_ns = 0;  // start + window
  Counters3 totals;
  std::vector<ProtoTraffic> protocols;   // by bytes desc
  std::vector<TopItem> top_src_hosts;    // top_n by bytes desc, ties by key
  std::vector<TopItem> top_dst_hosts;
  std::vector<TopItem> top_src_ports;    // TCP/UDP/SCTP only
  std::vector<TopItem> top_dst_ports;
  std::vector<LocalNetTraffic> local_networks;  // one per configured network, config order
  uint64_t active_hosts = 0;             // distinct src or dst addresses in the window
};

// pmacct-style JSON object (one line, no trailing newline), members in this order:
// "window_start","window_end" (ISO 8601 UTC, e.g. "2019-03-04T10:00:10Z"),
// "window_start_ns","window_end_ns", "bytes","packets","flows", "active_hosts",
// "protocols":[{"ip_proto":"tcp",bytes,packets,flows}], "top_src_hosts":[{"ip_src":..}],
// "top_dst_hosts":[{"ip_dst":..}], "top_src_ports":[{"port_src":443,..}],
// "top_dst_ports":[{"port_dst":..}], "local_networks":[{"network":"10.0.0.0/8",
// "in_bytes","in_packets","in_flows","out_bytes","out_packets","out_flows"}].
std::string to_json(const WindowSummary& summary);

struct ProcessorConfig {
  int64_t window_ns = int64_t{10} * 1'000'000'000;
  int64_t allowed_lateness_ns = int64_t{5} * 1'000'000'000;
  uint32_t top_n = 10;
  std::vector<IpNetwork> local_networks;
};

struct ProcessorCounters {
  uint64_t records = 0;
  uint64_t late_records = 0;  // arrived after their window closed (rollups only)
  uint64_t windows_closed = 0;
  int64_t watermark_ns = INT64_MIN;
};

using WindowSink = std::function<void(const WindowSummary&)>;

class StreamProcessor {
 public:
  // window_ns must be > 0 and allowed_lateness_ns >= 0 (validated by the caller's parser).
  StreamProcessor(ProcessorConfig config, WindowSink sink);

  void add(FlowBatch records);
  // Event time has reached `event_ns` without records (a quiet live link): the
  // watermark moves to max(watermark, event_ns - allowed_lateness) and windows it
  // passes close, as if a record ending at event_ns had arrived.
  void advance_to(int64_t event_ns);
  void finish();
  RollupDelta take_rollups();

  // Direction of a record by this processor's local networks (see contract).
  Direction direction_of(const FlowRecord& r) const;

  const ProcessorCounters& counters() const { return counters_; }
  const ProcessorConfig& config() const { return config_; }

 private:
  struct Impl;
  ProcessorConfig config_;
  WindowSink sink_;
  ProcessorCounters counters_;
  std::unique_ptr<Impl> impl_;

 public:
  ~StreamProcessor();
  StreamProcessor(StreamProcessor&&) noexcept;
  StreamProcessor& operator=(StreamProcessor&&) noexcept;
};

}  // namespace flowlens::process
