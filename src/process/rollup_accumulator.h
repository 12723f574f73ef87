#pragma once
// RollupAccumulator: sums FlowRecords into rollup rows (model/rollup.h) at every
// Resolution until take() hands them over as one RollupDelta.
//
// Contract:
//  - add() attributes a record to the bucket holding its start_ns at each resolution,
//    with the key and host rules of model/rollup.h (service port; hosts local only at
//    window and minute resolution, all hosts at hour and day).
//  - take() returns every row accumulated since the previous take(), unique per key, in
//    no particular order, and leaves the accumulator empty. window_ns is set.
//  - No allocation on add() once the tables have grown to the key count.
//
// Layout (why): window rows live in one small table set per window bucket, keyed without
// the bucket, so the tables a record touches hold one window's keys (cache-sized) however
// many windows pass between two take() calls; records come window by window, so the
// bucket's tables are found by one compare. Host tables use the same key and hash as
// WindowAggregate's, so each address is hashed once per record.
//  - When the window divides 60 s (so it divides every coarser bucket), add() touches the
//    window tables only and take() folds them into minute, hour and day rows: the coarse
//    bucket of a window bucket is the coarse bucket of every record in it. The fold is a
//    chain (window -> minute -> hour -> day for ports; window -> minute for local hosts,
//    window -> hour -> day for all hosts), so each step reads the smaller table before it.
//    Otherwise add() also updates the coarse tables per record. Both give identical rows.
//  - Traffic rows are not counted per record: take() sums them from the port rows (same
//    bucket, protocol and direction), which hold exactly the same records.

#include <cstdint>
#include <memory>
#include <vector>

#include "model/flow_record.h"
#include "model/rollup.h"
#include "core/flat_map.h"
#include "process/record_facts.h"

namespace flowlens::process {

class RollupAccumulator {
 public:
  explicit RollupAccumulator(int64_t window_ns);
  ~RollupAccumulator();

  // Brings the host slots of f's window towards the cache; call a few records before add().
  void prefetch(const RecordFacts& f) const;
  // f.window_start, f.src_host_hash and f.dst_host_hash must be set.
  void add(const FlowRecord& r, const RecordFacts& f);
  RollupDelta take();

  // True when coarse rows are folded from window rows at take() time.
  bool folds_coarse() const { return fold_coarse_; }

 private:
  struct HostValue {
    Counters3 counters;
    bool local = false;  // inside a local network (or no networks configured)
  };
  struct WindowTables {
    int64_t bucket = 0;
    FlatMap<1, Counters3> ports;     // (ip_proto | port << 8 | direction << 24)
    FlatMap<3, HostValue> hosts_in;  // (address hi) (address lo) (family): the destination
    FlatMap<3, HostValue> hosts_out; // same key: the source
  };

  WindowTables& tables_for(int64_t bucket);
  void add_coarse(Resolution res, int64_t bucket, const FlowRecord& r, const RecordFacts& f);
  void emit_window(const WindowTables& t, RollupDelta& d);
  void fold_coarse_chain();

  int64_t window_ns_;
  bool fold_coarse_;
  std::vector<std::unique_ptr<WindowTables>> windows_;  // buckets touched since take()
  std::vector<std::unique_ptr<WindowTables>> spare_;
  WindowTables* last_ = nullptr;
  // Minute, hour and day rows ([0], [1], [2]), bucket in the key.
  // (bucket) (ip_proto | port << 8 | direction << 24)
  FlatMap<2, Counters3> coarse_ports_[3];
  // (bucket) (address hi) (address lo) (family | side << 8)
  FlatMap<4, HostValue> coarse_hosts_[3];
  // take()'s scratch: (bucket) (ip_proto | direction << 8 | resolution << 16)
  FlatMap<2, Counters3> traffic_;
};

}  // namespace flowlens::process
