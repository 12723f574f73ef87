#pragma once
// StoreWriter: applies the pipeline's commits to a FlowStore on a thread of its own, in
// submission order, so that reading and metering (the caller's thread) overlap with the
// store's work (SQLite inserts, rollup upserts, fsync).
//
// Contract:
//  - submit() hands over one commit (raw flows, rollup deltas, a checkpoint). It returns
//    at once unless `max_in_flight` commits are already waiting; then it waits for the
//    oldest to finish (back-pressure: memory stays bounded when the store is the slower
//    side).
//  - Commits are applied one at a time, in order, each with one FlowStore::write() (one
//    transaction). What is durable after a crash is therefore always a prefix of what was
//    submitted, each commit carrying its own checkpoint: the pipeline's "neither lost nor
//    repeated" argument holds unchanged; a crash only loses commits that were in flight,
//    and their packets are read again from the last durable checkpoint.
//  - The first failed write stops the writer: later commits are discarded and submit() /
//    drain() return that error from then on.
//  - drain() returns once everything submitted is durable (or has failed). The caller may
//    use the store itself (queries, retention) only before the first submit() or after a
//    drain(); in between the writer thread owns it.
//  - One producer thread. The destructor drains and joins.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/result.h"
#include "model/flow_record.h"
#include "model/rollup.h"
#include "store/flow_store.h"

namespace flowlens::pipeline {

struct CommitJob {
  std::vector<FlowRecord> flows;
  RollupDelta rollups;
  std::optional<store::SourceCheckpoint> checkpoint;
};

struct StoreWriterCounters {
  uint64_t commits = 0;        // writes that succeeded
  uint64_t flows = 0;          // raw flows in them
  uint64_t producer_waits = 0; // submits that waited for the writer (store was slower)
};

class StoreWriter {
 public:
  explicit StoreWriter(store::FlowStore& store, size_t max_in_flight = 2);
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  Status submit(CommitJob job);
  Status drain();

  // An empty record vector for the next job, recycled from a committed one (its capacity
  // kept, so steady-state commits allocate nothing).
  std::vector<FlowRecord> take_buffer();

  // Consistent after drain().
  StoreWriterCounters counters() const;

 private:
  void run();

  store::FlowStore& store_;
  const size_t max_in_flight_;
  mutable std::mutex mu_;
  std::condition_variable work_;  // writer waits for jobs
  std::condition_variable done_;  // producer waits for room / for the queue to empty
  std::deque<CommitJob> queue_;
  bool writing_ = false;  // a job has been taken off the queue and is being written
  bool stop_ = false;
  std::optional<Error> error_;
  std::vector<std::vector<FlowRecord>> spare_;
  StoreWriterCounters counters_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace flowlens::pipeline
