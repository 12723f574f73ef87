#pragma once
// CaptureSummary: what `flowlens inspect` reports about one capture file — the columns
// of testdata/EXPECTED.tsv (see SOURCES.md "How EXPECTED.tsv was produced").
//
// summarize_capture() reads the whole file once in batches and runs every record
// through the packet decoder for the outer-IP columns. Outer flows are distinct
// bidirectional 5-tuples on the outermost IP header: the unordered pair of
// (address, port) endpoints plus the IP protocol, ports 0 when the decoder found no
// complete transport header or the packet is a non-first fragment.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capture/capture_reader.h"
#include "capture/packet_record.h"
#include "core/result.h"

namespace flowlens::capture {

struct CaptureSummary {
  std::string path;
  CaptureInfo info;
  uint64_t packets = 0;
  uint64_t captured_bytes = 0;
  uint64_t wire_bytes = 0;
  uint64_t timestamped_packets = 0;  // packets other than pcapng SPBs
  Timestamp first_ts;                // of the first timestamped packet in file order
  Timestamp last_ts;
  bool ts_nondecreasing = true;
  uint64_t outer_flows_ipv4 = 0;
  uint64_t outer_flows_ipv6 = 0;
  uint64_t outer_ip_frames = 0;
  // Set when reading stopped at damage after the header: everything above counts the
  // records before it.
  std::optional<Error> read_error;
};

// Reads `reader` to the end. Never fails: damage is reported in read_error.
CaptureSummary summarize_capture(CaptureReader& reader);

// The summary as (column, text) pairs, named and spelled as EXPECTED.tsv's columns:
// format, link_types, packets, captured_bytes, wire_bytes, first_ts, last_ts,
// ts_nondecreasing ("yes"/"no"; "-" like both timestamps when no packet has one),
// outer_flows_ipv4, outer_flows_ipv6, outer_ip_frames.
std::vector<std::pair<std::string, std::string>> summary_columns(const CaptureSummary& s);

// Opens `path` with the hand-written reader and summarises it; an Error when the file
// cannot be opened or its header is invalid.
Result<CaptureSummary> summarize_capture_file(const std::string& path);

}  // namespace flowlens::capture
