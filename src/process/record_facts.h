#pragma once
// RecordFacts: what the stream processor derives from one FlowRecord once, before the
// window summary and the rollups use it (so neither recomputes masks or directions).

#include <cstdint>

#include "model/flow_record.h"
#include "model/rollup.h"
#include "process/local_network_set.h"

namespace flowlens::process {

struct RecordFacts {
  AddressWords src;
  AddressWords dst;
  Counters3 counters;
  uint16_t service_port = 0;  // model/rollup.h: lower non-zero port, 0 without ports
  bool has_ports = false;     // TCP, UDP or SCTP
  bool src_local = false;     // host rule of model/rollup.h: every host when no networks
  bool dst_local = false;
  Direction direction = Direction::kUnknown;
  int64_t window_start = 0;
  // Hashes computed a few records ahead so the table slots can be prefetched.
  // Hash of the (address hi, address lo, family) key, shared by the host tables of
  // WindowAggregate and RollupAccumulator.
  uint64_t src_host_hash = 0;
  uint64_t dst_host_hash = 0;
};

inline bool protocol_has_ports(uint8_t ip_proto) {
  return ip_proto == 6 || ip_proto == 17 || ip_proto == 132;
}

// The lower of the two non-zero ports; the non-zero one when the other is 0; 0 when
// both are 0 or the protocol carries no ports.
inline uint16_t service_port(const FlowRecord& r) {
  if (!protocol_has_ports(r.ip_proto)) {
    return 0;
  }
  if (r.src_port == 0) {
    return r.dst_port;
  }
  if (r.dst_port == 0) {
    return r.src_port;
  }
  return r.src_port < r.dst_port ? r.src_port : r.dst_port;
}

// Direction from membership in any local network (record.direction not consulted).
inline Direction direction_from(bool src_in_local_net, bool dst_in_local_net) {
  if (src_in_local_net) {
    return dst_in_local_net ? Direction::kLocal : Direction::kOut;
  }
  return dst_in_local_net ? Direction::kIn : Direction::kTransit;
}

}  // namespace flowlens::process
