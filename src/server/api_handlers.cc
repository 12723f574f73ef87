#include "server/api_handlers.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "core/json_writer.h"
#include "server/request_params.h"
#include "store/query_json.h"
#include "store/query_text.h"

namespace flowlens::server {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kDay = 86400 * kSecond;
constexpr size_t kMaxValueLength = 512;

// A 400 in flight: which parameter and why.
struct BadParam {
  std::string param;
  std::string detail;
};

template <typename T>
using Parsed = std::variant<T, BadParam>;

// The request's parameters, checked against what the endpoint accepts.
class Params {
 public:
  std::optional<BadParam> load(std::string_view query, std::initializer_list<std::string_view> allowed) {
    auto parsed = parse_query_string(query);
    if (!parsed) return BadParam{"", "the query string has a malformed percent escape"};
    for (auto& [name, value] : *parsed) {
      if (name == "token") continue;
      bool known = false;
      for (std::string_view a : allowed) known = known || a == name;
      if (!known) return BadParam{sanitize(name), "unknown parameter"};
      if (value.size() > kMaxValueLength) {
        return BadParam{name, fmt::format("longer than {} characters", kMaxValueLength)};
      }
      for (const auto& [seen, unused] : values_) {
        if (seen == name) return BadParam{name, "given more than once"};
      }
      values_.emplace_back(std::move(name), std::move(value));
    }
    return std::nullopt;
  }
  const std::string* get(std::string_view name) const {
    for (const auto& [n, v] : values_) {
      if (n == name) return &v;
    }
    return nullptr;
  }
  // Parameter names echo into the problem body; keep them short and printable.
  static std::string sanitize(std::string_view name) {
    std::string out;
    for (char c : name.substr(0, 64)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

struct Range {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
};

// from/to; defaults: the store's data extent in whole UTC days (like `flowlens query`).
Parsed<Range> parse_range(const Params& p, store::FlowStore& db) {
  Range r;
  const std::string* from = p.get("from");
  const std::string* to = p.get("to");
  std::optional<store::SummaryResult> extent;
  if (!from || !to) {
    auto s = store::whole_store_summary(db);
    if (!s) return BadParam{"from", s.error().message};
    extent = s.value();
  }
  if (from) {
    auto t = parse_time(*from);
    if (!t) return BadParam{"from", "expected a time like 2026-01-01, 2026-01-01T10:00:00Z or epoch seconds"};
    r.from_ns = *t;
  } else {
    r.from_ns = bucket_start(extent->first_ns, kDay);
  }
  if (to) {
    auto t = parse_time(*to);
    if (!t) return BadParam{"to", "expected a time like 2026-01-02, 2026-01-02T00:00:00Z or epoch seconds"};
    r.to_ns = *t;
  } else {
    r.to_ns = bucket_start(extent->last_ns, kDay) + kDay;
  }
  if (r.to_ns <= r.from_ns) {
    return BadParam{"to", fmt::format("to ({}) must be after from ({})", format_time(r.to_ns), format_time(r.from_ns))};
  }
  return r;
}

Parsed<store::Filter> parse_filter(const Params& p) {
  store::Filter f;
  if (const auto* v = p.get("proto")) {
    f.ip_proto = store::parse_ip_proto(*v);
    if (!f.ip_proto) return BadParam{"proto", fmt::format("expected {}", store::kIpProtoChoices)};
  }
  for (const auto& [name, slot] : {std::pair{"host", &f.host}, std::pair{"src_host", &f.src_host},
                                   std::pair{"dst_host", &f.dst_host}}) {
    if (const auto* v = p.get(name)) {
      *slot = IpAddress::parse(*v);
      if (!*slot) return BadParam{name, "not an IPv4 or IPv6 address"};
    }
  }
  if (const auto* v = p.get("port")) {
    const auto port = parse_uint(*v, 65535);
    if (!port) return BadParam{"port", "expected a number 0-65535"};
    f.port = static_cast<uint16_t>(*port);
  }
  if (const auto* v = p.get("direction")) {
    if (*v == "in") f.direction = Direction::kIn;
    else if (*v == "out") f.direction = Direction::kOut;
    else if (*v == "local") f.direction = Direction::kLocal;
    else if (*v == "transit") f.direction = Direction::kTransit;
    else return BadParam{"direction", "expected in, out, local or transit"};
  }
  return f;
}

Parsed<uint32_t> parse_limit(const Params& p, uint32_t def, uint32_t max) {
  const auto* v = p.get("limit");
  if (!v) return def;
  const auto n = parse_uint(*v, max);
  if (!n || *n == 0) return BadParam{"limit", fmt::format("expected a number 1-{}", max)};
  return static_cast<uint32_t>(*n);
}

ApiResponse bad(const BadParam& b) {
  return problem(400, "invalid parameter",
                 b.param.empty() ? b.detail : fmt::format("{}: {}", b.param, b.detail), b.param);
}

// A store error for a validated request: the store names the field ("step_ns",
// "filter", "cursor"); map it to the REST parameter when it is one of ours.
ApiResponse store_error(const Error& e) {
  std::string param;
  for (const auto& [field, name] :
       {std::pair{"step_ns", "step"}, std::pair{"from_ns", "from"}, std::pair{"to_ns", "to"},
        std::pair{"cursor", "cursor"}, std::pair{"filter", "filter"}, std::pair{"group_by", "group_by"},
        std::pair{"dimension", "dimension"}, std::pair{"limit", "limit"}}) {
    if (e.message.find(field) != std::string::npos) {
      param = name;
      break;
    }
  }
  return problem(400, "query refused", e.message, param);
}

ApiResponse ok(std::string body) { return ApiResponse{200, "application/json", std::move(body)}; }

#define FLOWLENS_TRY_PARSE(var, expr)                                   \
  auto var##_parsed = (expr);                                           \
  if (auto* b = std::get_if<BadParam>(&var##_parsed)) return bad(*b);   \
  auto& var = std::get<0>(var##_parsed)

ApiResponse timeseries(std::string_view query, store::FlowStore& db) {
  Params p;
  if (auto b = p.load(query, {"from", "to", "step", "metric", "group_by", "proto", "host", "src_host",
                              "dst_host", "port", "direction"})) {
    return bad(*b);
  }
  store::TimeseriesQuery q;
  if (const auto* v = p.get("metric")) {
    const auto m = store::parse_metric(*v);
    if (!m) return bad({"metric", fmt::format("expected {}", store::kMetricChoices)});
    q.metric = *m;
  }
  if (const auto* v = p.get("group_by")) {
    const auto g = store::parse_series_group(*v);
    if (!g) return bad({"group_by", fmt::format("expected {}", store::kSeriesGroupChoices)});
    q.group_by = *g;
  }
  FLOWLENS_TRY_PARSE(filter, parse_filter(p));
  q.filter = filter;
  FLOWLENS_TRY_PARSE(range, parse_range(p, db));
  const int64_t window = db.window_ns();
  if (const auto* v = p.get("step")) {
    const auto step = parse_duration(*v);
    if (!step || *step <= 0) return bad({"step", "expected a duration like 10s, 1m or 1h"});
    if (window > 0 && *step % window != 0) {
      return bad({"step", fmt::format("must be a whole multiple of the window ({} s)", window / kSecond)});
    }
    q.step_ns = *step;
  } else {
    q.step_ns = store::default_timeseries_step(range.from_ns, range.to_ns, window);
  }
  // Align the range to the step so buckets are whole.
  q.from_ns = bucket_start(range.from_ns, q.step_ns);
  q.to_ns = bucket_start(range.to_ns - 1, q.step_ns) + q.step_ns;
  if ((q.to_ns - q.from_ns) / q.step_ns > 100'000) {
    return bad({"step", "more than 100000 points: use a larger step or a shorter range"});
  }
  auto r = db.timeseries(q);
  if (!r) return store_error(r.error());
  return ok(store::timeseries_json(q, r.value()));
}

ApiResponse host_daily(std::string_view host_text, std::string_view query, store::FlowStore& db) {
  Params p;
  if (auto b = p.load(query, {"from", "to"})) return bad(*b);
  const auto decoded = percent_decode(host_text, false);
  const auto host = decoded ? IpAddress::parse(*decoded) : std::nullopt;
  if (!host) return bad({"ip", "not an IPv4 or IPv6 address"});
  FLOWLENS_TRY_PARSE(range, parse_range(p, db));
  store::HostDailyQuery q{*host, bucket_start(range.from_ns, kDay), bucket_start(range.to_ns - 1, kDay) + kDay};
  if ((q.to_ns - q.from_ns) / kDay > 100'000) return bad({"to", "more than 100000 days"});
  auto r = db.host_daily(q);
  if (!r) return store_error(r.error());
  return ok(store::host_daily_json(q, r.value()));
}

ApiResponse top(std::string_view query, store::FlowStore& db) {
  Params p;
  if (auto b = p.load(query, {"from", "to", "dimension", "metric", "limit", "proto", "host", "src_host",
                              "dst_host", "port", "direction"})) {
    return bad(*b);
  }
  store::TopQuery q;
  if (const auto* v = p.get("dimension")) {
    const auto d = store::parse_top_dimension(*v);
    if (!d) return bad({"dimension", fmt::format("expected {}", store::kTopDimensionChoices)});
    q.dimension = *d;
  }
  if (const auto* v = p.get("metric")) {
    const auto m = store::parse_metric(*v);
    if (!m) return bad({"metric", fmt::format("expected {}", store::kMetricChoices)});
    q.metric = *m;
  }
  FLOWLENS_TRY_PARSE(limit, parse_limit(p, 10, 10'000));
  q.limit = limit;
  FLOWLENS_TRY_PARSE(filter, parse_filter(p));
  q.filter = filter;
  FLOWLENS_TRY_PARSE(range, parse_range(p, db));
  q.from_ns = range.from_ns;
  q.to_ns = range.to_ns;
  auto r = db.top(q);
  if (!r) return store_error(r.error());
  return ok(store::top_json(q, r.value()));
}

ApiResponse flows(std::string_view query, store::FlowStore& db) {
  Params p;
  if (auto b = p.load(query, {"from", "to", "sort", "limit", "cursor", "proto", "host", "src_host", "dst_host",
                              "port", "direction"})) {
    return bad(*b);
  }
  store::FlowsQuery q;
  if (const auto* v = p.get("sort")) {
    const auto o = store::parse_flow_sort(*v);
    if (!o) return bad({"sort", fmt::format("expected {}", store::kFlowSortChoices)});
    q.sort = *o;
  }
  FLOWLENS_TRY_PARSE(limit, parse_limit(p, 100, store::kMaxFlowsLimit));
  q.limit = limit;
  if (const auto* v = p.get("cursor")) q.cursor = *v;
  FLOWLENS_TRY_PARSE(filter, parse_filter(p));
  q.filter = filter;
  FLOWLENS_TRY_PARSE(range, parse_range(p, db));
  q.from_ns = range.from_ns;
  q.to_ns = range.to_ns;
  auto r = db.flows(q);
  if (!r) return store_error(r.error());
  return ok(store::flows_json(r.value()));
}

ApiResponse hosts(std::string_view query, store::FlowStore& db) {
  Params p;
  if (auto b = p.load(query, {"from", "to", "limit"})) return bad(*b);
  FLOWLENS_TRY_PARSE(limit, parse_limit(p, 100, 10'000));
  FLOWLENS_TRY_PARSE(range, parse_range(p, db));
  auto r = db.local_hosts({range.from_ns, range.to_ns, limit});
  if (!r) return store_error(r.error());
  return ok(store::local_hosts_json(r.value()));
}

ApiResponse summary(std::string_view query, store::FlowStore& db) {
  Params p;
  if (auto b = p.load(query, {"from", "to"})) return bad(*b);
  FLOWLENS_TRY_PARSE(range, parse_range(p, db));
  auto r = db.summary(range.from_ns, range.to_ns);
  if (!r) return store_error(r.error());
  return ok(store::summary_json(range.from_ns, range.to_ns, r.value(), db.window_ns()));
}

#undef FLOWLENS_TRY_PARSE

}  // namespace

ApiResponse problem(unsigned status, std::string_view title, std::string_view detail, std::string_view param) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("type", "about:blank")
      .member("title", title)
      .member("status", uint64_t{status})
      .member("detail", detail);
  if (!param.empty()) w.member("param", param);
  w.end_object();
  return ApiResponse{status, "application/problem+json", std::move(out)};
}

ApiResponse handle_api(std::string_view target, store::FlowStore& db) {
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path == "/api/v1/timeseries") return timeseries(query, db);
  if (path == "/api/v1/top") return top(query, db);
  if (path == "/api/v1/flows") return flows(query, db);
  if (path == "/api/v1/hosts") return hosts(query, db);
  if (path == "/api/v1/summary") return summary(query, db);
  if (path == "/api/v1/openapi.json") return ok(std::string(openapi_document()));
  constexpr std::string_view kHostsPrefix = "/api/v1/hosts/";
  constexpr std::string_view kDailySuffix = "/daily";
  if (path.size() > kHostsPrefix.size() + kDailySuffix.size() && path.starts_with(kHostsPrefix) &&
      path.ends_with(kDailySuffix)) {
    const std::string_view ip = path.substr(kHostsPrefix.size(), path.size() - kHostsPrefix.size() - kDailySuffix.size());
    if (ip.find('/') == std::string_view::npos) return host_daily(ip, query, db);
  }
  return problem(404, "not found", "no such API endpoint (see /api/v1/openapi.json)");
}

}  // namespace flowlens::server
