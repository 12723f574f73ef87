#pragma once
// FlowStore: where flows, rollups and source checkpoints live (ARCHITECTURE.md "store").
// The SQLite backend (store/sqlite/) is the embedded default; ClickHouse and MongoDB come
// later behind the same interface.
//
// Contract:
//  - write() applies one WriteBatch atomically (one transaction in SQLite): the raw flows
//    are inserted, the rollup deltas are ADDED to stored rollups (upsert), and the source
//    checkpoints are upserted by path. Either all of it is durable or none of it is: the
//    pipeline relies on this to resume after a crash without losing or repeating data.
//  - Queries never see half a batch.
//  - apply_retention() drops data older than each table's age limit and, when the store
//    is larger than max_bytes, drops the oldest raw flows first, then the oldest window-
//    and minute-resolution rollups; hour and day rollups are only removed by age.
//  - Not thread-safe: one FlowStore per thread (open a second one on the same path for a
//    reader thread; SQLite WAL lets readers run beside the writer).
//  - No SQL is ever built from request text: every value is a bound parameter.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/flow_record.h"
#include "model/rollup.h"
#include "store/query.h"

namespace flowlens::store {

// How far a watched capture file has been ingested.
enum class SourceState : uint8_t { kActive = 0, kDone = 1, kFailed = 2 };
struct SourceCheckpoint {
  std::string path;       // as found in the watched directory
  uint64_t device = 0;    // st_dev + st_ino: the file's identity, so a file replaced
  uint64_t inode = 0;     //   under the same name is read again from the start
  uint64_t offset = 0;    // bytes consumed: every packet before it is in the store
  SourceState state = SourceState::kActive;
  std::string error;      // for kFailed: what was wrong and where
};

struct WriteBatch {
  std::span<const FlowRecord> flows;
  const RollupDelta* rollups = nullptr;  // may be null
  std::span<const SourceCheckpoint> checkpoints;
};

struct RetentionPolicy {
  // 0 = keep forever.
  int64_t flows_max_age_ns = int64_t{7} * 86400 * 1'000'000'000;
  int64_t max_age_ns[kResolutionCount] = {
      int64_t{2} * 86400 * 1'000'000'000,    // window
      int64_t{30} * 86400 * 1'000'000'000,   // minute
      int64_t{400} * 86400 * 1'000'000'000,  // hour
      0,                                     // day
  };
  uint64_t max_bytes = 0;  // 0 = no size limit
};

struct RetentionReport {
  uint64_t flows_deleted = 0;
  uint64_t rollups_deleted = 0;
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

struct StoreStats {
  uint64_t flows = 0;
  uint64_t rollup_rows = 0;
  uint64_t bytes = 0;  // database size on disk (pages in use)
};

class FlowStore {
 public:
  virtual ~FlowStore() = default;

  // Opens by URL: "sqlite://PATH" (PATH may be relative; directories are created).
  // `window_ns` is the window length the writer uses (kept in the store: a store
  // written with 10 s windows refuses a writer with another length, naming both).
  // window_ns <= 0 opens an existing store with its stored length (readers such as
  // `flowlens query`); it never creates one.
  static Result<std::unique_ptr<FlowStore>> open(std::string_view url, int64_t window_ns);

  virtual Status write(const WriteBatch& batch) = 0;
  virtual Result<std::vector<SourceCheckpoint>> checkpoints() = 0;
  // `now_ns` is injected (event time or the wall clock, the caller decides).
  virtual Result<RetentionReport> apply_retention(const RetentionPolicy& policy,
                                                  int64_t now_ns) = 0;
  virtual Result<StoreStats> stats() = 0;

  virtual Result<TimeseriesResult> timeseries(const TimeseriesQuery& q) = 0;
  virtual Result<HostDailyResult> host_daily(const HostDailyQuery& q) = 0;
  virtual Result<TopResult> top(const TopQuery& q) = 0;
  virtual Result<FlowsResult> flows(const FlowsQuery& q) = 0;
  virtual Result<std::vector<LocalHost>> local_hosts(const LocalHostsQuery& q) = 0;
  virtual Result<SummaryResult> summary(int64_t from_ns, int64_t to_ns) = 0;

  virtual int64_t window_ns() const = 0;
};

// summary() of everything the store holds (first_ns/last_ns give its extent). The range
// is day-aligned so the totals come from day rollups, never from a raw-flow scan.
Result<SummaryResult> whole_store_summary(FlowStore& db);

// The step a timeseries over [from, to) gets when none is asked for: the first of one
// window, 1 min, 5 min, 1 h, 1 day that gives at most 200 points, rounded up to a whole
// number of windows (what `flowlens query timeseries` and the REST API both use).
int64_t default_timeseries_step(int64_t from_ns, int64_t to_ns, int64_t window_ns);

}  // namespace flowlens::store
