#include "store/query_json.h"

#include "core/json_writer.h"
#include "core/value_text.h"
#include "model/flow_record.h"
#include "model/rollup.h"
#include "store/query_text.h"

namespace flowlens::store {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

void write_counters(JsonWriter& w, const Counters3& c) {
  w.member("bytes", c.bytes).member("packets", c.packets).member("flows", c.flows);
}

}  // namespace

std::string timeseries_json(const TimeseriesQuery& query, const TimeseriesResult& result) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("from", format_time(result.from_ns))
      .member("from_ns", result.from_ns)
      .member("to_ns", query.to_ns)
      .member("step_s", result.step_ns / kSecond)
      .member("step_ns", result.step_ns)
      .member("metric", to_string(query.metric))
      .member("resolution", to_string(result.resolution))
      .key("series")
      .begin_array();
  for (const auto& s : result.series) {
    w.begin_object().member("group", s.group).key("points").begin_array();
    for (size_t i = 0; i < s.points.size(); ++i) {
      const int64_t t = result.from_ns + static_cast<int64_t>(i) * result.step_ns;
      w.begin_object().member("time", format_time(t)).member("time_ns", t);
      write_counters(w, s.points[i]);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return out;
}

std::string host_daily_json(const HostDailyQuery& query, const HostDailyResult& result) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().member("host", query.host.to_string()).key("days").begin_array();
  for (const auto& d : result.days) {
    // The date part of the ISO text: the seed's day key ($substr(timestamp, 0, 10)).
    w.begin_object()
        .member("day", format_time(d.day_ns).substr(0, 10))
        .member("day_ns", d.day_ns)
        .member("in_bytes", d.in_bytes)
        .member("in_packets", d.in_packets)
        .member("out_bytes", d.out_bytes)
        .member("out_packets", d.out_packets)
        .end_object();
  }
  w.end_array().end_object();
  return out;
}

std::string top_json(const TopQuery& query, const TopResult& result) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("dimension", to_string(query.dimension))
      .member("metric", to_string(query.metric))
      .member("from", format_time(query.from_ns))
      .member("to", format_time(query.to_ns))
      .member("exact", result.exact)
      .key("entries")
      .begin_array();
  for (const auto& e : result.entries) {
    w.begin_object().member("key", e.key);
    write_counters(w, e.counters);
    w.end_object();
  }
  w.end_array().end_object();
  return out;
}

std::string flows_json(const FlowsResult& result) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("flows").begin_array();
  for (const auto& f : result.flows) {
    w.begin_object()
        .member("start", format_time(f.start_ns))
        .member("start_ns", f.start_ns)
        .member("end_ns", f.end_ns)
        .member("src", f.src.to_string())
        .member("dst", f.dst.to_string())
        .member("src_port", uint64_t{f.src_port})
        .member("dst_port", uint64_t{f.dst_port})
        .member("proto", ip_proto_name(f.ip_proto))
        .member("ip_proto", uint64_t{f.ip_proto})
        .member("direction", to_string(f.direction));
    write_counters(w, Counters3{f.bytes, f.packets, f.flows});
    w.end_object();
  }
  w.end_array().member("next_cursor", result.next_cursor).end_object();
  return out;
}

std::string local_hosts_json(const std::vector<LocalHost>& hosts) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("hosts").begin_array();
  for (const auto& h : hosts) {
    w.begin_object()
        .member("host", h.host.to_string())
        .member("in_bytes", h.in_bytes)
        .member("out_bytes", h.out_bytes)
        .end_object();
  }
  w.end_array().end_object();
  return out;
}

std::string summary_json(int64_t from_ns, int64_t to_ns, const SummaryResult& summary,
                         int64_t window_ns) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().member("from", format_time(from_ns)).member("to", format_time(to_ns));
  write_counters(w, summary.totals);
  // 0 means "no data" for first/last (query.h), so the text is empty rather than 1970.
  w.member("stored_flows", summary.stored_flows)
      .member("first", summary.first_ns ? format_time(summary.first_ns) : "")
      .member("last", summary.last_ns ? format_time(summary.last_ns) : "")
      .member("first_ns", summary.first_ns)
      .member("last_ns", summary.last_ns)
      .member("window_s", window_ns / kSecond)
      .end_object();
  return out;
}

}  // namespace flowlens::store
