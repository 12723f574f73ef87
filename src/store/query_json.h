#pragma once
// The JSON bodies of query answers: what the REST API serves (GET /api/v1/...) and what
// `flowlens query ... --json` prints. Written once here so the two cannot drift; the
// shapes are the API contract documented in src/server/openapi.cc and read by web/src and
// tests/e2e, so a change here is an API change.
//
// Each function takes the request (for the echoed range, metric, dimension, host) and the
// store's answer, and returns one compact JSON object (no trailing newline). Times are
// given twice: ISO-8601 UTC text ("2026-01-01T10:00:00Z", core/value_text.h) and integer
// ns since the epoch ("..._ns"). Counters are "bytes", "packets", "flows". Strings are
// escaped by JsonWriter, so any key or group text is safe.

#include <cstdint>
#include <string>
#include <vector>

#include "store/query.h"

namespace flowlens::store {

// {"from","from_ns","to_ns","step_s","step_ns","metric","resolution",
//  "series":[{"group","points":[{"time","time_ns","bytes","packets","flows"}]}]}
// from/step come from the result, to_ns and metric from the (step-aligned) query.
std::string timeseries_json(const TimeseriesQuery& query, const TimeseriesResult& result);

// {"host","days":[{"day":"YYYY-MM-DD","day_ns","in_bytes","in_packets","out_bytes","out_packets"}]}
std::string host_daily_json(const HostDailyQuery& query, const HostDailyResult& result);

// {"dimension":"src_host"|...,"metric","from","to","exact","entries":[{"key","bytes","packets","flows"}]}
// dimension is to_string(Dimension) (underscores), not the parameter's spelling.
std::string top_json(const TopQuery& query, const TopResult& result);

// {"flows":[{"start","start_ns","end_ns","src","dst","src_port","dst_port","proto",
//  "ip_proto","direction","bytes","packets","flows"}],"next_cursor"}
// next_cursor is "" on the last page.
std::string flows_json(const FlowsResult& result);

// {"hosts":[{"host","in_bytes","out_bytes"}]}
std::string local_hosts_json(const std::vector<LocalHost>& hosts);

// {"from","to","bytes","packets","flows","stored_flows","first","last","first_ns",
//  "last_ns","window_s"}; first/last are "" and first_ns/last_ns 0 for an empty store.
// from/to are the range the totals cover; window_ns is the store's window length.
std::string summary_json(int64_t from_ns, int64_t to_ns, const SummaryResult& summary,
                         int64_t window_ns);

}  // namespace flowlens::store
