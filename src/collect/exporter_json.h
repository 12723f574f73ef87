#pragma once
// The collector's state as JSON: the body of GET /api/v1/exporters, and its reading back
// by `flowlens exporters` (which asks a running `flowlens run --collect` over HTTP).
//
// Shape (one object; counters are integers, times ISO-8601 UTC plus *_ns):
//   {"collecting": bool, "listeners": ["udp://127.0.0.1:2055"], "workers": N,
//    "receive_buffer_bytes": N,
//    "totals": {"datagrams","bytes","records","kernel_drops","truncated","receive_errors",
//               "decode_errors": {REASON: N, ...}},
//    "exporters": [{"exporter": "192.0.2.1", "port": N, "last_seen": ISO, "last_seen_ns": N,
//       "datagrams", "netflow_v5", "netflow_v9", "ipfix", "sflow", "records",
//       "templates_seen", "templates_withdrawn", "options_records", "sets_held",
//       "sets_decoded_from_hold", "sets_dropped_no_template", "bytes_dropped_no_template",
//       "counter_samples", "sampling_rate_announced", "sampling_rate_override",
//       "timestamps_corrected", "clock_skew_s": seconds (ms precision),
//       "decode_errors": {REASON: N, ...},
//       "interfaces": [{"if_index", "in_octets", "out_octets", "in_errors", "out_errors",
//                       "in_discards", "out_discards", "speed", "updated", "updated_ns"}]}]}
// REASON is error_name() (exporter_health.h); only reasons that occurred are listed.
// A process that does not collect answers {"collecting": false, ...} with zeros and [].

#include <string>
#include <string_view>
#include <vector>

#include "collect/udp_collector.h"
#include "core/result.h"
#include "decode/flow/exporter_health.h"

namespace flowlens::collect {

struct CollectorReport {
  bool collecting = false;
  std::vector<std::string> listeners;  // udp://ADDR:PORT as bound
  unsigned workers = 0;
  int receive_buffer_bytes = 0;
  CollectorStats totals;
  std::vector<decode::flow::ExporterHealth> exporters;
};

// The state of a started collector (`listeners` as bound, see bound_ports()).
CollectorReport report_of(const UdpCollector& collector, std::vector<std::string> listeners);

std::string to_json(const CollectorReport& report);

// The same state as Prometheus text exposition (appended to /metrics): collector totals
// (flowlens_collect_*), and per exporter (label exporter="ADDR") datagrams, records,
// data sets dropped for a missing template, decode errors by reason, clock skew and the
// sampling rates announced and configured. Nothing when not collecting.
std::string to_prometheus(const CollectorReport& report);

// Reads to_json()'s output back (unknown members are ignored, so newer servers work);
// the error names the member that is missing or of the wrong type.
Result<CollectorReport> parse_collector_report(std::string_view json);

}  // namespace flowlens::collect
