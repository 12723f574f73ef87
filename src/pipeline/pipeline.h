#pragma once
// Pipeline: the embedded data path of `flowlens run` — packets (or ready-made flow records)
// through the flow meter and the stream processor into a FlowStore, with source positions
// committed in the same store transaction as the data they produced.
//
// How flows are cut, and why a crash neither loses nor repeats anything:
//  - The meter is flushed (every live flow emitted as a record) whenever a packet's event
//    time crosses a window boundary (UTC-aligned multiples of window_ns), at the end of
//    each file, and when too many records are pending. Records therefore never span two
//    windows, and right after a flush the meter holds no state.
//  - Only right after a flush may the pipeline commit: one store transaction with the
//    pending raw flows, the rollup deltas the stream processor computed from exactly those
//    records, and the file's checkpoint = the offset of the first packet not yet metered.
//  - After a crash, reading resumes at the committed offset with an empty meter — the
//    state the clean run had at that point — so the stored totals come out identical.
//    Which flush points get committed (commit_records, commit_interval_ns) changes
//    nothing but the transaction count.
//  - Cost of the cut: a flow that spans a boundary is counted as one record per window (as
//    pmacct's print_refresh_time does); fragments waiting for their first fragment at a
//    flush are dropped and counted (fragment_counters().orphaned).
//
// Not thread-safe: one thread drives a Pipeline. Errors from the store stop the pipeline
// (the caller exits; nothing uncommitted was acknowledged). With async_commits the store
// work runs on a writer thread beside the caller's (same commits, same order; an error
// surfaces at the next commit or at finish()).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "capture/directory_source.h"
#include "capture/packet_record.h"
#include "core/clock.h"
#include "core/result.h"
#include "meter/flow_meter.h"
#include "pipeline/store_writer.h"
#include "pipeline/window_split.h"
#include "model/flow_record.h"
#include "process/stream_processor.h"
#include "store/flow_store.h"

namespace flowlens::pipeline {

struct PipelineConfig {
  int64_t window_ns = int64_t{10} * 1'000'000'000;
  int64_t allowed_lateness_ns = int64_t{5} * 1'000'000'000;
  std::vector<IpNetwork> local_networks;
  uint32_t top_n = 10;
  size_t max_flows = 4'000'000;               // meter table bound (evictions are counted)
  size_t commit_records = 256 * 1024;         // commit at the first flush after this many
  int64_t commit_interval_ns = 1'000'000'000; // ... or this much wall time since the last
  size_t max_pending_records = 1024 * 1024;   // flush mid-window beyond this (memory bound)
  // Commits go to a StoreWriter thread (store_writer.h) instead of being written by the
  // caller's thread; finish() and commit_to_last_flush() wait for them. The store may
  // then be used by the caller only before the first packet and after finish().
  bool async_commits = false;
};

struct PipelineCounters {
  uint64_t packets = 0;     // frames given to add_packets
  uint64_t records = 0;     // flow records produced (metered or given)
  uint64_t commits = 0;     // store transactions
  uint64_t flushes = 0;     // meter flushes (window boundaries, file ends, pressure)
  uint64_t files_done = 0;
  uint64_t files_failed = 0;
};

class Pipeline {
 public:
  // `store` may be null (nothing is stored; windows are still summarised). `clock` paces
  // time-based commits only; event time always comes from the data.
  Pipeline(const PipelineConfig& config, store::FlowStore* store, process::WindowSink windows,
           Clock& clock);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Packets of one source in capture order. With `file`, the records' file_offset values
  // become that file's checkpoints.
  Status add_packets(std::span<const capture::PacketRecord> packets,
                     const capture::FileIdentity* file = nullptr);
  // Ready-made records (demo history, flow exports). A record that spans window
  // boundaries is spread over its windows in proportion to time (window_split.h), so the
  // invariant above holds for them too.
  Status add_records(FlowBatch records);
  // End of a file: flush, and commit with the file's final state (done at `final_offset`,
  // or failed with `failure`); with `file` null (files given by -r), no checkpoint.
  Status end_file(const capture::FileIdentity* file, uint64_t final_offset,
                  const std::optional<Error>& failure);
  // Event time has reached `event_ns` without packets (a quiet live link): crosses the
  // window boundary if due, so the window closes and is stored.
  Status advance_to(int64_t event_ns);
  // End of input: flush the meter, close every window, commit everything.
  Status finish();
  // Interrupted (SIGTERM): commit what was flushed, with the checkpoint of that flush
  // point, and drop what the meter holds since — it is read again on the next run.
  Status commit_to_last_flush();

  const PipelineCounters& counters() const { return counters_; }
  const meter::FlowMeter& meter() const { return *meter_; }
  const process::StreamProcessor& processor() const { return processor_; }

 private:
  // Emits every live flow into pending_ and feeds the processor.
  void flush_meter();
  void feed_processor();
  Status commit(int64_t now_ns);
  // Commits pending records + rollups (+ checkpoint) if `force` or a threshold is met.
  Status maybe_commit(const store::SourceCheckpoint* checkpoint, bool force);
  void on_records(FlowBatch batch);

  PipelineConfig config_;
  store::FlowStore* store_;
  Clock& clock_;
  process::StreamProcessor processor_;
  std::unique_ptr<meter::FlowMeter> meter_;
  std::unique_ptr<StoreWriter> writer_;  // async_commits only; destroyed (drained) first
  std::vector<FlowRecord> pending_;  // [0, fed_) are flushed and given to the processor
  size_t fed_ = 0;
  std::optional<store::SourceCheckpoint> last_flush_checkpoint_;
  int64_t next_boundary_ns_ = INT64_MIN;  // first packet at or past it flushes the meter
  int64_t last_commit_wall_ns_ = 0;
  PipelineCounters counters_;
};

}  // namespace flowlens::pipeline
