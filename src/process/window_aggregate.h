#pragma once
// WindowAggregate: the exact per-window state behind one WindowSummary — totals, a
// counter per IP protocol, per-host and per-port hash tables, in/out per local network.
//
// Contract:
//  - reset() empties it for a new window (tables keep their memory for the next window).
//  - add() counts one record that belongs to this window.
//  - summarize() picks the top N of each table by bytes (ties by key ascending: addresses
//    by family then bytes, ports by number) with a partial sort; the answer is exact.
//  - No allocation on add() once the tables have grown to the window's key count.

#include <array>
#include <cstdint>
#include <vector>

#include "model/flow_record.h"
#include "model/rollup.h"
#include "core/flat_map.h"
#include "process/local_network_set.h"
#include "process/record_facts.h"
#include "process/stream_processor.h"

namespace flowlens::process {

class WindowAggregate {
 public:
  using HostKey = WordKey<3>;  // (address hi) (address lo) (family)
  static HostKey host_key(const AddressWords& a, IpFamily family) {
    return {{a.hi, a.lo, static_cast<uint64_t>(family)}};
  }

  void reset(int64_t start_ns, size_t network_count);
  // Brings the host slots of f.src_host_hash / f.dst_host_hash towards the cache.
  void prefetch(const RecordFacts& f) const {
    src_hosts_.prefetch(f.src_host_hash);
    dst_hosts_.prefetch(f.dst_host_hash);
  }
  // Counts a record of this window; f's host hashes must be those of host_key().
  void add(const FlowRecord& r, const RecordFacts& f, const LocalNetworkSet& nets);
  WindowSummary summarize(int64_t end_ns, uint32_t top_n,
                          const std::vector<IpNetwork>& networks) const;

  int64_t start_ns() const { return start_ns_; }

 private:
  struct NetCounters {
    Counters3 in;
    Counters3 out;
  };

  int64_t start_ns_ = 0;
  Counters3 totals_;
  std::array<Counters3, 256> protocols_{};
  std::array<uint64_t, 4> protocol_seen_{};  // bit per ip_proto
  FlatMap<3, Counters3> src_hosts_;
  FlatMap<3, Counters3> dst_hosts_;
  // (port)
  FlatMap<1, Counters3> src_ports_;
  FlatMap<1, Counters3> dst_ports_;
  std::vector<NetCounters> networks_;
};

}  // namespace flowlens::process
