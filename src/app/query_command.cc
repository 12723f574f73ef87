// `flowlens query`: the query layer on the command line — the same requests the REST API
// serves (timeseries, host-daily, top, flows, hosts, summary), as text or JSON.

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/cli_values.h"
#include "app/commands.h"
#include "app/exit_codes.h"
#include "app/store_location.h"
#include "model/flow_output.h"
#include "store/flow_store.h"
#include "store/query_json.h"
#include "store/query_text.h"
#include "store/query.h"

namespace flowlens::app {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

struct QueryOptions {
  StoreLocation store;
  std::string from;
  std::string to;
  bool json = false;
  // filters
  std::string proto;
  std::string host;
  std::string src_host;
  std::string dst_host;
  int port = -1;
  std::string direction;
  // timeseries
  std::string step;
  std::string metric = "bytes";
  std::string group_by = "none";
  // host-daily
  std::string daily_host;
  // top
  std::string by = "src-host";
  uint32_t limit = 10;
  uint32_t flows_limit = 100;
  // flows
  std::string sort = "start";
  std::string cursor;
  std::string format = "table";
};

// Thrown nowhere: every parse returns the message naming the flag.
struct Parsed {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  store::Filter filter;
};

void print_error(std::string_view what, const std::string& message) {
  fmt::print(stderr, "flowlens query {}: {}\n", what, message);
}

// Resolves --from/--to (default: everything the store holds) and the filters.
std::optional<Parsed> parse_common(std::string_view what, const QueryOptions& o,
                                   store::FlowStore& db) {
  Parsed p;
  std::optional<store::SummaryResult> extent;
  if (o.from.empty() || o.to.empty()) {
    auto s = whole_store_summary(db);
    if (!s) {
      print_error(what, s.error().message);
      return std::nullopt;
    }
    extent = s.value();
  }
  // Defaults cover whole UTC days, so totals come from day rollups and stay complete
  // after retention has dropped raw flows and fine rollups.
  constexpr int64_t kDay = 86400 * kSecond;
  if (o.from.empty()) {
    p.from_ns = bucket_start(extent->first_ns, kDay);
  } else if (auto t = parse_time(o.from)) {
    p.from_ns = *t;
  } else {
    print_error(what, fmt::format("--from '{}': expected a time like 2026-01-01, "
                                  "2026-01-01T10:00:00Z or @EPOCH_SECONDS", o.from));
    return std::nullopt;
  }
  if (o.to.empty()) {
    p.to_ns = bucket_start(extent->last_ns, kDay) + kDay;
  } else if (auto t = parse_time(o.to)) {
    p.to_ns = *t;
  } else {
    print_error(what, fmt::format("--to '{}': expected a time like 2026-01-02", o.to));
    return std::nullopt;
  }
  if (p.to_ns <= p.from_ns) {
    print_error(what, fmt::format("--to ({}) must be after --from ({})", format_time(p.to_ns),
                                  format_time(p.from_ns)));
    return std::nullopt;
  }
  if (!o.proto.empty()) {
    p.filter.ip_proto = store::parse_ip_proto(o.proto);
    if (!p.filter.ip_proto) {
      print_error(what, fmt::format("--proto '{}': expected {}", o.proto, store::kIpProtoChoices));
      return std::nullopt;
    }
  }
  for (const auto& [flag, text, slot] :
       {std::tuple{"--host", &o.host, &p.filter.host},
        std::tuple{"--src-host", &o.src_host, &p.filter.src_host},
        std::tuple{"--dst-host", &o.dst_host, &p.filter.dst_host}}) {
    if (text->empty()) continue;
    *slot = IpAddress::parse(*text);
    if (!*slot) {
      print_error(what, fmt::format("{} '{}': not an IPv4 or IPv6 address", flag, *text));
      return std::nullopt;
    }
  }
  if (o.port >= 0) {
    if (o.port > 65535) {
      print_error(what, fmt::format("--port {}: expected 0-65535", o.port));
      return std::nullopt;
    }
    p.filter.port = static_cast<uint16_t>(o.port);
  }
  if (!o.direction.empty()) {
    if (o.direction == "in") p.filter.direction = Direction::kIn;
    else if (o.direction == "out") p.filter.direction = Direction::kOut;
    else if (o.direction == "local") p.filter.direction = Direction::kLocal;
    else if (o.direction == "transit") p.filter.direction = Direction::kTransit;
    else {
      print_error(what, fmt::format("--direction '{}': expected in, out, local or transit", o.direction));
      return std::nullopt;
    }
  }
  return p;
}

Result<std::unique_ptr<store::FlowStore>> open_store(const QueryOptions& o) {
  // The window length is read from the store itself (0 = accept what it holds).
  return store::FlowStore::open(o.store.url(), 0);
}

int run_timeseries(const QueryOptions& o) {
  auto db = open_store(o);
  if (!db) return print_error("timeseries", db.error().message), kExitFailure;
  auto p = parse_common("timeseries", o, *db.value());
  if (!p) return kExitUsage;
  store::TimeseriesQuery q;
  q.from_ns = p->from_ns;
  q.to_ns = p->to_ns;
  q.filter = p->filter;
  const auto metric = store::parse_metric(o.metric);
  if (!metric) return print_error("timeseries", fmt::format("--metric '{}': expected {}", o.metric, store::kMetricChoices)), kExitUsage;
  q.metric = *metric;
  const auto group = store::parse_series_group(o.group_by);
  if (!group) return print_error("timeseries", fmt::format("--group-by '{}': expected {}", o.group_by, store::kSeriesGroupChoices)), kExitUsage;
  q.group_by = *group;
  const int64_t window = db.value()->window_ns();
  if (o.step.empty()) {
    q.step_ns = store::default_timeseries_step(q.from_ns, q.to_ns, window);
  } else {
    const auto step = parse_duration(o.step);
    if (!step || *step <= 0) return print_error("timeseries", fmt::format("--step '{}': expected a duration like 10s or 1h", o.step)), kExitUsage;
    q.step_ns = *step;
  }
  // Align the range to the step so buckets are whole.
  q.from_ns = bucket_start(q.from_ns, q.step_ns);
  q.to_ns = bucket_start(q.to_ns - 1, q.step_ns) + q.step_ns;
  auto r = db.value()->timeseries(q);
  if (!r) return print_error("timeseries", r.error().message), kExitUsage;
  const auto& res = r.value();
  if (o.json) {
    fmt::print("{}\n", store::timeseries_json(q, res));
  } else {
    for (const auto& s : res.series) {
      if (!s.group.empty()) fmt::print("# {}\n", s.group);
      fmt::print("{:<24} {:>16} {:>12} {:>10}\n", "time", "bytes", "packets", "flows");
      for (size_t i = 0; i < s.points.size(); ++i) {
        const auto& c = s.points[i];
        fmt::print("{:<24} {:>16} {:>12} {:>10}\n",
                   format_time(res.from_ns + static_cast<int64_t>(i) * res.step_ns), c.bytes,
                   c.packets, c.flows);
      }
    }
  }
  return kExitOk;
}

int run_host_daily(const QueryOptions& o) {
  auto db = open_store(o);
  if (!db) return print_error("host-daily", db.error().message), kExitFailure;
  auto host = IpAddress::parse(o.daily_host);
  if (!host) return print_error("host-daily", fmt::format("HOST '{}': not an IPv4 or IPv6 address", o.daily_host)), kExitUsage;
  auto p = parse_common("host-daily", o, *db.value());
  if (!p) return kExitUsage;
  constexpr int64_t kDay = 86400 * kSecond;
  store::HostDailyQuery q{*host, bucket_start(p->from_ns, kDay), bucket_start(p->to_ns - 1, kDay) + kDay};
  auto r = db.value()->host_daily(q);
  if (!r) return print_error("host-daily", r.error().message), kExitUsage;
  if (o.json) {
    fmt::print("{}\n", store::host_daily_json(q, r.value()));
  } else {
    fmt::print("{:<12} {:>16} {:>12} {:>16} {:>12}\n", "day", "in_bytes", "in_packets", "out_bytes",
               "out_packets");
    for (const auto& d : r.value().days) {
      fmt::print("{:<12} {:>16} {:>12} {:>16} {:>12}\n", format_time(d.day_ns).substr(0, 10),
                 d.in_bytes, d.in_packets, d.out_bytes, d.out_packets);
    }
  }
  return kExitOk;
}

int run_top(const QueryOptions& o) {
  auto db = open_store(o);
  if (!db) return print_error("top", db.error().message), kExitFailure;
  auto p = parse_common("top", o, *db.value());
  if (!p) return kExitUsage;
  store::TopQuery q;
  q.from_ns = p->from_ns;
  q.to_ns = p->to_ns;
  q.filter = p->filter;
  q.limit = o.limit;
  const auto metric = store::parse_metric(o.metric);
  if (!metric) return print_error("top", fmt::format("--metric '{}': expected {}", o.metric, store::kMetricChoices)), kExitUsage;
  q.metric = *metric;
  const auto dimension = store::parse_top_dimension(o.by);
  if (!dimension) return print_error("top", fmt::format("--by '{}': expected {}", o.by, store::kTopDimensionChoices)), kExitUsage;
  q.dimension = *dimension;
  auto r = db.value()->top(q);
  if (!r) return print_error("top", r.error().message), kExitUsage;
  if (o.json) {
    fmt::print("{}\n", store::top_json(q, r.value()));
  } else {
    fmt::print("{:<40} {:>16} {:>12} {:>10}\n", o.by, "bytes", "packets", "flows");
    for (const auto& e : r.value().entries) {
      fmt::print("{:<40} {:>16} {:>12} {:>10}\n", e.key, e.counters.bytes, e.counters.packets,
                 e.counters.flows);
    }
    if (!r.value().exact) fmt::print(stderr, "flowlens query top: approximate (see src/store/README.md)\n");
  }
  return kExitOk;
}

int run_flows_query(const QueryOptions& o) {
  auto db = open_store(o);
  if (!db) return print_error("flows", db.error().message), kExitFailure;
  auto p = parse_common("flows", o, *db.value());
  if (!p) return kExitUsage;
  store::FlowsQuery q;
  q.from_ns = p->from_ns;
  q.to_ns = p->to_ns;
  q.filter = p->filter;
  if (o.flows_limit == 0 || o.flows_limit > store::kMaxFlowsLimit) {
    return print_error("flows", fmt::format("--limit {}: expected 1-{}", o.flows_limit, store::kMaxFlowsLimit)), kExitUsage;
  }
  q.limit = o.flows_limit;
  q.cursor = o.cursor;
  const auto sort = store::parse_flow_sort(o.sort);
  if (!sort) return print_error("flows", fmt::format("--sort '{}': expected {}", o.sort, store::kFlowSortChoices)), kExitUsage;
  q.sort = *sort;
  const auto format = parse_flow_output_format(o.format);
  if (!format) return print_error("flows", fmt::format("--format '{}': expected jsonl, csv or table", o.format)), kExitUsage;
  auto r = db.value()->flows(q);
  if (!r) return print_error("flows", r.error().message), kExitUsage;
  if (o.json) {
    // The REST API's page: {"flows":[...],"next_cursor":"..."}.
    fmt::print("{}\n", store::flows_json(r.value()));
  } else {
    FlowFields fields;
    for (FlowField f : {FlowField::kSrcHost, FlowField::kDstHost, FlowField::kSrcPort,
                        FlowField::kDstPort, FlowField::kProto, FlowField::kDirection}) {
      fields.add(f);
    }
    FlowWriter writer(stdout, fields, *format);
    writer.write(r.value().flows);
    writer.flush();
  }
  if (!r.value().next_cursor.empty()) {
    fmt::print(stderr, "flowlens query flows: more rows: --cursor {}\n", r.value().next_cursor);
  }
  return kExitOk;
}

int run_hosts(const QueryOptions& o) {
  auto db = open_store(o);
  if (!db) return print_error("hosts", db.error().message), kExitFailure;
  auto p = parse_common("hosts", o, *db.value());
  if (!p) return kExitUsage;
  auto r = db.value()->local_hosts({p->from_ns, p->to_ns, o.limit});
  if (!r) return print_error("hosts", r.error().message), kExitUsage;
  if (o.json) {
    fmt::print("{}\n", store::local_hosts_json(r.value()));
  } else {
    fmt::print("{:<40} {:>16} {:>16}\n", "host", "in_bytes", "out_bytes");
    for (const auto& h : r.value()) {
      fmt::print("{:<40} {:>16} {:>16}\n", h.host.to_string(), h.in_bytes, h.out_bytes);
    }
  }
  return kExitOk;
}

int run_summary(const QueryOptions& o) {
  auto db = open_store(o);
  if (!db) return print_error("summary", db.error().message), kExitFailure;
  auto p = parse_common("summary", o, *db.value());
  if (!p) return kExitUsage;
  auto r = db.value()->summary(p->from_ns, p->to_ns);
  if (!r) return print_error("summary", r.error().message), kExitUsage;
  const auto& s = r.value();
  if (o.json) {
    fmt::print("{}\n", store::summary_json(p->from_ns, p->to_ns, s, db.value()->window_ns()));
  } else {
    fmt::print("bytes {}  packets {}  flows {}  (stored raw flows {}, data from {} to {})\n",
               s.totals.bytes, s.totals.packets, s.totals.flows, s.stored_flows,
               s.first_ns ? format_time(s.first_ns) : "-", s.last_ns ? format_time(s.last_ns) : "-");
  }
  return kExitOk;
}

void add_range(CLI::App& cmd, QueryOptions& o) {
  cmd.add_option("--from", o.from,
                 "Start (inclusive): 2026-01-01, 2026-01-01T10:00:00Z, @EPOCH; default: the\n"
                 "start of the oldest data's UTC day");
  cmd.add_option("--to", o.to, "End (exclusive); default: the end of the newest data's UTC day");
  cmd.add_flag("--json", o.json, "JSON output (the REST API's shape)");
  add_store_options(cmd, o.store);
}

void add_filters(CLI::App& cmd, QueryOptions& o) {
  cmd.add_option("--proto", o.proto, "Only this protocol (tcp, udp, icmp, ... or a number)")->group("Filters");
  cmd.add_option("--host", o.host, "Only flows from or to this address")->group("Filters");
  cmd.add_option("--src-host", o.src_host, "Only flows from this address")->group("Filters");
  cmd.add_option("--dst-host", o.dst_host, "Only flows to this address")->group("Filters");
  cmd.add_option("--port", o.port, "Only flows with this source or destination port")->group("Filters");
  cmd.add_option("--direction", o.direction, "Only in, out, local or transit flows")->group("Filters");
}

}  // namespace

void add_query_command(CLI::App& root, int& exit_code) {
  auto o = std::make_shared<QueryOptions>();
  auto* cmd = root.add_subcommand("query", "Query the store: traffic over time, per-host days, top talkers, raw flows");
  cmd->require_subcommand(1);

  auto* ts = cmd->add_subcommand("timeseries", "Bytes, packets and flows per time step (the Real Time Access Trend)");
  add_range(*ts, *o);
  ts->add_option("--step", o->step, "Step (a multiple of the window, e.g. 10s, 1m, 1h); default: ~100 points");
  ts->add_option("--metric", o->metric, "bytes, packets or flows (JSON carries all three)")->capture_default_str();
  ts->add_option("--group-by", o->group_by, "none, proto, direction or port")->capture_default_str();
  add_filters(*ts, *o);
  ts->callback([o, &exit_code] { exit_code = run_timeseries(*o); });

  auto* hd = cmd->add_subcommand("host-daily",
                                 "Per-day inbound/outbound bytes and packets of one host (the Date Access Trend):\n"
                                 "in = the host is the destination, out = it is the source");
  hd->add_option("HOST", o->daily_host, "The host's address")->required();
  add_range(*hd, *o);
  hd->callback([o, &exit_code] { exit_code = run_host_daily(*o); });

  auto* top = cmd->add_subcommand("top", "Largest talkers, ports or protocols over a range");
  add_range(*top, *o);
  top->add_option("--by", o->by, "src-host, dst-host, proto, port, src-port or dst-port")->capture_default_str();
  top->add_option("--metric", o->metric, "bytes, packets or flows")->capture_default_str();
  top->add_option("--limit", o->limit, "How many")->capture_default_str()->check(CLI::Range(1, 10000));
  add_filters(*top, *o);
  top->callback([o, &exit_code] { exit_code = run_top(*o); });

  auto* fl = cmd->add_subcommand("flows", "Raw flow records, filtered, sorted and paged");
  add_range(*fl, *o);
  add_filters(*fl, *o);
  fl->add_option("--sort", o->sort, "start, -start, bytes or packets")->capture_default_str();
  fl->add_option("--limit", o->flows_limit, "Rows per page (at most 10000)")->capture_default_str();
  fl->add_option("--cursor", o->cursor, "Continue after the page that printed this cursor");
  fl->add_option("--format", o->format, "table, jsonl (pmacct JSON lines) or csv;\n"
                                    "--json prints the REST API's page instead")->capture_default_str();
  fl->callback([o, &exit_code] { exit_code = run_flows_query(*o); });

  auto* hosts = cmd->add_subcommand("hosts", "Local hosts by traffic");
  add_range(*hosts, *o);
  hosts->add_option("--limit", o->limit, "How many")->capture_default_str();
  hosts->callback([o, &exit_code] { exit_code = run_hosts(*o); });

  auto* sum = cmd->add_subcommand("summary", "Totals over a range and what the store holds");
  add_range(*sum, *o);
  sum->callback([o, &exit_code] { exit_code = run_summary(*o); });
}

}  // namespace flowlens::app
