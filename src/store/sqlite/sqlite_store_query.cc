// The read side of SqliteStore: every query of store/query.h. Which table answers which
// request, and why, is in store/README.md ("Queries").
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <system_error>
#include <thread>

#include "core/flat_map.h"
#include "store/sqlite/flow_block_table.h"
#include "store/sqlite/sqlite_store.h"
#include "store/top_k.h"

namespace flowlens::store::sqlite {
namespace {

constexpr uint64_t kMaxPoints = 100'000;
constexpr uint32_t kMaxTopLimit = 10'000;
constexpr int64_t kDayNs = int64_t{86400} * 1'000'000'000;

// Fixed parameter numbers, so one SQL text serves any subset of filters (unused
// numbers stay NULL and are never referenced).
constexpr int kFrom = 1, kTo = 2, kProto = 3, kDirection = 4, kPort = 5, kHost = 6,
              kSrcHost = 7, kDstHost = 8;

Status check_range(int64_t from_ns, int64_t to_ns) {
  if (from_ns >= to_ns) {
    return Error{fmt::format("from_ns: must be before to_ns (from_ns {}, to_ns {})", from_ns,
                             to_ns)};
  }
  return Status::Ok();
}

// How many `step`s cover [from, to) (to > from, step > 0), computed without overflow.
uint64_t step_count(int64_t from_ns, int64_t to_ns, int64_t step_ns) {
  const uint64_t span = static_cast<uint64_t>(to_ns) - static_cast<uint64_t>(from_ns);
  const auto step = static_cast<uint64_t>(step_ns);
  return span / step + (span % step != 0 ? 1 : 0);
}

// t is on a bucket boundary; unlike bucket_start() this cannot overflow near INT64_MIN.
bool aligned(int64_t t_ns, int64_t length_ns) { return t_ns % length_ns == 0; }

// bucket_start() that saturates at INT64_MIN instead of overflowing.
int64_t floor_to(int64_t t_ns, int64_t length_ns) {
  int64_t q = t_ns / length_ns;
  if (t_ns % length_ns < 0) --q;
  int64_t out;
  return __builtin_mul_overflow(q, length_ns, &out) ? INT64_MIN : out;
}

bool has_host_filter(const Filter& f) {
  return f.host.has_value() || f.src_host.has_value() || f.dst_host.has_value();
}
bool has_any_filter(const Filter& f) {
  return has_host_filter(f) || f.ip_proto.has_value() || f.port.has_value() ||
         f.direction.has_value();
}

void bind_filter(Statement& s, const Filter& f) {
  if (f.ip_proto) s.bind_int(kProto, *f.ip_proto);
  if (f.direction) s.bind_int(kDirection, static_cast<int64_t>(*f.direction));
  if (f.port) s.bind_int(kPort, *f.port);
  if (f.host) s.bind_ip(kHost, *f.host);
  if (f.src_host) s.bind_ip(kSrcHost, *f.src_host);
  if (f.dst_host) s.bind_ip(kDstHost, *f.dst_host);
}

// Raw flows honour every filter with its literal meaning (port: src or dst port).
bool matches(const Filter& f, const FlowRecord& r) {
  if (f.ip_proto && r.ip_proto != *f.ip_proto) return false;
  if (f.direction && r.direction != *f.direction) return false;
  if (f.port && r.src_port != *f.port && r.dst_port != *f.port) return false;
  if (f.host && r.src != *f.host && r.dst != *f.host) return false;
  if (f.src_host && r.src != *f.src_host) return false;
  if (f.dst_host && r.dst != *f.dst_host) return false;
  return true;
}

// Calls visit(record) for every raw flow that starts in [from, to), in the blocks whose
// place in the scan is `part` modulo `parts` (two connections on one snapshot list the
// same blocks in the same order, so parts split the work without overlap).
template <typename Visit>
Status for_each_flow(Connection& db, int64_t from_ns, int64_t to_ns, Visit&& visit,
                     size_t part = 0, size_t parts = 1) {
  auto scan = FlowBlockScan::open(db, from_ns, to_ns, FlowBlockScan::Order::kAny);
  if (!scan) return scan.error();
  for (size_t index = 0;; ++index) {
    auto more = scan->next();
    if (!more) return more.error();
    if (!*more) return Status::Ok();
    if (index % parts != part) continue;  // the other part decodes it
    auto flows = scan->flows();
    if (!flows) return flows.error();
    for (const FlowRecord& r : *flows) {
      if (r.start_ns >= from_ns && r.start_ns < to_ns) visit(r);
    }
  }
}

// The service port, as model/rollup.h defines it for PortRollup.
uint16_t service_port(const FlowRecord& r) {
  if (r.src_port == 0) return r.dst_port;
  if (r.dst_port == 0) return r.src_port;
  return std::min(r.src_port, r.dst_port);
}

// Rollup filters; the caller picked a family that has the filtered columns. On the port
// family, `port` is the service port (model/rollup.h), not "src or dst port".
std::string rollup_filter_sql(const Filter& f) {
  std::string sql;
  if (f.ip_proto) sql += " AND ip_proto = ?3";
  if (f.direction) sql += " AND direction = ?4";
  if (f.port) sql += " AND port = ?5";
  if (f.host) sql += " AND host = ?6";
  if (f.src_host) sql += " AND host = ?7 AND side = 1";
  if (f.dst_host) sql += " AND host = ?8 AND side = 0";
  return sql;
}

// The rollup family that can honour `f` (and a port grouping when `need_port`).
Result<RollupFamily> rollup_family(const Filter& f, bool need_port) {
  if (has_host_filter(f)) {
    const int hosts = int{f.host.has_value()} + int{f.src_host.has_value()} +
                      int{f.dst_host.has_value()};
    if (hosts > 1) {
      return Error{
          "filter: host rollups honour one of host, src_host, dst_host at a time; query "
          "flows for a conversation"};
    }
    if (f.ip_proto || f.port || f.direction || need_port) {
      return Error{
          "filter: a host filter cannot be combined with ip_proto, port, direction or a "
          "grouping (host rollups are keyed by host and side only); query flows instead"};
    }
    return RollupFamily::kHosts;
  }
  if (need_port || f.port) return RollupFamily::kPorts;
  return RollupFamily::kTraffic;
}

Counters3 read_counters(const Statement& s, int first) {
  return Counters3{s.column_uint(first), s.column_uint(first + 1), s.column_uint(first + 2)};
}

// Open addressing in one huge-page backed array (core/flat_map.h): a node-based
// std::unordered_map spent most of a top over 2 M source hosts chasing bucket and node
// pointers and in malloc.
using GroupMap = FlatMap<3, Counters3>;

struct PendingGroup {
  GroupKey key;
  Counters3 counters;
  uint64_t hash = 0;
};

// Adds the pending rows to `groups`, prefetching each row's slot a few rows ahead: with
// millions of groups the table outgrows the caches, and one miss per row paid in turn was
// most of a top's time.
void add_pending(GroupMap& groups, std::vector<PendingGroup>& pending) {
  constexpr size_t kAhead = 8;
  for (PendingGroup& p : pending) p.hash = hash_words(p.key);
  for (size_t i = 0; i < pending.size(); ++i) {
    if (i + kAhead < pending.size()) groups.prefetch(pending[i + kAhead].hash);
    groups.find_or_insert(pending[i].key, pending[i].hash) += pending[i].counters;
  }
  pending.clear();
}

// SQLite's order of two address BLOBs: bytes (memcmp) first, then the shorter first.
bool blob_less(const GroupKey& a, const GroupKey& b) {
  uint8_t x[16], y[16];
  std::memcpy(x, a.w.data(), 16);
  std::memcpy(y, b.w.data(), 16);
  const int c = std::memcmp(x, y, std::min(a.w[2], b.w[2]));
  return c != 0 ? c < 0 : a.w[2] < b.w[2];
}

// More buckets than this in a range take the table path (one statement per bucket).
constexpr size_t kMaxMergedBuckets = 512;

// The buckets of `table` that hold rows in [from, to), one index seek each; nullopt when
// there are more than kMaxMergedBuckets.
Result<std::optional<std::vector<int64_t>>> buckets_in(Connection& db, const std::string& table,
                                                       int64_t from_ns, int64_t to_ns) {
  auto next = db.prepare(fmt::format(
      "SELECT bucket_ns FROM {} WHERE bucket_ns >= ?1 AND bucket_ns < ?2 ORDER BY bucket_ns "
      "LIMIT 1",
      table));
  if (!next) return next.error();
  std::vector<int64_t> buckets;
  for (int64_t from = from_ns;;) {
    next->bind_int(1, from);
    next->bind_int(2, to_ns);
    const int rc = next->step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return db.error("top: buckets", rc);
    buckets.push_back(next->column_int(0));
    next->reset();
    if (buckets.size() > kMaxMergedBuckets) return std::optional<std::vector<int64_t>>();
    if (buckets.back() == INT64_MAX) break;
    from = buckets.back() + 1;
  }
  return std::optional<std::vector<int64_t>>(std::move(buckets));
}

struct HostTotal {
  GroupKey key;
  Counters3 counters;
};

// Sums the host rollup rows of one side in `buckets` of `table` per host and hands them
// to take(std::span<const HostTotal>) in batches, in host order (descending when asked),
// until take() returns fewer than it was given. Each bucket's rows are stored in host
// order (key bucket_ns, host, side), so a k-way merge of the buckets brings a host's rows
// together and no table of every host is built: growing and zeroing one was half of a
// top over 2 M source hosts.
template <typename Take>
Status merge_host_totals(Connection& db, const std::string& table,
                         const std::vector<int64_t>& buckets, HostSide side, bool descending,
                         Take&& take) {
  struct Cursor {
    Statement rows;
    GroupKey key;
    Counters3 counters;
  };
  const std::string sql = fmt::format(
      "SELECT host, bytes, packets, flows FROM {} WHERE bucket_ns = ?1 AND side = ?2 "
      "ORDER BY host{}",
      table, descending ? " DESC" : "");
  std::vector<Cursor> cursors;
  cursors.reserve(buckets.size());
  // Steps a cursor; false when it has no more rows.
  auto advance = [&](Cursor& c) -> Result<bool> {
    const int rc = c.rows.step();
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) return db.error("top: host rollups", rc);
    size_t n = 0;
    const uint8_t* host = c.rows.column_blob(0, n);
    c.key = host_group(host, n);
    c.counters = read_counters(c.rows, 1);
    return true;
  };
  for (const int64_t bucket : buckets) {
    auto rows = db.prepare_owned(sql);
    if (!rows) return rows.error();
    rows->bind_int(1, bucket);
    rows->bind_int(2, static_cast<int64_t>(side));
    Cursor& c = cursors.emplace_back(Cursor{std::move(*rows), {}, {}});
    auto more = advance(c);
    if (!more) return more.error();
    if (!*more) cursors.pop_back();
  }
  // Heap of cursors whose top holds the next host in scan order.
  std::vector<Cursor*> heap;
  for (Cursor& c : cursors) heap.push_back(&c);
  const auto after = [descending](const Cursor* a, const Cursor* b) {
    return descending ? blob_less(a->key, b->key) : blob_less(b->key, a->key);
  };
  std::make_heap(heap.begin(), heap.end(), after);
  constexpr size_t kBatch = 512;
  std::vector<HostTotal> batch;
  batch.reserve(kBatch);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), after);
    Cursor& c = *heap.back();
    if (!batch.empty() && c.key == batch.back().key) {
      batch.back().counters += c.counters;
    } else {
      if (batch.size() == kBatch) {  // a new host: every total in the batch is complete
        if (take(std::span<const HostTotal>(batch)) < batch.size()) return Status::Ok();
        batch.clear();
      }
      batch.push_back({c.key, c.counters});
    }
    auto more = advance(c);
    if (!more) return more.error();
    if (*more) {
      std::push_heap(heap.begin(), heap.end(), after);
    } else {
      heap.pop_back();
    }
  }
  if (!batch.empty()) take(std::span<const HostTotal>(batch));
  return Status::Ok();
}

// Where an ascending and a descending scan of the same hosts meet. Each claims a batch of
// totals before using it; a host is claimed by one scan only, and every host by one of
// them: the ascending scan owns hosts up to `low_`, the descending one from `high_` up,
// and a scan stops at the first host the other already owns. Wherever their speeds put
// the meeting point, the work splits evenly, whatever the hosts' distribution.
class MeetingPoint {
 public:
  // How many of `batch` (ascending) the ascending scan owns; fewer than all: stop.
  size_t claim_ascending(std::span<const HostTotal> batch) {
    std::lock_guard lock(mutex_);
    size_t n = batch.size();
    if (high_ && !batch.empty() && !blob_less(batch.back().key, *high_)) {
      n = 0;
      while (n < batch.size() && blob_less(batch[n].key, *high_)) ++n;
    }
    if (n > 0) low_ = batch[n - 1].key;
    return n;
  }
  // The same for the descending scan (`batch` descending).
  size_t claim_descending(std::span<const HostTotal> batch) {
    std::lock_guard lock(mutex_);
    size_t n = batch.size();
    if (low_ && !batch.empty() && !blob_less(*low_, batch.back().key)) {
      n = 0;
      while (n < batch.size() && blob_less(*low_, batch[n].key)) ++n;
    }
    if (n > 0) high_ = batch[n - 1].key;
    return n;
  }

 private:
  std::mutex mutex_;
  std::optional<GroupKey> low_;
  std::optional<GroupKey> high_;
};

// Cursor text: one letter naming the sort, the sort key of the last row, '.', its flow id.
// Keyset paging on (sort key, id) is stable: no row is seen twice or skipped while
// the set of rows does not change, and rows inserted meanwhile never repeat old ones.
char cursor_letter(FlowSort s) {
  switch (s) {
    case FlowSort::kStartAsc: return 'a';
    case FlowSort::kStartDesc: return 'd';
    case FlowSort::kBytesDesc: return 'b';
    case FlowSort::kPacketsDesc: return 'p';
  }
  return 'a';
}

struct Cursor {
  int64_t key = 0;
  int64_t id = 0;
};

Result<Cursor> parse_cursor(std::string_view text, FlowSort sort) {
  const Error bad{"cursor: not a cursor of this query (pass next_cursor of the previous "
                  "page unchanged, with the same sort)"};
  if (text.size() < 4 || text.size() > 64 || text[0] != cursor_letter(sort)) return bad;
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return bad;
  Cursor c;
  const char* key_begin = text.data() + 1;
  const char* key_end = text.data() + dot;
  const char* id_end = text.data() + text.size();
  auto k = std::from_chars(key_begin, key_end, c.key);
  auto i = std::from_chars(key_end + 1, id_end, c.id);
  if (k.ec != std::errc() || k.ptr != key_end || i.ec != std::errc() || i.ptr != id_end ||
      key_begin == key_end || c.id <= 0) {
    return bad;
  }
  return c;
}

}  // namespace

Result<TimeseriesResult> SqliteStore::timeseries(const TimeseriesQuery& q) {
  if (auto s = check_range(q.from_ns, q.to_ns); !s) return s.error();
  if (q.step_ns <= 0) return Error{fmt::format("step_ns: must be > 0 (got {})", q.step_ns)};
  if (q.step_ns % window_ns_ != 0) {
    return Error{fmt::format("step_ns: must be a whole multiple of the window ({} ns), got {}",
                             window_ns_, q.step_ns)};
  }
  const uint64_t points = step_count(q.from_ns, q.to_ns, q.step_ns);
  if (points > kMaxPoints) {
    return Error{fmt::format("step_ns: {} points over the range, at most {}; use a larger "
                             "step or a shorter range",
                             points, kMaxPoints)};
  }
  const char* group_column = nullptr;
  switch (q.group_by) {
    case Dimension::kNone: group_column = "0"; break;
    case Dimension::kProto: group_column = "ip_proto"; break;
    case Dimension::kDirection: group_column = "direction"; break;
    case Dimension::kPort: group_column = "port"; break;
    default:
      return Error{fmt::format("group_by: {} is not a timeseries grouping (none, proto, "
                               "direction, port)",
                               to_string(q.group_by))};
  }
  auto family = rollup_family(q.filter, q.group_by == Dimension::kPort);
  if (!family) return family.error();
  if (*family == RollupFamily::kHosts && q.group_by != Dimension::kNone) {
    return Error{"group_by: a host filter allows no grouping (host rollups have no "
                 "protocol, direction or port)"};
  }
  // Coarsest resolution whose buckets fall whole into the points: its length divides the
  // step and `from` sits on its boundary.
  std::optional<Resolution> res;
  for (int r = kResolutionCount - 1; r >= 0 && !res; --r) {
    const int64_t length = resolution_ns(static_cast<Resolution>(r), window_ns_);
    if (length >= window_ns_ && q.step_ns % length == 0 && aligned(q.from_ns, length)) {
      res = static_cast<Resolution>(r);
    }
  }
  if (!res) {
    return Error{fmt::format("from_ns: must be a multiple of the window length ({} ns)",
                             window_ns_)};
  }
  auto s = db_->prepare(fmt::format(
      "SELECT bucket_ns, {}, bytes, packets, flows FROM {} WHERE bucket_ns >= ?1 AND "
      "bucket_ns < ?2{}",
      group_column, rollup_table(*family, *res), rollup_filter_sql(q.filter)));
  if (!s) return s.error();
  s->bind_int(kFrom, q.from_ns);
  s->bind_int(kTo, q.to_ns);
  bind_filter(*s, q.filter);
  std::map<int64_t, std::vector<Counters3>> groups;
  if (q.group_by == Dimension::kNone) groups[0].resize(points);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    const uint64_t index =
        (static_cast<uint64_t>(s->column_int(0)) - static_cast<uint64_t>(q.from_ns)) /
        static_cast<uint64_t>(q.step_ns);
    auto& series = groups[s->column_int(1)];
    if (series.empty()) series.resize(points);
    series[index] += read_counters(*s, 2);
  }
  if (rc != SQLITE_DONE) return db_->error("timeseries", rc);

  TimeseriesResult out;
  out.from_ns = q.from_ns;
  out.step_ns = q.step_ns;
  out.resolution = *res;
  for (auto& [key, points_of] : groups) {
    out.series.push_back({integer_group_text(q.group_by, key), std::move(points_of)});
  }
  std::sort(out.series.begin(), out.series.end(),
            [](const TimeseriesSeries& a, const TimeseriesSeries& b) { return a.group < b.group; });
  return out;
}

Result<HostDailyResult> SqliteStore::host_daily(const HostDailyQuery& q) {
  if (auto s = check_range(q.from_ns, q.to_ns); !s) return s.error();
  if (q.host.empty()) return Error{"host: no address given"};
  // Count before flooring `from` to its day: flooring a time near INT64_MIN overflows.
  if (step_count(q.from_ns, q.to_ns, kDayNs) >= kMaxPoints) {
    return Error{fmt::format("to_ns: more than {} days in the range", kMaxPoints - 1)};
  }
  const int64_t first_day = floor_to(q.from_ns, kDayNs);
  const uint64_t days = step_count(first_day, q.to_ns, kDayNs);
  if (days > kMaxPoints) {
    return Error{fmt::format("to_ns: {} days in the range, at most {}", days, kMaxPoints)};
  }
  HostDailyResult out;
  out.days.resize(days);
  for (uint64_t i = 0; i < days; ++i) {
    out.days[i].day_ns = first_day + static_cast<int64_t>(i) * kDayNs;
  }
  auto s = db_->prepare(
      "SELECT bucket_ns, side, bytes, packets FROM hosts_day WHERE host = ?1 AND "
      "bucket_ns >= ?2 AND bucket_ns < ?3");
  if (!s) return s.error();
  s->bind_ip(1, q.host);
  s->bind_int(2, first_day);
  s->bind_int(3, q.to_ns);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    HostDay& day = out.days[static_cast<size_t>((s->column_int(0) - first_day) / kDayNs)];
    if (s->column_int(1) == static_cast<int64_t>(HostSide::kIn)) {
      day.in_bytes += s->column_uint(2);
      day.in_packets += s->column_uint(3);
    } else {
      day.out_bytes += s->column_uint(2);
      day.out_packets += s->column_uint(3);
    }
  }
  if (rc != SQLITE_DONE) return db_->error("host_daily", rc);
  return out;
}

Result<SqliteStore::ParallelRead> SqliteStore::begin_parallel_read() {
  // A second connection when the machine has two cores and it sees the same snapshot as
  // the first (a write may commit between their two BEGINs: try again).
  const bool parallel = std::thread::hardware_concurrency() > 1;
  ParallelRead p;
  for (int attempt = 0; attempt < 3; ++attempt) {
    p.other = nullptr;
    p.other_txn.reset();
    p.txn.reset();
    auto t = ReadTransaction::begin(*db_);
    if (!t) return t.error();
    p.txn = std::move(*t);
    if (!parallel) break;
    // The second connection only speeds things up: without it one thread does the work.
    auto r = reader();
    if (!r) break;
    auto o = ReadTransaction::begin(**r);
    if (!o) break;
    if ((*o)->generation() == p.txn->generation()) {
      p.other_txn = std::move(*o);
      p.other = *r;
      break;
    }
  }
  return p;
}

template <typename KeyOf>
Status SqliteStore::group_raw_flows(const TopQuery& q, KeyOf key_of, GroupMap& groups) {
  auto read = begin_parallel_read();
  if (!read) return read.error();
  const size_t parts = read->other != nullptr ? 2 : 1;
  auto group_part = [&](Connection& db, size_t part, GroupMap& into) {
    std::vector<PendingGroup> pending;
    constexpr size_t kPendingRows = 256;
    Status st = for_each_flow(
        db, q.from_ns, q.to_ns,
        [&](const FlowRecord& r) {
          if (!matches(q.filter, r)) return;
          pending.push_back({key_of(r), Counters3{r.bytes, r.packets, r.flows}, 0});
          if (pending.size() == kPendingRows) add_pending(into, pending);
        },
        part, parts);
    add_pending(into, pending);
    return st;
  };
  GroupMap other_groups;
  Status other_status;
  std::thread second;
  if (parts == 2) {
    try {
      second = std::thread([&] { other_status = group_part(*read->other, 1, other_groups); });
    } catch (const std::system_error&) {
      // No thread to be had: this thread decodes the other part as well, below.
    }
  }
  Status status = group_part(*db_, 0, groups);
  if (second.joinable()) {
    second.join();
  } else if (parts == 2 && status) {
    other_status = group_part(*read->other, 1, other_groups);
  }
  if (!status) return status;
  if (!other_status) return other_status;
  other_groups.for_each([&](const GroupKey& k, const Counters3& c) {
    groups.find_or_insert(k) += c;
  });
  return Status::Ok();
}

Result<bool> SqliteStore::top_hosts_merged(const std::string& table, const TopQuery& q,
                                           HostSide side, TopK& best) {
  auto read = begin_parallel_read();
  if (!read) return read.error();
  Connection* other = read->other;
  auto buckets = buckets_in(*db_, table, q.from_ns, q.to_ns);
  if (!buckets) return buckets.error();
  if (!*buckets) return false;

  MeetingPoint meet;
  TopK other_best(q.dimension, q.metric, q.limit);
  auto take_ascending = [&](std::span<const HostTotal> batch) {
    const size_t n = meet.claim_ascending(batch);
    for (size_t i = 0; i < n; ++i) best.offer(batch[i].key, batch[i].counters);
    return n;
  };
  auto take_descending = [&](std::span<const HostTotal> batch) {
    const size_t n = meet.claim_descending(batch);
    for (size_t i = 0; i < n; ++i) other_best.offer(batch[i].key, batch[i].counters);
    return n;
  };
  Status other_status;
  std::thread descending;
  if (other != nullptr) {
    try {
      descending = std::thread([&] {
        other_status = merge_host_totals(*other, table, **buckets, side, /*descending=*/true,
                                         take_descending);
      });
    } catch (const std::system_error&) {
      // No thread to be had (a resource limit): the ascending scan does all the work.
    }
  }
  Status status = merge_host_totals(*db_, table, **buckets, side, /*descending=*/false,
                                    take_ascending);
  if (descending.joinable()) descending.join();
  if (!status) return status.error();
  if (!other_status) return other_status.error();
  best.merge(other_best);
  return true;
}

Result<TopResult> SqliteStore::top(const TopQuery& q) {
  if (auto s = check_range(q.from_ns, q.to_ns); !s) return s.error();
  if (q.limit == 0 || q.limit > kMaxTopLimit) {
    return Error{fmt::format("limit: must be 1..{} (got {})", kMaxTopLimit, q.limit)};
  }
  const Dimension d = q.dimension;
  switch (d) {
    case Dimension::kProto:
    case Dimension::kSrcHost:
    case Dimension::kDstHost:
    case Dimension::kSrcPort:
    case Dimension::kDstPort:
    case Dimension::kPort: break;
    default:
      return Error{fmt::format("dimension: {} is not a top dimension (proto, src_host, "
                               "dst_host, port, src_port, dst_port)",
                               to_string(d))};
  }
  const bool host_dimension = d == Dimension::kSrcHost || d == Dimension::kDstHost;
  const HostSide side = d == Dimension::kSrcHost ? HostSide::kOut : HostSide::kIn;
  const std::optional<Resolution> res = range_resolution(q.from_ns, q.to_ns);
  TopK best(d, q.metric, q.limit);
  std::string sql;
  bool from_rollups = false;
  if (res && (d == Dimension::kProto || d == Dimension::kPort) && !has_host_filter(q.filter)) {
    const RollupFamily family = d == Dimension::kPort || q.filter.port
                                    ? RollupFamily::kPorts
                                    : RollupFamily::kTraffic;
    sql = fmt::format(
        "SELECT {}, bytes, packets, flows FROM {} WHERE bucket_ns >= ?1 AND bucket_ns < ?2{}",
        d == Dimension::kPort ? "port" : "ip_proto", rollup_table(family, *res),
        rollup_filter_sql(q.filter));
    from_rollups = true;
  } else if (res && host_dimension && *res >= Resolution::kHour && !has_any_filter(q.filter)) {
    // Hour and day host rollups hold every host (finer ones only local hosts).
    const std::string table = rollup_table(RollupFamily::kHosts, *res);
    auto merged = top_hosts_merged(table, q, side, best);
    if (!merged) return merged.error();
    if (*merged) return TopResult{true, best.entries()};
    sql = fmt::format(
        "SELECT host, bytes, packets, flows FROM {} WHERE bucket_ns >= ?1 AND bucket_ns < ?2 "
        "AND side = {}",
        table, static_cast<int>(side));
    from_rollups = true;
  }

  // Grouped here rather than by GROUP BY: SQLite sorts the rows into a temporary B-tree
  // to group them, which took 3/4 of the time of a 30-day top over day rollups; a hash
  // table over the plain scan does not sort at all.
  GroupMap groups;
  std::vector<PendingGroup> pending;
  constexpr size_t kPendingRows = 256;
  if (from_rollups) {
    auto s = db_->prepare(sql);
    if (!s) return s.error();
    s->bind_int(kFrom, q.from_ns);
    s->bind_int(kTo, q.to_ns);
    bind_filter(*s, q.filter);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) {
      PendingGroup& p = pending.emplace_back();
      if (host_dimension) {
        size_t n = 0;
        const uint8_t* host = s->column_blob(0, n);
        p.key = host_group(host, n);
      } else {
        p.key = integer_group(static_cast<uint64_t>(s->column_int(0)));
      }
      p.counters = read_counters(*s, 1);
      if (pending.size() == kPendingRows) add_pending(groups, pending);
    }
    if (rc != SQLITE_DONE) return db_->error("top", rc);
  } else {
    auto key_of = [d](const FlowRecord& r) {
      switch (d) {
        case Dimension::kSrcHost: return host_group(r.src);
        case Dimension::kDstHost: return host_group(r.dst);
        case Dimension::kProto: return integer_group(r.ip_proto);
        case Dimension::kSrcPort: return integer_group(r.src_port);
        case Dimension::kDstPort: return integer_group(r.dst_port);
        default: return integer_group(service_port(r));
      }
    };
    if (auto st = group_raw_flows(q, key_of, groups); !st) return st.error();
  }
  add_pending(groups, pending);
  groups.for_each([&](const GroupKey& k, const Counters3& c) { best.offer(k, c); });

  TopResult out;
  out.entries = best.entries();
  if (!from_rollups) {
    auto covered = raw_flows_cover(q.from_ns);
    if (!covered) return covered.error();
    out.exact = *covered;
  }
  return out;
}

Result<bool> SqliteStore::raw_flows_cover(int64_t from_ns) {
  auto s = db_->prepare("SELECT min(start_min) FROM flow_blocks");
  if (!s) return s.error();
  if (const int rc = s->step(); rc != SQLITE_ROW) return db_->error("oldest flow", rc);
  const int64_t oldest = s->column_is_null(0) ? INT64_MAX : s->column_int(0);
  s->reset();
  if (from_ns >= oldest) return true;
  // Raw flows start after `from`: they cover it unless a rollup bucket that ends before
  // the oldest raw flow shows traffic there (raw flows were dropped by retention).
  for (int r = 0; r < kResolutionCount; ++r) {
    const auto res = static_cast<Resolution>(r);
    const int64_t length = resolution_ns(res, window_ns_);
    const int64_t from_bucket = floor_to(from_ns, length);
    int64_t last_bucket = INT64_MAX;  // the last bucket that ends before the oldest flow
    if (oldest != INT64_MAX && __builtin_sub_overflow(oldest, length, &last_bucket)) continue;
    if (last_bucket < from_bucket) continue;
    auto probe = db_->prepare(fmt::format(
        "SELECT 1 FROM {} WHERE bucket_ns >= ?1 AND bucket_ns <= ?2 LIMIT 1",
        rollup_table(RollupFamily::kTraffic, res)));
    if (!probe) return probe.error();
    probe->bind_int(1, from_bucket);
    probe->bind_int(2, last_bucket);
    const int rc = probe->step();
    if (rc == SQLITE_ROW) return false;
    if (rc != SQLITE_DONE) return db_->error("rollup probe", rc);
  }
  return true;
}

Result<FlowsResult> SqliteStore::flows(const FlowsQuery& q) {
  if (auto s = check_range(q.from_ns, q.to_ns); !s) return s.error();
  if (q.limit == 0 || q.limit > kMaxFlowsLimit) {
    return Error{fmt::format("limit: must be 1..{} (got {})", kMaxFlowsLimit, q.limit)};
  }
  std::optional<Cursor> cursor;
  if (!q.cursor.empty()) {
    auto c = parse_cursor(q.cursor, q.sort);
    if (!c) return c.error();
    cursor = *c;
  }
  // Every row has a position (sort key, id); `before` is the page order. Sort keys are
  // compared as int64, as the cursor text carries them.
  struct Row {
    int64_t key;
    int64_t id;
    FlowRecord record;
  };
  const FlowSort sort = q.sort;
  auto key_of = [sort](const FlowRecord& r) -> int64_t {
    switch (sort) {
      case FlowSort::kBytesDesc: return static_cast<int64_t>(r.bytes);
      case FlowSort::kPacketsDesc: return static_cast<int64_t>(r.packets);
      default: return r.start_ns;
    }
  };
  auto before = [sort](int64_t ka, int64_t ia, int64_t kb, int64_t ib) {
    switch (sort) {
      case FlowSort::kStartAsc: return ka < kb || (ka == kb && ia < ib);
      case FlowSort::kStartDesc: return ka > kb || (ka == kb && ia > ib);
      default: return ka > kb || (ka == kb && ia < ib);
    }
  };
  auto row_before = [&](const Row& a, const Row& b) { return before(a.key, a.id, b.key, b.id); };

  // Blocks are visited in the order of the sort's best possible row (earliest or latest
  // start, largest bytes or packets), and the scan stops once no further block can hold a
  // row that precedes the page's last: a page reads a few blocks, not the range. A cursor
  // on start time also narrows the range.
  int64_t from = q.from_ns;
  int64_t to = q.to_ns;
  auto order = FlowBlockScan::Order::kMaxBytesDesc;
  if (sort == FlowSort::kStartAsc) {
    order = FlowBlockScan::Order::kStartAsc;
    if (cursor) from = std::max(from, cursor->key);
  } else if (sort == FlowSort::kStartDesc) {
    order = FlowBlockScan::Order::kStartDesc;
    if (cursor && cursor->key < to) to = cursor->key + 1;
  } else if (sort == FlowSort::kPacketsDesc) {
    order = FlowBlockScan::Order::kMaxPacketsDesc;
  }
  FlowsResult out;
  if (from >= to) return out;
  auto scan = FlowBlockScan::open(*db_, from, to, order);
  if (!scan) return scan.error();
  // The best limit + 1 rows, worst on top; one row more than asked tells whether another
  // page exists.
  const size_t keep = size_t{q.limit} + 1;
  std::vector<Row> heap;
  for (;;) {
    auto more = scan->next();
    if (!more) return more.error();
    if (!*more) break;
    if (heap.size() == keep) {
      const Row& worst = heap.front();
      const FlowBlockRow& b = scan->row();
      if (sort == FlowSort::kStartAsc && b.start_min > worst.key) break;
      if (sort == FlowSort::kStartDesc && b.start_max < worst.key) break;
      // Blocks come by (max desc, id asc): a block whose max ties the page's last row but
      // whose first id is larger holds only rows after it, and so do all later blocks.
      const int64_t max = sort == FlowSort::kBytesDesc ? b.max_bytes : b.max_packets;
      const bool by_max = sort == FlowSort::kBytesDesc || sort == FlowSort::kPacketsDesc;
      if (by_max && (max < worst.key || (max == worst.key && b.id > worst.id))) break;
    }
    auto flows = scan->flows();
    if (!flows) return flows.error();
    int64_t id = scan->row().id;
    for (const FlowRecord& r : *flows) {
      const int64_t this_id = id++;
      if (r.start_ns < q.from_ns || r.start_ns >= q.to_ns || !matches(q.filter, r)) continue;
      const int64_t key = key_of(r);
      if (cursor && !before(cursor->key, cursor->id, key, this_id)) continue;
      if (heap.size() == keep) {
        if (!before(key, this_id, heap.front().key, heap.front().id)) continue;
        std::pop_heap(heap.begin(), heap.end(), row_before);
        heap.back() = Row{key, this_id, r};
      } else {
        heap.push_back(Row{key, this_id, r});
      }
      std::push_heap(heap.begin(), heap.end(), row_before);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), row_before);
  if (heap.size() == keep) {
    const Row& last = heap[q.limit - 1];
    out.next_cursor = fmt::format("{}{}.{}", cursor_letter(sort), last.key, last.id);
    heap.pop_back();
  }
  out.flows.reserve(heap.size());
  for (const Row& r : heap) out.flows.push_back(r.record);
  return out;
}

Result<std::vector<LocalHost>> SqliteStore::local_hosts(const LocalHostsQuery& q) {
  if (auto s = check_range(q.from_ns, q.to_ns); !s) return s.error();
  if (q.limit == 0 || q.limit > kMaxTopLimit) {
    return Error{fmt::format("limit: must be 1..{} (got {})", kMaxTopLimit, q.limit)};
  }
  // Only window and minute host rollups are restricted to local hosts.
  const int64_t minute = resolution_ns(Resolution::kMinute, window_ns_);
  Resolution res = Resolution::kMinute;
  if (minute < window_ns_ || !aligned(q.from_ns, minute) || !aligned(q.to_ns, minute)) {
    res = Resolution::kWindow;
    if (!aligned(q.from_ns, window_ns_) || !aligned(q.to_ns, window_ns_)) {
      return Error{fmt::format(
          "from_ns: from_ns and to_ns must be multiples of the window length ({} ns)",
          window_ns_)};
    }
  }
  auto s = db_->prepare(fmt::format(
      "SELECT host, sum(CASE side WHEN 0 THEN bytes ELSE 0 END) AS in_bytes,"
      " sum(CASE side WHEN 1 THEN bytes ELSE 0 END) AS out_bytes FROM {}"
      " WHERE bucket_ns >= ?1 AND bucket_ns < ?2 GROUP BY host"
      " ORDER BY in_bytes + out_bytes DESC, host LIMIT ?3",
      rollup_table(RollupFamily::kHosts, res)));
  if (!s) return s.error();
  s->bind_int(1, q.from_ns);
  s->bind_int(2, q.to_ns);
  s->bind_int(3, q.limit);
  std::vector<LocalHost> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    out.push_back({s->column_ip(0), s->column_uint(1), s->column_uint(2)});
  }
  if (rc != SQLITE_DONE) return db_->error("local_hosts", rc);
  return out;
}

Result<SummaryResult> SqliteStore::summary(int64_t from_ns, int64_t to_ns) {
  if (auto s = check_range(from_ns, to_ns); !s) return s.error();
  SummaryResult out;
  const std::optional<Resolution> res = range_resolution(from_ns, to_ns);
  if (res) {
    auto s = db_->prepare(fmt::format(
        "SELECT sum(bytes), sum(packets), sum(flows) FROM {} WHERE bucket_ns >= ?1 AND "
        "bucket_ns < ?2",
        rollup_table(RollupFamily::kTraffic, *res)));
    if (!s) return s.error();
    s->bind_int(1, from_ns);
    s->bind_int(2, to_ns);
    if (const int rc = s->step(); rc != SQLITE_ROW) return db_->error("summary", rc);
    out.totals = read_counters(*s, 0);
  } else {
    // Raw flows: a block wholly inside the range adds its stored sums, only the blocks at
    // the edges are decoded.
    auto scan = FlowBlockScan::open(*db_, from_ns, to_ns, FlowBlockScan::Order::kAny);
    if (!scan) return scan.error();
    for (;;) {
      auto more = scan->next();
      if (!more) return more.error();
      if (!*more) break;
      const FlowBlockRow& b = scan->row();
      if (b.start_min >= from_ns && b.start_max < to_ns) {
        out.totals += Counters3{b.bytes, b.packets, b.flows};
        continue;
      }
      auto flows = scan->flows();
      if (!flows) return flows.error();
      for (const FlowRecord& r : *flows) {
        if (r.start_ns >= from_ns && r.start_ns < to_ns) {
          out.totals += Counters3{r.bytes, r.packets, r.flows};
        }
      }
    }
  }
  auto n = raw_flow_count();
  if (!n) return n.error();
  out.stored_flows = static_cast<uint64_t>(*n);

  // Earliest and latest data: raw flows by start time, rollups by bucket start.
  int64_t first = INT64_MAX;
  int64_t last = INT64_MIN;
  {
    auto s = db_->prepare(
        "SELECT (SELECT min(start_min) FROM flow_blocks),"
        " (SELECT max(start_max) FROM flow_blocks)");
    if (!s) return s.error();
    if (const int rc = s->step(); rc != SQLITE_ROW) return db_->error("summary", rc);
    if (!s->column_is_null(0)) first = s->column_int(0);
    if (!s->column_is_null(1)) last = s->column_int(1);
  }
  for (int r = 0; r < kResolutionCount; ++r) {
    // Two subqueries: SQLite answers a lone min() or max() from the primary key in
    // O(log n) but scans the whole table for min() and max() in one SELECT.
    const std::string table =
        rollup_table(RollupFamily::kTraffic, static_cast<Resolution>(r));
    auto s = db_->prepare(fmt::format(
        "SELECT (SELECT min(bucket_ns) FROM {0}), (SELECT max(bucket_ns) FROM {0})", table));
    if (!s) return s.error();
    if (const int rc = s->step(); rc != SQLITE_ROW) return db_->error("summary", rc);
    if (!s->column_is_null(0)) first = std::min(first, s->column_int(0));
    if (!s->column_is_null(1)) last = std::max(last, s->column_int(1));
  }
  out.first_ns = first == INT64_MAX ? 0 : first;
  out.last_ns = last == INT64_MIN ? 0 : last;
  return out;
}

}  // namespace flowlens::store::sqlite
