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
//  - When the window divides 60 s (so it divides every coarser bucket), add() touches the
//    window-resolution tables only and take() folds them into minute, hour and day rows:
//    the coarse bucket of a window bucket is the coarse bucket of every record in it.
//    Otherwise add() updates all four resolutions itself. Both give identical rows.
//  - No allocation on add() once the tables have grown to the key count.

#include <cstdint>

#include "model/flow_record.h"
#include "model/rollup.h"
#include "process/flat_map.h"
#include "process/record_facts.h"

namespace flowlens::process {

class RollupAccumulator {
 public:
  explicit RollupAccumulator(int64_t window_ns);

  void add(const FlowRecord& r, const RecordFacts& f);
  RollupDelta take();

  // True when coarse rows are folded from window rows at take() time.
  bool folds_coarse() const { return fold_coarse_; }

 private:
  struct HostValue {
    Counters3 counters;
    bool local = false;  // inside a local network (or no networks configured)
  };

  void add_at(Resolution res, int64_t bucket, const FlowRecord& r, const RecordFacts& f);
  void fold_into_coarse();

  int64_t window_ns_;
  bool fold_coarse_;
  // (bucket) (ip_proto | direction << 8 | resolution << 16)
  FlatMap<2, Counters3> traffic_;
  // (bucket) (ip_proto | port << 8 | direction << 24 | resolution << 32)
  FlatMap<2, Counters3> ports_;
  // (bucket) (address hi) (address lo) (family | side << 8 | resolution << 16)
  FlatMap<4, HostValue> hosts_;
};

}  // namespace flowlens::process
