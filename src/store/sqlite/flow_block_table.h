#pragma once
// The `flow_blocks` table (schema v3): raw flows stored up to kFlowsPerBlock to a row,
// encoded by flow_block.h. Shared by the writer, the queries, retention and the v2 -> v3
// migration.
//
//   flow_blocks(id INTEGER PRIMARY KEY, count, start_min, start_max, bytes, packets,
//               flows, max_bytes, max_packets, data BLOB)
//   index flow_blocks_by_start(start_min, start_max), flow_blocks_by_end(start_max)
//
// Invariants the readers rely on:
//  - A block holds the flows with ids id .. id + count - 1, in that order; ids are never
//    reused (the next id is one past the newest block's last flow).
//  - Flows in a block are sorted by start_ns (write_flow_blocks sorts each batch), so the
//    flows of a block that start at or after any time form a suffix of it.
//  - start_min/start_max bound the block's start times; bytes/packets/flows are its sums
//    (so a block that lies wholly inside a range is summed without decoding it);
//    max_bytes/max_packets are the largest of its flows' as int64 (the order the byte and
//    packet sorts use), so those sorts visit blocks largest first and stop early.

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "model/flow_record.h"
#include "store/sqlite/connection.h"

namespace flowlens::store::sqlite {

// One past the last stored flow id; 1 for an empty table.
Result<int64_t> next_flow_id(Connection& db);

// Stores `flows` (any order) as blocks: sorted by start time, ids from next_flow_id().
// Call inside a transaction.
Status write_flow_blocks(Connection& db, std::span<const FlowRecord> flows);

// Stores `flows`, already sorted by start time, as one block whose first id is `id`.
Status insert_flow_block(Connection& db, int64_t id, std::span<const FlowRecord> flows,
                         std::vector<uint8_t>& scratch);

struct FlowBlockRow {
  int64_t id = 0;
  int64_t count = 0;
  int64_t start_min = 0;
  int64_t start_max = 0;
  uint64_t bytes = 0;
  uint64_t packets = 0;
  uint64_t flows = 0;
  int64_t max_bytes = 0;
  int64_t max_packets = 0;
};

// Visits the blocks that may hold a flow starting in [from, to), in the given order.
// Borrowing a cached statement: one scan per order at a time (the store never nests).
class FlowBlockScan {
 public:
  // kMaxBytesDesc / kMaxPacketsDesc: by the block's max_bytes / max_packets, largest
  // first (the ids are read and ordered first, then each block is read by id, so SQLite
  // never sorts the BLOBs).
  enum class Order { kAny, kStartAsc, kStartDesc, kMaxBytesDesc, kMaxPacketsDesc };

  static Result<FlowBlockScan> open(Connection& db, int64_t from_ns, int64_t to_ns,
                                    Order order);
  // Moves to the next block; false at the end.
  Result<bool> next();
  const FlowBlockRow& row() const { return row_; }
  // The current block's flows, all of them (also those outside [from, to)); flow i has
  // id row().id + i. An Error names the block when its data is malformed.
  Result<std::span<const FlowRecord>> flows();

 private:
  FlowBlockScan(Connection& db, Statement stmt) : db_(&db), stmt_(std::move(stmt)) {}
  Result<bool> step_row();
  Connection* db_;
  Statement stmt_;
  bool by_ids_ = false;              // the max orders: stmt_ reads one block by id
  std::vector<int64_t> ids_;         // ... these, in this order
  size_t next_id_ = 0;
  FlowBlockRow row_;
  std::vector<FlowRecord> decoded_;
};

}  // namespace flowlens::store::sqlite
