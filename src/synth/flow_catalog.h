#pragma once
// FlowCatalog: maps a flow index in [0, N) to the FlowSpec of that flow, from the seed
// alone (no per-flow memory, so 2 M or 100 M flows cost the same).
//
// Distinctness contract: for a given seed and profile, different indices give flows
// with different (source, destination) address pairs, hence different 5-tuples. The
// index goes through a 32-bit bijection and its bits are spread over the addresses;
// ports and protocols come from an independent hash and never need to differ.
//
// Address plan (documentation and benchmarking ranges only, RFC 5737/2544/3849):
//   IPv4 clients 10.0.0.0/8, servers 198.18.0.0/15; IPv6 2001:db8:0:a::/64 to
//   2001:db8:0:b::/64. Demo: 32 local hosts 10.1.0.10-41, remote hosts in
//   198.18.0.0/15. Server ports come from short lists of common services, client
//   ports from the Linux ephemeral range 32768-60999.

#include <cstdint>

#include "synth/flow_spec.h"
#include "synth/traffic_profile.h"

namespace flowlens::synth {

class FlowCatalog {
 public:
  FlowCatalog(TrafficProfile profile, uint64_t seed);

  FlowSpec flow(uint32_t index) const;

 private:
  FlowSpec benchmark_flow(uint32_t h, uint64_t r) const;  // 64b and imix
  FlowSpec demo_flow(uint32_t h, uint64_t r) const;

  TrafficProfile profile_;
  uint32_t address_key_;
  uint64_t attribute_key_;
};

}  // namespace flowlens::synth
