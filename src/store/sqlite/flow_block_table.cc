#include "store/sqlite/flow_block_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "store/sqlite/flow_block.h"

namespace flowlens::store::sqlite {

Result<int64_t> next_flow_id(Connection& db) {
  auto s = db.prepare("SELECT id + count FROM flow_blocks ORDER BY id DESC LIMIT 1");
  if (!s) return s.error();
  const int rc = s->step();
  if (rc == SQLITE_DONE) return int64_t{1};
  if (rc != SQLITE_ROW) return db.error("next flow id", rc);
  return s->column_int(0);
}

Status insert_flow_block(Connection& db, int64_t id, std::span<const FlowRecord> flows,
                         std::vector<uint8_t>& scratch) {
  if (flows.empty()) return Status::Ok();
  uint64_t bytes = 0, packets = 0, count = 0;
  int64_t start_min = INT64_MAX, start_max = INT64_MIN;
  int64_t max_bytes = INT64_MIN, max_packets = INT64_MIN;
  for (const FlowRecord& r : flows) {
    bytes += r.bytes;
    packets += r.packets;
    count += r.flows;
    start_min = std::min(start_min, r.start_ns);
    start_max = std::max(start_max, r.start_ns);
    max_bytes = std::max(max_bytes, static_cast<int64_t>(r.bytes));
    max_packets = std::max(max_packets, static_cast<int64_t>(r.packets));
  }
  encode_flow_block(flows, scratch);
  auto s = db.prepare(
      "INSERT INTO flow_blocks(id, count, start_min, start_max, bytes, packets, flows,"
      " max_bytes, max_packets, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!s) return s.error();
  s->bind_int(1, id);
  s->bind_int(2, static_cast<int64_t>(flows.size()));
  s->bind_int(3, start_min);
  s->bind_int(4, start_max);
  s->bind_uint(5, bytes);
  s->bind_uint(6, packets);
  s->bind_uint(7, count);
  s->bind_int(8, max_bytes);
  s->bind_int(9, max_packets);
  s->bind_blob(10, scratch.data(), scratch.size());
  return db.run(*s, "write: insert flow block");
}

Status write_flow_blocks(Connection& db, std::span<const FlowRecord> flows) {
  if (flows.empty()) return Status::Ok();
  auto next = next_flow_id(db);
  if (!next) return next.error();
  int64_t id = *next;
  std::vector<uint8_t> scratch;
  const auto by_start = [](const FlowRecord& a, const FlowRecord& b) {
    return a.start_ns < b.start_ns;
  };
  if (std::is_sorted(flows.begin(), flows.end(), by_start)) {
    for (size_t i = 0; i < flows.size(); i += kFlowsPerBlock) {
      const size_t n = std::min(kFlowsPerBlock, flows.size() - i);
      if (auto s = insert_flow_block(db, id, flows.subspan(i, n), scratch); !s) return s;
      id += static_cast<int64_t>(n);
    }
    return Status::Ok();
  }
  // Sort a permutation (16 bytes per flow) rather than the records (128 bytes), then
  // gather one block at a time. Stable: equal start times keep their arrival order.
  std::vector<std::pair<int64_t, uint32_t>> order(flows.size());
  for (size_t i = 0; i < flows.size(); ++i) {
    order[i] = {flows[i].start_ns, static_cast<uint32_t>(i)};
  }
  std::sort(order.begin(), order.end());
  std::vector<FlowRecord> block;
  block.reserve(std::min(kFlowsPerBlock, flows.size()));
  for (size_t i = 0; i < order.size(); i += kFlowsPerBlock) {
    const size_t n = std::min(kFlowsPerBlock, order.size() - i);
    block.clear();
    for (size_t k = 0; k < n; ++k) block.push_back(flows[order[i + k].second]);
    if (auto s = insert_flow_block(db, id, block, scratch); !s) return s;
    id += static_cast<int64_t>(n);
  }
  return Status::Ok();
}

namespace {

constexpr const char* kBlockColumns =
    "SELECT id, count, start_min, start_max, bytes, packets, flows, max_bytes, max_packets,"
    " data FROM flow_blocks";
constexpr int kDataColumn = 9;
// A block may hold a flow in [from, to) when its start range overlaps it.
constexpr const char* kOverlaps = " WHERE start_min < ?2 AND start_max >= ?1";

}  // namespace

Result<FlowBlockScan> FlowBlockScan::open(Connection& db, int64_t from_ns, int64_t to_ns,
                                          Order order) {
  if (order == Order::kMaxBytesDesc || order == Order::kMaxPacketsDesc) {
    std::vector<int64_t> ids;
    {
      auto s = db.prepare(fmt::format("SELECT id FROM flow_blocks{} ORDER BY {} DESC, id",
                                      kOverlaps,
                                      order == Order::kMaxBytesDesc ? "max_bytes" : "max_packets"));
      if (!s) return s.error();
      s->bind_int(1, from_ns);
      s->bind_int(2, to_ns);
      int rc;
      while ((rc = s->step()) == SQLITE_ROW) ids.push_back(s->column_int(0));
      if (rc != SQLITE_DONE) return db.error("read flow blocks", rc);
    }
    auto one = db.prepare(fmt::format("{} WHERE id = ?1", kBlockColumns));
    if (!one) return one.error();
    FlowBlockScan scan(db, std::move(one).value());
    scan.by_ids_ = true;
    scan.ids_ = std::move(ids);
    return scan;
  }
  const char* tail = order == Order::kStartAsc    ? " ORDER BY start_min"
                     : order == Order::kStartDesc ? " ORDER BY start_max DESC"
                                                  : "";
  auto s = db.prepare(fmt::format("{}{}{}", kBlockColumns, kOverlaps, tail));
  if (!s) return s.error();
  s->bind_int(1, from_ns);
  s->bind_int(2, to_ns);
  return FlowBlockScan(db, std::move(s).value());
}

Result<bool> FlowBlockScan::next() {
  decoded_.clear();
  if (!by_ids_) return step_row();
  for (; next_id_ < ids_.size(); ++next_id_) {
    stmt_.reset();
    stmt_.bind_int(1, ids_[next_id_]);
    auto found = step_row();
    if (!found) return found.error();
    if (*found) {
      ++next_id_;
      return true;
    }
  }
  return false;
}

Result<bool> FlowBlockScan::step_row() {
  const int rc = stmt_.step();
  if (rc == SQLITE_DONE) return false;
  if (rc != SQLITE_ROW) return db_->error("read flow blocks", rc);
  row_.id = stmt_.column_int(0);
  row_.count = stmt_.column_int(1);
  row_.start_min = stmt_.column_int(2);
  row_.start_max = stmt_.column_int(3);
  row_.bytes = stmt_.column_uint(4);
  row_.packets = stmt_.column_uint(5);
  row_.flows = stmt_.column_uint(6);
  row_.max_bytes = stmt_.column_int(7);
  row_.max_packets = stmt_.column_int(8);
  return true;
}

Result<std::span<const FlowRecord>> FlowBlockScan::flows() {
  if (!decoded_.empty() || row_.count == 0) return std::span<const FlowRecord>(decoded_);
  // The BLOB is read only here: stepping past a block that is summed from its columns
  // never touches its overflow pages.
  size_t n = 0;
  const uint8_t* p = stmt_.column_blob(kDataColumn, n);
  Status s = decode_flow_block({p, p == nullptr ? 0 : n}, decoded_);
  if (s && decoded_.size() != static_cast<size_t>(row_.count)) {
    s = Error{fmt::format("holds {} flows, its count column says {}", decoded_.size(),
                          row_.count)};
  }
  if (!s) {
    decoded_.clear();
    return Error{fmt::format("sqlite store {}: flow block {}: {}", db_->path(), row_.id,
                             s.error().message)};
  }
  return std::span<const FlowRecord>(decoded_);
}

}  // namespace flowlens::store::sqlite
