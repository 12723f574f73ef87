#pragma once
// The query layer's requests and answers: what `flowlens query` prints and what the REST
// API (issue 4) will serve. Every backend answers the same requests with the same numbers.
//
// Times are ns since the Unix epoch, ranges half-open [from_ns, to_ns). Validation of
// user input (ranges, limits, names) happens where the text is parsed (CLI, REST); the
// store re-checks the invariants and returns an Error naming the field instead of
// asserting.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/flow_record.h"
#include "model/ip_address.h"
#include "model/rollup.h"

namespace flowlens::store {

enum class Metric : uint8_t { kBytes, kPackets, kFlows };
enum class Dimension : uint8_t { kNone, kProto, kDirection, kSrcHost, kDstHost, kPort, kSrcPort, kDstPort };

// Filters shared by the queries; unset = no filter. A query answered from rollups
// returns an Error naming the filter when its rollups cannot honour it.
struct Filter {
  std::optional<uint8_t> ip_proto;
  std::optional<IpAddress> host;       // src or dst equals
  std::optional<IpAddress> src_host;
  std::optional<IpAddress> dst_host;
  std::optional<uint16_t> port;        // src or dst equals
  std::optional<Direction> direction;
};

// timeseries: one point per step over [from, to); empty buckets are present with zeros.
// step must be a whole multiple of the window length; the store reads the coarsest
// rollup resolution that divides the step. group_by: kNone, kProto, kDirection, kPort.
struct TimeseriesQuery {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  int64_t step_ns = 0;
  Metric metric = Metric::kBytes;  // the value series carries; all three are filled anyway
  Dimension group_by = Dimension::kNone;
  Filter filter;
};
struct TimeseriesSeries {
  std::string group;              // "" without group_by; "tcp", "in", "443", ...
  std::vector<Counters3> points;  // points[i] covers [from + i*step, from + (i+1)*step)
};
struct TimeseriesResult {
  int64_t from_ns = 0;
  int64_t step_ns = 0;
  Resolution resolution = Resolution::kWindow;  // what it was computed from
  std::vector<TimeseriesSeries> series;         // sorted by group
};

// host-daily: the seed's Date Access Trend for one host: per UTC day in [from, to),
// in = the host is the destination, out = the host is the source. Days without traffic
// are present with zeros.
struct HostDailyQuery {
  IpAddress host;
  int64_t from_ns = 0;
  int64_t to_ns = 0;
};
struct HostDay {
  int64_t day_ns = 0;  // 00:00 UTC of the day
  uint64_t in_bytes = 0;
  uint64_t in_packets = 0;
  uint64_t out_bytes = 0;
  uint64_t out_packets = 0;
};
struct HostDailyResult {
  std::vector<HostDay> days;
};

// top: the `limit` largest groups by metric over [from, to) for one dimension
// (kProto, kSrcHost, kDstHost, kPort, kSrcPort, kDstPort). Ties broken by key ascending.
struct TopQuery {
  Dimension dimension = Dimension::kSrcHost;
  Metric metric = Metric::kBytes;
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  uint32_t limit = 10;
  Filter filter;
};
struct TopEntry {
  std::string key;  // "10.0.0.1", "443", "tcp", ...
  Counters3 counters;
};
struct TopResult {
  bool exact = true;  // false when answered from an approximation (README says the bound)
  std::vector<TopEntry> entries;
};

// flows: raw flow records with filters, sorted, paged by an opaque cursor.
enum class FlowSort : uint8_t { kStartAsc, kStartDesc, kBytesDesc, kPacketsDesc };
struct FlowsQuery {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  Filter filter;
  FlowSort sort = FlowSort::kStartAsc;
  uint32_t limit = 100;  // at most kMaxFlowsLimit
  std::string cursor;    // "" = first page; else next_cursor of the previous page
};
inline constexpr uint32_t kMaxFlowsLimit = 10'000;
struct FlowsResult {
  std::vector<FlowRecord> flows;
  std::string next_cursor;  // "" when this is the last page
};

// local hosts seen in the host rollups over [from, to), by total bytes (in + out) desc.
struct LocalHostsQuery {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  uint32_t limit = 100;
};
struct LocalHost {
  IpAddress host;
  uint64_t in_bytes = 0;
  uint64_t out_bytes = 0;
};

// summary: totals over [from, to) and what the store holds.
struct SummaryResult {
  Counters3 totals;
  uint64_t stored_flows = 0;
  int64_t first_ns = 0;  // earliest stored data (0 when empty)
  int64_t last_ns = 0;
};

std::string_view to_string(Metric m);
std::string_view to_string(Dimension d);

}  // namespace flowlens::store
