#pragma once
// SqliteStore: the embedded FlowStore backend (raw SQLite C API). Contract in
// store/flow_store.h; schema in schema.h; which query reads which table, the exactness
// of top and the retention order in store/README.md.
//
// Implementation notes:
//  - One Connection, WAL, synchronous=NORMAL: a commit is durable against a process
//    crash; against power loss the last commits may roll back, but atomically. Tops
//    open a second, read-only-used connection for a second thread (reader()), used only
//    on the same snapshot as the first (meta.generation).
//  - write() is BEGIN IMMEDIATE .. COMMIT; any failed step rolls the whole batch back
//    and the returned Error names the step.
//  - The query methods live in sqlite_store_query.cc (same class, split by
//    responsibility: writing and maintenance here, reading there).

#include <memory>
#include <string>
#include <string_view>

#include "core/flat_map.h"
#include "store/flow_store.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/schema.h"
#include "store/top_k.h"

namespace flowlens::store::sqlite {

class SqliteStore final : public FlowStore {
 public:
  // `path` is a file path (parent directories are created). window_ns <= 0 adopts the
  // stored window length (for readers); a new store needs window_ns > 0.
  static Result<std::unique_ptr<FlowStore>> open(const std::string& path, int64_t window_ns);

  Status write(const WriteBatch& batch) override;
  Result<std::vector<SourceCheckpoint>> checkpoints() override;
  Result<RetentionReport> apply_retention(const RetentionPolicy& policy,
                                          int64_t now_ns) override;
  Result<StoreStats> stats() override;

  Result<TimeseriesResult> timeseries(const TimeseriesQuery& q) override;
  Result<HostDailyResult> host_daily(const HostDailyQuery& q) override;
  Result<TopResult> top(const TopQuery& q) override;
  Result<FlowsResult> flows(const FlowsQuery& q) override;
  Result<std::vector<LocalHost>> local_hosts(const LocalHostsQuery& q) override;
  Result<SummaryResult> summary(int64_t from_ns, int64_t to_ns) override;

  int64_t window_ns() const override { return window_ns_; }

 private:
  SqliteStore(std::unique_ptr<Connection> db, int64_t window_ns)
      : db_(std::move(db)), window_ns_(window_ns) {}

  Status write_in_transaction(const WriteBatch& batch);
  // Adds 1 to meta.generation and commits: two connections whose read transactions see
  // the same generation see the same data (parallel queries check it).
  Status commit(std::string_view step);
  // A second connection to the same file for a query's second thread, opened on first use.
  Result<Connection*> reader();
  Status insert_flows(std::span<const FlowRecord> flows);
  Status upsert_rollups(const RollupDelta& delta);
  Status upsert_checkpoints(std::span<const SourceCheckpoint> checkpoints);

  Result<uint64_t> used_bytes();
  Result<uint64_t> delete_older(const std::string& table, const char* time_column,
                                int64_t cutoff_ns);
  Result<bool> shrink_step(RetentionReport& report);
  // Raw flows that start before the cutoff; returns how many were deleted.
  Result<uint64_t> delete_flows_before(int64_t cutoff_ns);
  // At least `at_least` of the oldest raw flows (whole blocks); returns how many.
  Result<uint64_t> delete_oldest_flows(int64_t at_least);

  // Resolution to answer [from, to) from rollups: the coarsest whose bucket is >= the
  // window and divides both ends; nullopt when not even the window does.
  std::optional<Resolution> range_resolution(int64_t from_ns, int64_t to_ns) const;
  Result<int64_t> raw_flow_count();
  Status add_flow_count(int64_t delta);
  // False when raw flows no longer cover [from, ...) but rollups show data there.
  Result<bool> raw_flows_cover(int64_t from_ns);
  // A read transaction on db_ and, when a second thread may help (two cores, and
  // reader() opens and sees the same snapshot), one on reader(): `other` is then set.
  struct ParallelRead {
    std::unique_ptr<ReadTransaction> txn;
    std::unique_ptr<ReadTransaction> other_txn;
    Connection* other = nullptr;
  };
  Result<ParallelRead> begin_parallel_read();
  // Sums the raw flows of [from, to) that match the query's filter into `groups`, by
  // the top's key; with a second connection, each thread decodes every other block into
  // its own table and the two are added at the end.
  template <typename KeyOf>
  Status group_raw_flows(const TopQuery& q, KeyOf key_of, FlatMap<3, Counters3>& groups);
  // top() over host rollups of `table`, merged per bucket in host order by two threads
  // when the machine has two cores; false when the range has too many buckets for that.
  Result<bool> top_hosts_merged(const std::string& table, const TopQuery& q, HostSide side,
                                TopK& best);

  std::unique_ptr<Connection> db_;
  std::unique_ptr<Connection> reader_;
  int64_t window_ns_;
};

}  // namespace flowlens::store::sqlite
