#include "store/flow_store.h"

#include <fmt/format.h>

#include "store/sqlite/sqlite_store.h"

namespace flowlens::store {

Result<std::unique_ptr<FlowStore>> FlowStore::open(std::string_view url, int64_t window_ns) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.substr(0, kSqlite.size()) == kSqlite) {
    return sqlite::SqliteStore::open(std::string(url.substr(kSqlite.size())), window_ns);
  }
  return Error{fmt::format("store URL '{}': unknown scheme; supported: sqlite://PATH", url)};
}

Result<SummaryResult> whole_store_summary(FlowStore& db) {
  constexpr int64_t kDay = int64_t{86400} * 1'000'000'000;
  return db.summary(bucket_start(INT64_MIN / 4, kDay), bucket_start(INT64_MAX / 4, kDay));
}

int64_t default_timeseries_step(int64_t from_ns, int64_t to_ns, int64_t window_ns) {
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t window = window_ns > 0 ? window_ns : 10 * kSecond;
  const uint64_t span = static_cast<uint64_t>(to_ns) - static_cast<uint64_t>(from_ns);
  int64_t step = window;
  for (int64_t candidate : {window, 60 * kSecond, 300 * kSecond, 3600 * kSecond, 86400 * kSecond}) {
    step = (candidate + window - 1) / window * window;
    if (span / static_cast<uint64_t>(step) <= 200) break;
  }
  return step;
}

std::string_view to_string(Metric m) {
  switch (m) {
    case Metric::kBytes: return "bytes";
    case Metric::kPackets: return "packets";
    case Metric::kFlows: return "flows";
  }
  return "bytes";
}

std::string_view to_string(Dimension d) {
  switch (d) {
    case Dimension::kNone: return "none";
    case Dimension::kProto: return "proto";
    case Dimension::kDirection: return "direction";
    case Dimension::kSrcHost: return "src_host";
    case Dimension::kDstHost: return "dst_host";
    case Dimension::kPort: return "port";
    case Dimension::kSrcPort: return "src_port";
    case Dimension::kDstPort: return "dst_port";
  }
  return "none";
}

}  // namespace flowlens::store
