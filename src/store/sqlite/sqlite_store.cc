#include "store/sqlite/sqlite_store.h"

#include "store/sqlite/flow_block_table.h"

#include "core/byte_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <filesystem>
#include <optional>
#include <system_error>

namespace flowlens::store::sqlite {
namespace {

// Sort key of a host rollup row: resolution, bucket, address bytes (as two big-endian
// words, so the order is the bytes' order), family, side; `index` names the row.
struct HostSortKey {
  int64_t bucket_ns;
  uint64_t hi;
  uint64_t lo;
  uint32_t tag;  // resolution << 16 | family << 8 | side
  uint32_t index;
  friend bool operator<(const HostSortKey& a, const HostSortKey& b) {
    const uint32_t ra = a.tag >> 16;
    const uint32_t rb = b.tag >> 16;
    return std::tie(ra, a.bucket_ns, a.hi, a.lo, a.tag) <
           std::tie(rb, b.bucket_ns, b.hi, b.lo, b.tag);
  }
};
// Rows looked up this far ahead of the one being bound (the sorted order visits the delta
// randomly).
constexpr size_t kPrefetchAhead = 8;

HostSortKey host_sort_key(const HostRollup& h, size_t index) {
  return {h.bucket_ns, load_be64(h.host.bytes.data()), load_be64(h.host.bytes.data() + 8),
          uint32_t{static_cast<uint8_t>(h.resolution)} << 16 |
              uint32_t{static_cast<uint8_t>(h.host.family)} << 8 |
              uint32_t{static_cast<uint8_t>(h.side)},
          static_cast<uint32_t>(index)};
}

std::string upsert_sql(RollupFamily family, Resolution r) {
  static constexpr const char* kColumns[kRollupFamilyCount] = {
      "bucket_ns, ip_proto, direction", "bucket_ns, ip_proto, port, direction",
      "bucket_ns, host, side"};
  static constexpr const char* kValues[kRollupFamilyCount] = {
      "?1, ?2, ?3, ?4, ?5, ?6", "?1, ?2, ?3, ?4, ?5, ?6, ?7", "?1, ?2, ?3, ?4, ?5, ?6"};
  const int f = static_cast<int>(family);
  return fmt::format(
      "INSERT INTO {0}({1}, bytes, packets, flows) VALUES({2}) ON CONFLICT({1}) DO UPDATE"
      " SET bytes = bytes + excluded.bytes, packets = packets + excluded.packets,"
      " flows = flows + excluded.flows",
      rollup_table(family, r), kColumns[f], kValues[f]);
}

constexpr int kHostColumnCount = 6;
// Host rollup rows per upsert statement: one VDBE program run per 32 rows instead of per
// row; 32 x 6 parameters stays far below SQLite's 32766 limit. Measured in README.
constexpr int kRowsPerUpsert = 32;

// Multi-row upsert of host rows. SQLite applies the rows one after another, so a key
// repeated within one statement would still add up (a delta holds each key once anyway).
std::string host_upsert_sql(Resolution r, int rows) {
  std::string sql =
      fmt::format("INSERT INTO {}(bucket_ns, host, side, bytes, packets, flows) VALUES ",
                  rollup_table(RollupFamily::kHosts, r));
  for (int i = 0; i < rows; ++i) sql += i == 0 ? "(?,?,?,?,?,?)" : ",(?,?,?,?,?,?)";
  sql += " ON CONFLICT(bucket_ns, host, side) DO UPDATE SET bytes = bytes + excluded.bytes,"
         " packets = packets + excluded.packets, flows = flows + excluded.flows";
  return sql;
}

void bind_host(Statement& s, int base, const HostRollup& h) {
  s.bind_int(base + 1, h.bucket_ns);
  s.bind_ip(base + 2, h.host);
  s.bind_int(base + 3, static_cast<int64_t>(h.side));
  s.bind_uint(base + 4, h.counters.bytes);
  s.bind_uint(base + 5, h.counters.packets);
  s.bind_uint(base + 6, h.counters.flows);
}

// Readers (queries, the API) read pages from a mapping of the file instead of copying
// them (2 GiB, the most Debian's SQLite allows): a top over 1.9 M host rows took 20 % less
// time. Not the writer: its reads would count the mapped file in its RSS, and its pages
// are written through pwrite anyway.
Status map_for_reading(Connection& db) {
  return db.exec("PRAGMA mmap_size = 2147418112", "PRAGMA mmap_size");
}

// now - age without wrapping: now and the ages come from the caller's configuration.
int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) return b > 0 ? INT64_MIN : INT64_MAX;
  return out;
}

bool valid_resolution(Resolution r) { return static_cast<int>(r) < kResolutionCount; }

void bind_counters(Statement& s, int first, const Counters3& c) {
  s.bind_uint(first, c.bytes);
  s.bind_uint(first + 1, c.packets);
  s.bind_uint(first + 2, c.flows);
}

std::string format_window(int64_t ns) {
  if (ns % 1'000'000'000 == 0) return fmt::format("{} s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{} ms", ns / 1'000'000);
  return fmt::format("{} ns", ns);
}

}  // namespace

Result<std::unique_ptr<FlowStore>> SqliteStore::open(const std::string& path,
                                                     int64_t window_ns) {
  if (path.empty()) return Error{"sqlite store: empty path in URL (want sqlite://PATH)"};
  if (window_ns <= 0) {
    // A reader: never create an empty store just to find nothing in it.
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return Error{fmt::format("sqlite store {}: no such store (readers open an existing "
                               "store; the writer creates it)",
                               path)};
    }
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Error{fmt::format("sqlite store {}: cannot create directory {}: {}", path,
                               parent.string(), ec.message())};
    }
  }
  auto db = Connection::open(path);
  if (!db) return db.error();
  auto stored = migrate(**db, window_ns);
  if (!stored) return stored.error();
  if (window_ns <= 0) {
    if (auto s = map_for_reading(**db); !s) return s.error();
  }
  if (window_ns > 0 && *stored != window_ns) {
    return Error{fmt::format(
        "sqlite store {} holds {} windows (window_ns {}); refusing a writer with {} "
        "windows (window_ns {}): use the same --window or another store",
        path, format_window(*stored), *stored, format_window(window_ns), window_ns)};
  }
  return std::unique_ptr<FlowStore>(new SqliteStore(std::move(*db), *stored));
}

Result<Connection*> SqliteStore::reader() {
  if (reader_ == nullptr) {
    auto db = Connection::open(db_->path());
    if (!db) return db.error();
    if (auto s = configure(**db); !s) return s.error();
    if (auto s = map_for_reading(**db); !s) return s.error();
    reader_ = std::move(*db);
  }
  return reader_.get();
}

Status SqliteStore::write(const WriteBatch& batch) {
  if (batch.rollups != nullptr && !batch.rollups->empty() &&
      batch.rollups->window_ns != window_ns_) {
    return Error{fmt::format(
        "sqlite store {}: write: rollups use window_ns {} but the store holds {}",
        db_->path(), batch.rollups->window_ns, window_ns_)};
  }
  if (auto s = db_->exec("BEGIN IMMEDIATE", "write: begin"); !s) return s;
  Status s = write_in_transaction(batch);
  if (s) s = commit("write");
  if (!s) (void)db_->exec("ROLLBACK", "write: rollback");
  return s;
}

Status SqliteStore::commit(std::string_view step) {
  auto bump = db_->prepare(
      "INSERT INTO meta(key, value) VALUES('generation', 1) "
      "ON CONFLICT(key) DO UPDATE SET value = value + 1");
  if (!bump) return bump.error();
  if (auto s = db_->run(*bump, fmt::format("{}: generation", step)); !s) return s;
  return db_->exec("COMMIT", fmt::format("{}: commit", step));
}

Status SqliteStore::write_in_transaction(const WriteBatch& batch) {
  if (auto s = insert_flows(batch.flows); !s) return s;
  if (auto s = add_flow_count(static_cast<int64_t>(batch.flows.size())); !s) return s;
  if (batch.rollups != nullptr) {
    if (auto s = upsert_rollups(*batch.rollups); !s) return s;
  }
  return upsert_checkpoints(batch.checkpoints);
}

Status SqliteStore::insert_flows(std::span<const FlowRecord> flows) {
  return write_flow_blocks(*db_, flows);
}

Status SqliteStore::upsert_rollups(const RollupDelta& delta) {
  // One statement per (family, resolution), looked up once per batch rather than per row:
  // formatting and hashing the SQL text per row cost more than the upsert itself.
  std::optional<Statement> stmts[kResolutionCount];
  auto statement = [&](RollupFamily family, Resolution r) -> Result<Statement*> {
    if (!valid_resolution(r)) {
      return Error{fmt::format("write: rollup resolution {} out of range", static_cast<int>(r))};
    }
    auto& slot = stmts[static_cast<int>(r)];
    if (!slot) {
      auto s = db_->prepare(upsert_sql(family, r));
      if (!s) return s.error();
      slot.emplace(std::move(s).value());
    }
    return &*slot;
  };
  for (const TrafficRollup& t : delta.traffic) {
    auto s = statement(RollupFamily::kTraffic, t.resolution);
    if (!s) return s.error();
    Statement& st = **s;
    st.bind_int(1, t.bucket_ns);
    st.bind_int(2, t.ip_proto);
    st.bind_int(3, static_cast<int64_t>(t.direction));
    bind_counters(st, 4, t.counters);
    if (auto status = db_->run(st, "write: upsert traffic rollups"); !status) return status;
  }
  for (auto& slot : stmts) slot.reset();
  std::vector<const PortRollup*> ports;
  ports.reserve(delta.ports.size());
  for (const PortRollup& p : delta.ports) ports.push_back(&p);
  std::sort(ports.begin(), ports.end(), [](const PortRollup* a, const PortRollup* b) {
    return std::tie(a->resolution, a->bucket_ns, a->ip_proto, a->port, a->direction) <
           std::tie(b->resolution, b->bucket_ns, b->ip_proto, b->port, b->direction);
  });
  for (const PortRollup* pp : ports) {
    const PortRollup& p = *pp;
    auto s = statement(RollupFamily::kPorts, p.resolution);
    if (!s) return s.error();
    Statement& st = **s;
    st.bind_int(1, p.bucket_ns);
    st.bind_int(2, p.ip_proto);
    st.bind_int(3, p.port);
    st.bind_int(4, static_cast<int64_t>(p.direction));
    bind_counters(st, 5, p.counters);
    if (auto status = db_->run(st, "write: upsert port rollups"); !status) return status;
  }
  for (auto& slot : stmts) slot.reset();
  // Rows go in primary-key order: a delta arrives in hash order, and random-order upserts
  // made every row a fresh B-tree descent (sqlite3BtreeIndexMoveto was the top symbol of
  // `flowlens run`); in key order consecutive rows land on the same pages, and rows of a
  // new bucket append at the end of the tree. The sort runs over compact value keys: a
  // comparator that chased pointers into the delta (a cache miss per compare, plus a
  // memcmp call) took 13 % of `flowlens run`'s CPU on the 64-byte file, more than the
  // upserts it was ordering.
  if (delta.hosts.size() > UINT32_MAX) {
    return Error{fmt::format("write: {} host rollup rows in one batch (at most {})",
                             delta.hosts.size(), UINT32_MAX)};
  }
  std::vector<HostSortKey> hosts;
  hosts.reserve(delta.hosts.size());
  for (size_t i = 0; i < delta.hosts.size(); ++i) {
    hosts.push_back(host_sort_key(delta.hosts[i], i));
  }
  std::sort(hosts.begin(), hosts.end());
  // Runs of one resolution go kRowsPerUpsert rows per statement (one VDBE program run per
  // run of rows, as for raw flows); the remainder row by row. With the value-key sort this
  // halved SQLite's CPU in `flowlens run` on the 64-byte file (pipeline_bench.py ingest).
  std::optional<Statement> many[kResolutionCount];
  size_t i = 0;
  while (i < hosts.size()) {
    const HostRollup& first = delta.hosts[hosts[i].index];
    if (!valid_resolution(first.resolution)) {
      return Error{fmt::format("write: rollup resolution {} out of range",
                               static_cast<int>(first.resolution))};
    }
    size_t run_end = i + 1;
    while (run_end < hosts.size() && (hosts[run_end].tag >> 16) == (hosts[i].tag >> 16)) {
      ++run_end;
    }
    auto& slot = many[static_cast<int>(first.resolution)];
    for (; i + kRowsPerUpsert <= run_end; i += kRowsPerUpsert) {
      if (!slot) {
        auto st = db_->prepare(host_upsert_sql(first.resolution, kRowsPerUpsert));
        if (!st) return st.error();
        slot.emplace(std::move(st).value());
      }
      for (int r = 0; r < kRowsPerUpsert; ++r) {
        const size_t k = i + static_cast<size_t>(r);
        if (k + kPrefetchAhead < hosts.size()) {
          __builtin_prefetch(&delta.hosts[hosts[k + kPrefetchAhead].index]);
        }
        bind_host(*slot, r * kHostColumnCount, delta.hosts[hosts[k].index]);
      }
      if (auto status = db_->run(*slot, "write: upsert host rollups"); !status) return status;
    }
    for (; i < run_end; ++i) {
      auto st = statement(RollupFamily::kHosts, first.resolution);
      if (!st) return st.error();
      bind_host(**st, 0, delta.hosts[hosts[i].index]);
      if (auto status = db_->run(**st, "write: upsert host rollups"); !status) return status;
    }
  }
  return Status::Ok();
}

Status SqliteStore::upsert_checkpoints(std::span<const SourceCheckpoint> checkpoints) {
  if (checkpoints.empty()) return Status::Ok();
  auto s = db_->prepare(
      "INSERT INTO sources(path, device, inode, offset, state, error)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(path) DO UPDATE SET"
      " device = excluded.device, inode = excluded.inode, offset = excluded.offset,"
      " state = excluded.state, error = excluded.error");
  if (!s) return s.error();
  for (const SourceCheckpoint& c : checkpoints) {
    s->bind_text(1, c.path);
    s->bind_uint(2, c.device);
    s->bind_uint(3, c.inode);
    s->bind_uint(4, c.offset);
    s->bind_int(5, static_cast<int64_t>(c.state));
    s->bind_text(6, c.error);
    if (auto st = db_->run(*s, "write: upsert checkpoint"); !st) return st;
  }
  return Status::Ok();
}

Result<std::vector<SourceCheckpoint>> SqliteStore::checkpoints() {
  auto s = db_->prepare(
      "SELECT path, device, inode, offset, state, error FROM sources ORDER BY path");
  if (!s) return s.error();
  std::vector<SourceCheckpoint> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    SourceCheckpoint c;
    c.path = s->column_text(0);
    c.device = s->column_uint(1);
    c.inode = s->column_uint(2);
    c.offset = s->column_uint(3);
    c.state = static_cast<SourceState>(s->column_int(4));  // CHECK keeps it in 0..2
    c.error = s->column_text(5);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return db_->error("read checkpoints", rc);
  return out;
}

Result<int64_t> SqliteStore::raw_flow_count() {
  return db_->query_int("SELECT value FROM meta WHERE key = 'flow_count'", "count flows");
}

// Keeps meta.flow_count equal to the rows of `flows`; called inside the transaction that
// inserts or deletes them.
Status SqliteStore::add_flow_count(int64_t delta) {
  if (delta == 0) return Status::Ok();
  auto s = db_->prepare("UPDATE meta SET value = value + ?1 WHERE key = 'flow_count'");
  if (!s) return s.error();
  s->bind_int(1, delta);
  return db_->run(*s, "update flow count");
}

Result<StoreStats> SqliteStore::stats() {
  StoreStats st;
  auto n = raw_flow_count();
  if (!n) return n.error();
  st.flows = static_cast<uint64_t>(*n);
  for (int f = 0; f < kRollupFamilyCount; ++f) {
    for (int r = 0; r < kResolutionCount; ++r) {
      auto rows = db_->query_int(
          "SELECT count(*) FROM " +
              rollup_table(static_cast<RollupFamily>(f), static_cast<Resolution>(r)),
          "count rollups");
      if (!rows) return rows.error();
      st.rollup_rows += static_cast<uint64_t>(*rows);
    }
  }
  auto bytes = used_bytes();
  if (!bytes) return bytes.error();
  st.bytes = *bytes;
  return st;
}

// Pages in use: the file never shrinks without VACUUM, but freed pages are reused, so
// (page_count - freelist_count) * page_size is what the data occupies. The WAL file is
// not counted (checkpoints fold it back into the main file).
Result<uint64_t> SqliteStore::used_bytes() {
  auto pages = db_->query_int("PRAGMA page_count", "page_count");
  if (!pages) return pages.error();
  auto free_pages = db_->query_int("PRAGMA freelist_count", "freelist_count");
  if (!free_pages) return free_pages.error();
  auto page_size = db_->query_int("PRAGMA page_size", "page_size");
  if (!page_size) return page_size.error();
  return static_cast<uint64_t>(std::max<int64_t>(0, *pages - *free_pages) * *page_size);
}

Result<uint64_t> SqliteStore::delete_older(const std::string& table, const char* time_column,
                                           int64_t cutoff_ns) {
  auto s = db_->prepare(fmt::format("DELETE FROM {} WHERE {} < ?1", table, time_column));
  if (!s) return s.error();
  s->bind_int(1, cutoff_ns);
  if (auto st = db_->run(*s, fmt::format("retention: delete old rows of {}", table)); !st) {
    return st.error();
  }
  return static_cast<uint64_t>(db_->changes());
}

// Whole blocks that end before the cutoff are deleted; a block that straddles it is
// rewritten with the flows that start at or after the cutoff. Those are a suffix of the
// block (flows are sorted in a block), so the rewritten block starts at the id of its first
// kept flow and every kept flow keeps its id.
Result<uint64_t> SqliteStore::delete_flows_before(int64_t cutoff_ns) {
  uint64_t deleted = 0;
  {
    auto s = db_->prepare("SELECT coalesce(sum(count), 0) FROM flow_blocks WHERE start_max < ?1");
    if (!s) return s.error();
    s->bind_int(1, cutoff_ns);
    if (const int rc = s->step(); rc != SQLITE_ROW) return db_->error("retention: count", rc);
    deleted = s->column_uint(0);
  }
  auto whole = db_->prepare("DELETE FROM flow_blocks WHERE start_max < ?1");
  if (!whole) return whole.error();
  whole->bind_int(1, cutoff_ns);
  if (auto st = db_->run(*whole, "retention: delete old flow blocks"); !st) return st.error();

  struct Straddling {
    int64_t id;
    size_t count;
    std::vector<FlowRecord> kept;
  };
  std::vector<Straddling> rewrite;
  {
    auto scan = FlowBlockScan::open(*db_, cutoff_ns, cutoff_ns, FlowBlockScan::Order::kAny);
    if (!scan) return scan.error();
    for (;;) {
      auto more = scan->next();
      if (!more) return more.error();
      if (!*more) break;
      auto flows = scan->flows();
      if (!flows) return flows.error();
      Straddling b{scan->row().id, flows->size(), {}};
      for (const FlowRecord& r : *flows) {
        if (r.start_ns >= cutoff_ns) b.kept.push_back(r);
      }
      rewrite.push_back(std::move(b));
    }
  }
  std::vector<uint8_t> scratch;
  for (const Straddling& b : rewrite) {
    auto del = db_->prepare("DELETE FROM flow_blocks WHERE id = ?1");
    if (!del) return del.error();
    del->bind_int(1, b.id);
    if (auto st = db_->run(*del, "retention: rewrite flow block"); !st) return st.error();
    const int64_t first_kept = b.id + static_cast<int64_t>(b.count - b.kept.size());
    if (auto st = insert_flow_block(*db_, first_kept, b.kept, scratch); !st) return st.error();
    deleted += b.count - b.kept.size();
  }
  return deleted;
}

// The oldest blocks by start time until at least `at_least` flows are gone.
Result<uint64_t> SqliteStore::delete_oldest_flows(int64_t at_least) {
  std::vector<int64_t> ids;
  uint64_t deleted = 0;
  {
    auto s = db_->prepare("SELECT id, count FROM flow_blocks ORDER BY start_min");
    if (!s) return s.error();
    int rc = SQLITE_DONE;
    while (deleted < static_cast<uint64_t>(at_least) && (rc = s->step()) == SQLITE_ROW) {
      ids.push_back(s->column_int(0));
      deleted += s->column_uint(1);
    }
    if (deleted < static_cast<uint64_t>(at_least) && rc != SQLITE_DONE) {
      return db_->error("retention: oldest flow blocks", rc);
    }
  }
  for (const int64_t id : ids) {
    auto del = db_->prepare("DELETE FROM flow_blocks WHERE id = ?1");
    if (!del) return del.error();
    del->bind_int(1, id);
    if (auto st = db_->run(*del, "retention: delete oldest flows"); !st) return st.error();
  }
  return deleted;
}

Result<RetentionReport> SqliteStore::apply_retention(const RetentionPolicy& policy,
                                                     int64_t now_ns) {
  RetentionReport report;
  auto before = used_bytes();
  if (!before) return before.error();
  report.bytes_before = *before;

  if (auto s = db_->exec("BEGIN IMMEDIATE", "retention: begin"); !s) return s.error();
  Status status;
  if (policy.flows_max_age_ns > 0) {
    auto n = delete_flows_before(saturating_sub(now_ns, policy.flows_max_age_ns));
    if (n) {
      report.flows_deleted += *n;
      status = add_flow_count(-static_cast<int64_t>(*n));
    } else {
      status = n.error();
    }
  }
  for (int r = 0; r < kResolutionCount && status; ++r) {
    const int64_t age = policy.max_age_ns[r];
    if (age <= 0) continue;
    // A bucket is old when all of it is: bucket_ns + length <= now - age.
    const int64_t cutoff = saturating_sub(
        saturating_sub(now_ns, age), resolution_ns(static_cast<Resolution>(r), window_ns_) - 1);
    for (int f = 0; f < kRollupFamilyCount && status; ++f) {
      auto n = delete_older(rollup_table(static_cast<RollupFamily>(f),
                                         static_cast<Resolution>(r)),
                            "bucket_ns", cutoff);
      if (n) {
        report.rollups_deleted += *n;
      } else {
        status = n.error();
      }
    }
  }
  if (status) status = commit("retention");
  if (!status) {
    (void)db_->exec("ROLLBACK", "retention: rollback");
    return status.error();
  }

  if (policy.max_bytes > 0) {
    // Each step deletes a slice of the oldest data in its own transaction and measures
    // again; the bound only guards against a store that stops shrinking.
    for (int step = 0; step < 100'000; ++step) {
      auto used = used_bytes();
      if (!used) return used.error();
      if (*used <= policy.max_bytes) break;
      auto progressed = shrink_step(report);
      if (!progressed) return progressed.error();
      if (!*progressed) break;
    }
  }
  auto after = used_bytes();
  if (!after) return after.error();
  report.bytes_after = *after;
  return report;
}

// One slice of size retention: the oldest raw flows while any remain, else the oldest
// window-resolution buckets, else the oldest minute buckets. Returns false when only
// hour and day rollups are left (those go by age only).
Result<bool> SqliteStore::shrink_step(RetentionReport& report) {
  auto used = used_bytes();
  if (!used) return used.error();
  auto flow_rows = raw_flow_count();
  if (!flow_rows) return flow_rows.error();

  if (auto s = db_->exec("BEGIN IMMEDIATE", "retention: begin"); !s) return s.error();
  Status status;
  bool progressed = false;
  if (*flow_rows > 0) {
    // A slice of 1/16 of the flows (at least 1024): few rounds, little overshoot.
    const int64_t slice = std::min<int64_t>(*flow_rows, std::max<int64_t>(1024, *flow_rows / 16));
    auto deleted = delete_oldest_flows(slice);
    if (deleted) {
      report.flows_deleted += *deleted;
      status = add_flow_count(-static_cast<int64_t>(*deleted));
      progressed = *deleted > 0;
    } else {
      status = deleted.error();
    }
  } else {
    for (Resolution r : {Resolution::kWindow, Resolution::kMinute}) {
      // Oldest and newest bucket over the three families of this resolution.
      int64_t oldest = INT64_MAX;
      int64_t newest = INT64_MIN;
      for (int f = 0; f < kRollupFamilyCount && status; ++f) {
        const std::string table = rollup_table(static_cast<RollupFamily>(f), r);
        // Separate subqueries keep SQLite's O(log n) min/max (one SELECT with both scans).
        auto s = db_->prepare(fmt::format(
            "SELECT (SELECT min(bucket_ns) FROM {0}), (SELECT max(bucket_ns) FROM {0})", table));
        if (!s) {
          status = s.error();
          break;
        }
        const int rc = s->step();
        if (rc == SQLITE_ROW && !s->column_is_null(0)) {
          oldest = std::min(oldest, s->column_int(0));
          newest = std::max(newest, s->column_int(1));
        } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
          status = db_->error("retention: oldest bucket", rc);
        }
      }
      if (!status || oldest > newest) continue;
      const int64_t length = resolution_ns(r, window_ns_);
      const int64_t cutoff = oldest + std::max(length, (newest - oldest) / 16 + 1);
      for (int f = 0; f < kRollupFamilyCount && status; ++f) {
        auto n = delete_older(rollup_table(static_cast<RollupFamily>(f), r), "bucket_ns",
                              cutoff);
        if (n) {
          report.rollups_deleted += *n;
        } else {
          status = n.error();
        }
      }
      progressed = true;
      break;
    }
  }
  if (status) status = commit("retention");
  if (!status) {
    (void)db_->exec("ROLLBACK", "retention: rollback");
    return status.error();
  }
  return progressed;
}

std::optional<Resolution> SqliteStore::range_resolution(int64_t from_ns, int64_t to_ns) const {
  for (int r = kResolutionCount - 1; r >= 0; --r) {
    const auto res = static_cast<Resolution>(r);
    const int64_t length = resolution_ns(res, window_ns_);
    if (length < window_ns_) continue;
    // `%` rather than bucket_start(): no overflow for times near INT64_MIN.
    if (from_ns % length == 0 && to_ns % length == 0) {
      return res;
    }
  }
  return std::nullopt;
}

}  // namespace flowlens::store::sqlite
