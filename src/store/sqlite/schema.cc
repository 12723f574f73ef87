#include "store/sqlite/schema.h"

#include <fmt/format.h>

#include <vector>

#include "store/sqlite/flow_block.h"
#include "store/sqlite/flow_block_table.h"
#include "store/sqlite/flow_detail.h"

namespace flowlens::store::sqlite {
namespace {

constexpr const char* kFamilyNames[kRollupFamilyCount] = {"traffic", "ports", "hosts"};

// Rollup key columns per family, in primary-key order after bucket_ns.
constexpr const char* kFamilyKeyColumns[kRollupFamilyCount] = {
    "ip_proto INTEGER NOT NULL, direction INTEGER NOT NULL",
    "ip_proto INTEGER NOT NULL, port INTEGER NOT NULL, direction INTEGER NOT NULL",
    "host BLOB NOT NULL, side INTEGER NOT NULL",
};
constexpr const char* kFamilyKey[kRollupFamilyCount] = {
    "bucket_ns, ip_proto, direction",
    "bucket_ns, ip_proto, port, direction",
    "bucket_ns, host, side",
};

std::string schema_v1() {
  std::string sql =
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
      " WITHOUT ROWID;\n"
      // Columns that queries filter, sort or group by; the rest of the record is packed
      // in `detail` (flow_detail.h).
      "CREATE TABLE flows(\n"
      "  id INTEGER PRIMARY KEY,\n"
      "  start_ns INTEGER NOT NULL,\n"
      "  bytes INTEGER NOT NULL, packets INTEGER NOT NULL, flows INTEGER NOT NULL,\n"
      "  src BLOB, dst BLOB,\n"
      "  src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL,\n"
      "  ip_proto INTEGER NOT NULL, direction INTEGER NOT NULL,\n"
      "  detail BLOB NOT NULL);\n"
      "CREATE INDEX flows_by_start ON flows(start_ns);\n"
      // The CHECKs guard the checkpoint rows the pipeline's crash safety relies on.
      "CREATE TABLE sources(\n"
      "  path TEXT PRIMARY KEY CHECK(path <> ''),\n"
      "  device INTEGER NOT NULL, inode INTEGER NOT NULL, offset INTEGER NOT NULL,\n"
      "  state INTEGER NOT NULL CHECK(state BETWEEN 0 AND 2),\n"
      "  error TEXT NOT NULL);\n";
  for (int f = 0; f < kRollupFamilyCount; ++f) {
    for (int r = 0; r < kResolutionCount; ++r) {
      const auto family = static_cast<RollupFamily>(f);
      const std::string table = rollup_table(family, static_cast<Resolution>(r));
      sql += fmt::format(
          "CREATE TABLE {}(bucket_ns INTEGER NOT NULL, {}, bytes INTEGER NOT NULL,"
          " packets INTEGER NOT NULL, flows INTEGER NOT NULL, PRIMARY KEY({}))"
          " WITHOUT ROWID;\n",
          table, kFamilyKeyColumns[f], kFamilyKey[f]);
      if (family == RollupFamily::kHosts) {
        // host-daily reads one host over many buckets.
        sql += fmt::format("CREATE INDEX {0}_by_host ON {0}(host, bucket_ns);\n", table);
      }
    }
  }
  return sql;
}

// v2: the raw-flow count kept in meta (count(*) scanned the whole table: seconds at tens
// of millions of rows, on every summary).
std::string schema_v2() {
  return "INSERT OR REPLACE INTO meta(key, value) SELECT 'flow_count', count(*) FROM flows;\n";
}

// v3: raw flows as blocks of up to kFlowsPerBlock per row (flow_block_table.h): one
// SQLite row per flow capped the insert near 0.6 M rows/s here, SQLite's per-row cost.
// The rows of `flows` are copied (renumbered in start order: cursors of an old page do
// not survive the upgrade), then the table is dropped.
std::string schema_v3() {
  return "CREATE TABLE flow_blocks(\n"
         "  id INTEGER PRIMARY KEY,\n"
         "  count INTEGER NOT NULL, start_min INTEGER NOT NULL, start_max INTEGER NOT NULL,\n"
         "  bytes INTEGER NOT NULL, packets INTEGER NOT NULL, flows INTEGER NOT NULL,\n"
         "  max_bytes INTEGER NOT NULL, max_packets INTEGER NOT NULL,\n"
         "  data BLOB NOT NULL);\n"
         "CREATE INDEX flow_blocks_by_start ON flow_blocks(start_min, start_max);\n"
         "CREATE INDEX flow_blocks_by_end ON flow_blocks(start_max);\n";
}

Status copy_flows_to_blocks(Connection& db) {
  auto s = db.prepare(
      "SELECT start_ns, bytes, packets, flows, src, dst, src_port, dst_port, ip_proto,"
      " direction, detail FROM flows ORDER BY start_ns, id");
  if (!s) return s.error();
  std::vector<FlowRecord> block;
  std::vector<uint8_t> scratch;
  int64_t id = 1;
  auto flush = [&]() -> Status {
    Status st = insert_flow_block(db, id, block, scratch);
    id += static_cast<int64_t>(block.size());
    block.clear();
    return st;
  };
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    FlowRecord r;
    r.start_ns = s->column_int(0);
    r.bytes = s->column_uint(1);
    r.packets = s->column_uint(2);
    r.flows = s->column_uint(3);
    r.src = s->column_ip(4);
    r.dst = s->column_ip(5);
    r.src_port = static_cast<uint16_t>(s->column_int(6));
    r.dst_port = static_cast<uint16_t>(s->column_int(7));
    r.ip_proto = static_cast<uint8_t>(s->column_int(8));
    const int64_t direction = s->column_int(9);
    r.direction = direction >= 0 && direction <= static_cast<int64_t>(Direction::kTransit)
                      ? static_cast<Direction>(direction)
                      : Direction::kUnknown;
    size_t n = 0;
    const uint8_t* detail = s->column_blob(10, n);
    (void)decode_flow_detail(detail, n, r);  // as v2 read it: malformed -> fields zero
    block.push_back(r);
    if (block.size() == kFlowsPerBlock) {
      if (auto st = flush(); !st) return st;
    }
  }
  if (rc != SQLITE_DONE) return db.error("migrate to schema 3: read flows", rc);
  if (auto st = flush(); !st) return st;
  s->reset();
  return db.exec("DROP TABLE flows", "migrate to schema 3: drop flows");
}

struct Migration {
  int64_t to_version;
  std::string (*sql)();
  Status (*code)(Connection&);  // runs after `sql`, in the same transaction; may be null
};
constexpr Migration kMigrations[] = {
    {1, schema_v1, nullptr}, {2, schema_v2, nullptr}, {3, schema_v3, copy_flows_to_blocks}};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == kSchemaVersion);

Result<int64_t> read_meta(Connection& db, const char* key) {
  auto stmt = db.prepare("SELECT value FROM meta WHERE key = ?1");
  if (!stmt) return stmt.error();
  stmt->bind_text(1, key);
  const int rc = stmt->step();
  if (rc == SQLITE_DONE) return int64_t{-1};
  if (rc != SQLITE_ROW) return db.error(fmt::format("read meta {}", key), rc);
  return stmt->column_int(0);
}

Status write_meta(Connection& db, const char* key, int64_t value) {
  auto stmt = db.prepare(
      "INSERT INTO meta(key, value) VALUES(?1, ?2)"
      " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!stmt) return stmt.error();
  stmt->bind_text(1, key);
  stmt->bind_int(2, value);
  return db.run(*stmt, fmt::format("write meta {}", key));
}

Status apply_migration(Connection& db, const Migration& m, int64_t window_ns, bool fresh) {
  if (auto s = db.exec("BEGIN IMMEDIATE", "migrate: begin"); !s) return s;
  Status s = db.exec(m.sql(), fmt::format("migrate to schema {}", m.to_version));
  if (s && m.code != nullptr) s = m.code(db);
  if (s && fresh) s = write_meta(db, "window_ns", window_ns);
  if (s) s = write_meta(db, "schema_version", m.to_version);
  if (s) s = db.exec("COMMIT", "migrate: commit");
  if (!s) (void)db.exec("ROLLBACK", "migrate: rollback");
  return s;
}

}  // namespace

std::string rollup_table(RollupFamily family, Resolution r) {
  return fmt::format("{}_{}", kFamilyNames[static_cast<int>(family)], to_string(r));
}

Status configure(Connection& db) {
  // page_size only takes effect before the first table exists; 8 KiB pages measured
  // faster than the 4 KiB default for the insert path (fewer page splits per row).
  for (const char* pragma : {"PRAGMA page_size = 8192", "PRAGMA journal_mode = WAL",
                             "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -65536",
                             "PRAGMA temp_store = MEMORY"}) {
    if (auto s = db.exec(pragma, pragma); !s) return s;
  }
  return Status::Ok();
}

Result<int64_t> migrate(Connection& db, int64_t window_ns) {
  if (auto s = configure(db); !s) return s.error();
  auto has_meta = db.query_int(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
      "read schema");
  if (!has_meta) return has_meta.error();
  int64_t version = 0;
  int64_t stored_window = -1;
  if (*has_meta != 0) {
    auto v = read_meta(db, "schema_version");
    if (!v) return v.error();
    version = *v < 0 ? 0 : *v;
    auto w = read_meta(db, "window_ns");
    if (!w) return w.error();
    stored_window = *w;
  }
  if (version > kSchemaVersion) {
    return Error{fmt::format(
        "sqlite store {}: schema version {} is newer than this build's {}; use a newer "
        "flowlens",
        db.path(), version, kSchemaVersion)};
  }
  const bool fresh = stored_window <= 0;
  if (fresh && window_ns <= 0) {
    return Error{fmt::format(
        "sqlite store {}: window_ns must be > 0 to create a store (got {})", db.path(),
        window_ns)};
  }
  for (const Migration& m : kMigrations) {
    if (m.to_version <= version) continue;
    if (auto s = apply_migration(db, m, window_ns, fresh && m.to_version == 1); !s) {
      return s.error();
    }
  }
  return fresh ? window_ns : stored_window;
}

}  // namespace flowlens::store::sqlite
