#pragma once
// Rollups: pre-aggregated traffic per time bucket, the rows dashboards read instead of raw
// flows (ARCHITECTURE.md "Processing semantics"). The stream processor computes them as
// deltas from FlowRecords; a store adds the deltas to what it holds (upsert), so late
// records simply add to old buckets.
//
// Attribution: a record counts in the bucket holding its start_ns (the pipeline cuts flows
// at window boundaries, so a record never spans two windows; coarser buckets are whole
// multiples of the window when the window divides 60 s).
//
// Three families, each at every Resolution:
//  - TrafficRollup  keyed by (bucket, ip_proto, direction)  — totals, per protocol, in/out
//  - PortRollup     keyed by (bucket, ip_proto, service port, direction) — top ports;
//                   service port = the lower of the two non-zero ports (0 when the
//                   protocol has none), so both directions of a conversation count
//                   under the server's port
//  - HostRollup     keyed by (bucket, host, side) — per-host in/out as the seed's Date
//                   Access Trend defines it: a record counts as `in` for its destination
//                   host and as `out` for its source host. Hosts are all hosts at hour and
//                   day resolution, and only hosts inside the local networks at window and
//                   minute resolution (keeps the fine tables small when many remote
//                   hosts appear). With no local networks every host is local.

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/flow_record.h"
#include "model/ip_address.h"

namespace flowlens {

enum class Resolution : uint8_t { kWindow = 0, kMinute = 1, kHour = 2, kDay = 3 };
inline constexpr int kResolutionCount = 4;

// "window", "minute", "hour", "day".
std::string_view to_string(Resolution r);

// Bucket length in ns; kWindow's is the configured window length.
inline int64_t resolution_ns(Resolution r, int64_t window_ns) {
  switch (r) {
    case Resolution::kWindow: return window_ns;
    case Resolution::kMinute: return int64_t{60} * 1'000'000'000;
    case Resolution::kHour: return int64_t{3600} * 1'000'000'000;
    case Resolution::kDay: return int64_t{86400} * 1'000'000'000;
  }
  return window_ns;
}

// Start of the bucket holding `t_ns` (floor, also for times before 1970).
inline int64_t bucket_start(int64_t t_ns, int64_t length_ns) {
  int64_t q = t_ns / length_ns;
  if (t_ns % length_ns < 0) --q;
  return q * length_ns;
}

struct Counters3 {
  uint64_t bytes = 0;
  uint64_t packets = 0;
  uint64_t flows = 0;
  Counters3& operator+=(const Counters3& o) {
    bytes += o.bytes;
    packets += o.packets;
    flows += o.flows;
    return *this;
  }
  friend bool operator==(const Counters3&, const Counters3&) = default;
};

struct TrafficRollup {
  Resolution resolution = Resolution::kWindow;
  int64_t bucket_ns = 0;
  uint8_t ip_proto = 0;
  Direction direction = Direction::kUnknown;
  Counters3 counters;
};

struct PortRollup {
  Resolution resolution = Resolution::kWindow;
  int64_t bucket_ns = 0;
  uint8_t ip_proto = 0;
  uint16_t port = 0;  // service port (see above)
  Direction direction = Direction::kUnknown;
  Counters3 counters;
};

enum class HostSide : uint8_t { kIn = 0, kOut = 1 };  // in: host is the destination

struct HostRollup {
  Resolution resolution = Resolution::kWindow;
  int64_t bucket_ns = 0;
  IpAddress host;
  HostSide side = HostSide::kIn;
  Counters3 counters;
};

// What one commit adds to the stored rollups. Rows are unique per key within a delta.
struct RollupDelta {
  int64_t window_ns = 0;  // the window length the kWindow rows use
  std::vector<TrafficRollup> traffic;
  std::vector<PortRollup> ports;
  std::vector<HostRollup> hosts;
  bool empty() const { return traffic.empty() && ports.empty() && hosts.empty(); }
};

}  // namespace flowlens
