#pragma once
// The SQLite store's schema and its migrations (see store/README.md "Schema").
//
//  meta(key, value)         schema_version, window_ns, flow_count (v2: raw flows stored),
//                           generation (+1 per committed write; no migration: absent = 0)
//  flow_blocks              raw FlowRecords, kFlowsPerBlock per row (flow_block_table.h);
//                           v1-v2 had one row per flow in `flows`
//  traffic_<res>            (bucket_ns, ip_proto, direction) -> bytes, packets, flows
//  ports_<res>              (bucket_ns, ip_proto, port, direction) -> counters
//  hosts_<res>              (bucket_ns, host, side) -> counters, index on (host, bucket_ns)
//  sources(path, ...)       watched-file checkpoints
// <res> is window, minute, hour, day (model/rollup.h Resolution). Rollup tables are
// WITHOUT ROWID with the rollup key as primary key, so an upsert touches one B-tree.
//
// Contract: migrate() brings a database of any older schema version to kSchemaVersion,
// one transaction per step; a database from a newer build is refused with an Error.

#include <cstdint>
#include <string>

#include "core/result.h"
#include "model/rollup.h"
#include "store/sqlite/connection.h"

namespace flowlens::store::sqlite {

inline constexpr int64_t kSchemaVersion = 3;

enum class RollupFamily : uint8_t { kTraffic = 0, kPorts = 1, kHosts = 2 };
inline constexpr int kRollupFamilyCount = 3;

// "traffic_minute", "hosts_day", ... (fixed names, never from request text).
std::string rollup_table(RollupFamily family, Resolution r);

// Pragmas for every connection: WAL, synchronous=NORMAL, cache, temp store in memory.
Status configure(Connection& db);

// configure(), then the schema.
// Returns the stored window length: the one given for a new store (must be > 0), the
// stored one otherwise (the caller compares).
Result<int64_t> migrate(Connection& db, int64_t window_ns);

}  // namespace flowlens::store::sqlite
