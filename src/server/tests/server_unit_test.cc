// Handler-level tests: parsers, the REST handlers against a real SQLite store written
// through FlowStore::write, the live hub's rendering and queues, static files.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>

#include "server/api_handlers.h"
#include "server/live_hub.h"
#include "server/request_params.h"
#include "server/static_assets.h"
#include "server/tests/test_store.h"

namespace flowlens::server {
namespace {

using testing::kBase;
using testing::kDay;
using testing::kSecond;

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(body).get(e), simdjson::SUCCESS) << body;
  return e;
}

std::string iso(int64_t ns) { return format_time(ns); }

TEST(RequestParams, ParsesTimesInEveryAcceptedForm) {
  EXPECT_EQ(parse_time("2026-11-02"), kBase);
  EXPECT_EQ(parse_time("2026-11-02T00:00:10Z"), kBase + 10 * kSecond);
  EXPECT_EQ(parse_time("1793577600"), kBase);
  EXPECT_EQ(parse_time("@1793577600"), kBase);
  for (const char* bad : {"", "2026-13-01", "yesterday", "2026-11-02T25:00:00Z", "1e400", "-5", "' OR 1=1--"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
  EXPECT_EQ(parse_duration("1m"), 60 * kSecond);
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("99999999d"));
}

TEST(RequestParams, DecodesQueryStringsAndRefusesMalformedEscapes) {
  auto q = parse_query_string("a=1&b=x%20y+z&&c=");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 3u);
  EXPECT_EQ((*q)[1].second, "x y z");
  EXPECT_FALSE(parse_query_string("a=%zz"));
  EXPECT_FALSE(parse_query_string("a=%4"));
  EXPECT_FALSE(parse_query_string("=1"));
}

class ApiHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_.fill();
    db_ = data_.reader();
    ASSERT_TRUE(db_);
  }
  ApiResponse get(const std::string& target) { return handle_api(target, *db_); }

  testing::TestStore data_;
  std::unique_ptr<store::FlowStore> db_;
  simdjson::dom::parser parser_;
};

TEST_F(ApiHandlersTest, TimeseriesEqualsTheStoresAnswer) {
  store::TimeseriesQuery q;
  q.from_ns = kBase;
  q.to_ns = kBase + 3600 * kSecond;
  q.step_ns = 60 * kSecond;
  q.group_by = store::Dimension::kProto;
  auto expected = db_->timeseries(q);
  ASSERT_TRUE(expected.ok());
  auto r = get("/api/v1/timeseries?from=" + iso(q.from_ns) + "&to=" + iso(q.to_ns) + "&step=1m&group_by=proto");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto doc = parse(parser_, r.body);
  simdjson::dom::array series = doc["series"];
  ASSERT_EQ(series.size(), expected.value().series.size());
  size_t si = 0;
  uint64_t total = 0;
  for (auto s : series) {
    const auto& want = expected.value().series[si++];
    EXPECT_EQ(std::string_view(s["group"]), want.group);
    simdjson::dom::array points = s["points"];
    ASSERT_EQ(points.size(), want.points.size());
    size_t pi = 0;
    for (auto p : points) {
      EXPECT_EQ(uint64_t(p["bytes"]), want.points[pi].bytes);
      EXPECT_EQ(uint64_t(p["packets"]), want.points[pi].packets);
      EXPECT_EQ(uint64_t(p["flows"]), want.points[pi].flows);
      total += uint64_t(p["bytes"]);
      ++pi;
    }
  }
  uint64_t direct = 0;
  for (const auto& rec : data_.records()) {
    if (rec.start_ns < q.to_ns) direct += rec.bytes;
  }
  EXPECT_EQ(total, direct);
}

TEST_F(ApiHandlersTest, HostDailyTopHostsFlowsAndSummaryEqualTheStoresAnswers) {
  const std::string range = "from=2026-11-02&to=2026-11-04";
  // host-daily
  auto daily = db_->host_daily({testing::v4(10, 0, 0, 1), kBase, kBase + 2 * kDay});
  ASSERT_TRUE(daily.ok());
  auto r = get("/api/v1/hosts/10.0.0.1/daily?" + range);
  ASSERT_EQ(r.status, 200u) << r.body;
  simdjson::dom::array days = parse(parser_, r.body)["days"];
  ASSERT_EQ(days.size(), daily.value().days.size());
  size_t i = 0;
  for (auto d : days) {
    EXPECT_EQ(uint64_t(d["in_bytes"]), daily.value().days[i].in_bytes);
    EXPECT_EQ(uint64_t(d["out_packets"]), daily.value().days[i].out_packets);
    ++i;
  }
  // top
  store::TopQuery tq;
  tq.dimension = store::Dimension::kDstPort;
  tq.metric = store::Metric::kPackets;
  tq.from_ns = kBase;
  tq.to_ns = kBase + 2 * kDay;
  tq.limit = 5;
  auto top = db_->top(tq);
  ASSERT_TRUE(top.ok());
  r = get("/api/v1/top?dimension=dst-port&metric=packets&limit=5&" + range);
  ASSERT_EQ(r.status, 200u) << r.body;
  simdjson::dom::array entries = parse(parser_, r.body)["entries"];
  ASSERT_EQ(entries.size(), top.value().entries.size());
  i = 0;
  for (auto e : entries) {
    EXPECT_EQ(std::string_view(e["key"]), top.value().entries[i].key);
    EXPECT_EQ(uint64_t(e["packets"]), top.value().entries[i].counters.packets);
    ++i;
  }
  // hosts
  auto hosts = db_->local_hosts({kBase, kBase + 2 * kDay, 100});
  ASSERT_TRUE(hosts.ok());
  r = get("/api/v1/hosts?" + range);
  ASSERT_EQ(r.status, 200u) << r.body;
  simdjson::dom::array hs = parse(parser_, r.body)["hosts"];
  ASSERT_EQ(hs.size(), hosts.value().size());
  EXPECT_EQ(hs.size(), 4u);
  // summary
  auto sum = db_->summary(kBase, kBase + 2 * kDay);
  ASSERT_TRUE(sum.ok());
  r = get("/api/v1/summary?" + range);
  ASSERT_EQ(r.status, 200u) << r.body;
  auto s = parse(parser_, r.body);
  EXPECT_EQ(uint64_t(s["bytes"]), sum.value().totals.bytes);
  EXPECT_EQ(uint64_t(s["flows"]), 600u);
  // Defaults cover the stored data: same totals without from/to.
  r = get("/api/v1/summary");
  EXPECT_EQ(uint64_t(parse(parser_, r.body)["bytes"]), sum.value().totals.bytes);
}

TEST_F(ApiHandlersTest, FlowsPagesVisitEveryRecordOnce) {
  std::string cursor;
  size_t seen = 0;
  uint64_t bytes = 0;
  for (int page = 0; page < 100; ++page) {
    auto r = get("/api/v1/flows?from=2026-11-02&to=2026-11-04&sort=bytes&limit=97" +
                 (cursor.empty() ? std::string() : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200u) << r.body;
    auto doc = parse(parser_, r.body);
    for (auto f : simdjson::dom::array(doc["flows"])) {
      ++seen;
      bytes += uint64_t(f["bytes"]);
    }
    cursor = std::string(std::string_view(doc["next_cursor"]));
    if (cursor.empty()) break;
  }
  uint64_t want = 0;
  for (const auto& rec : data_.records()) want += rec.bytes;
  EXPECT_EQ(seen, 600u);
  EXPECT_EQ(bytes, want);
}

TEST_F(ApiHandlersTest, RefusesBadInputWithAProblemNamingTheParameter) {
  struct Case {
    std::string target;
    std::string param;
  };
  const std::vector<Case> cases = {
      {"/api/v1/timeseries?from=yesterday", "from"},
      {"/api/v1/timeseries?from=2026-11-03&to=2026-11-02", "to"},
      {"/api/v1/timeseries?metric=bits", "metric"},
      {"/api/v1/timeseries?step=7s", "step"},
      {"/api/v1/timeseries?from=2026-11-02&to=2026-11-04&step=10s&group_by=host", "group_by"},
      {"/api/v1/top?limit=100000", "limit"},
      {"/api/v1/top?limit=0", "limit"},
      {"/api/v1/top?dimension=bogus", "dimension"},
      {"/api/v1/flows?port=http", "port"},
      {"/api/v1/flows?port=70000", "port"},
      {"/api/v1/flows?limit=10001", "limit"},
      {"/api/v1/flows?sort=bytes&cursor=garbage", "cursor"},
      {"/api/v1/flows?direction=sideways", "direction"},
      {"/api/v1/flows?proto=tcpx", "proto"},
      {"/api/v1/flows?host=10.0.0.999", "host"},
      {"/api/v1/hosts/not-an-ip/daily", "ip"},
      {"/api/v1/summary?from=1&from=2", "from"},
      {"/api/v1/summary?frm=1", "frm"},
  };
  for (const auto& c : cases) {
    auto r = get(c.target);
    EXPECT_EQ(r.status, 400u) << c.target << " -> " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    auto doc = parse(parser_, r.body);
    std::string_view param;
    EXPECT_EQ(doc["param"].get(param), simdjson::SUCCESS) << c.target << " -> " << r.body;
    EXPECT_EQ(param, c.param) << c.target;
  }
  EXPECT_EQ(get("/api/v1/nothing").status, 404u);
  EXPECT_EQ(get("/api/v1/hosts/10.0.0.1/weekly").status, 404u);
}

TEST_F(ApiHandlersTest, InjectionStringsInEveryParameterGet400AndLeaveTheStoreIntact) {
  const std::vector<std::string> hostile = {
      "'%20OR%201=1--", "1;DROP%20TABLE%20flows", "%27%29%3B%20DELETE%20FROM%20flows%3B--",
      "%00", "%E2%80%AE", "..%2F..%2Fetc%2Fpasswd", "1e999", "-1", "18446744073709551616"};
  const std::vector<std::pair<std::string, std::vector<std::string>>> endpoints = {
      {"/api/v1/timeseries", {"from", "to", "step", "metric", "group_by", "proto", "host", "src_host", "dst_host", "port", "direction"}},
      {"/api/v1/top", {"from", "to", "dimension", "metric", "limit", "proto", "host", "src_host", "dst_host", "port", "direction"}},
      {"/api/v1/flows", {"from", "to", "sort", "limit", "cursor", "proto", "host", "src_host", "dst_host", "port", "direction"}},
      {"/api/v1/hosts", {"from", "to", "limit"}},
      {"/api/v1/summary", {"from", "to"}},
  };
  for (const auto& [path, params] : endpoints) {
    for (const auto& p : params) {
      for (const auto& h : hostile) {
        auto r = get(path + "?" + p + "=" + h);
        EXPECT_EQ(r.status, 400u) << path << "?" << p << "=" << h << " -> " << r.body;
      }
    }
  }
  for (const auto& h : hostile) {
    EXPECT_EQ(get("/api/v1/hosts/" + h + "/daily").status, 400u) << h;
  }
  auto sum = db_->summary(kBase, kBase + 2 * kDay);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum.value().stored_flows, 600u);
}

TEST(OpenApi, DocumentIsValidJsonListingEveryEndpoint) {
  simdjson::dom::parser parser;
  const std::string doc(openapi_document());
  auto root = parse(parser, doc);
  simdjson::dom::object paths = root["paths"];
  for (const char* p : {"/api/v1/timeseries", "/api/v1/hosts/{ip}/daily", "/api/v1/top", "/api/v1/flows",
                        "/api/v1/hosts", "/api/v1/summary", "/api/v1/live", "/healthz", "/metrics"}) {
    simdjson::dom::element e;
    EXPECT_EQ(paths.at_key(p).get(e), simdjson::SUCCESS) << p;
  }
}

process::WindowSummary sample_window() {
  process::WindowSummary s;
  s.start_ns = kBase;
  s.end_ns = kBase + 10 * kSecond;
  s.totals = {1000, 10, 3};
  s.protocols = {{6, {700, 6, 2}}, {17, {300, 4, 1}}};
  s.top_src_hosts = {{"10.0.0.1", {600, 5, 2}}};
  s.top_dst_hosts = {{"192.0.2.1", {600, 5, 2}}};
  return s;
}

TEST(LiveHub, RendersProtocolAndHostSubscriptions) {
  simdjson::dom::parser parser;
  const auto s = sample_window();
  EXPECT_EQ(render_window(s, {}), process::to_json(s));
  auto sub = parse_subscription(R"({"protocol":"udp"})");
  ASSERT_TRUE(sub.ok());
  auto doc = parse(parser, render_window(s, sub.value()));
  EXPECT_EQ(uint64_t(doc["bytes"]), 300u);
  EXPECT_EQ(int64_t(doc["window_start_ns"]), kBase);
  sub = parse_subscription(R"({"host":"10.0.0.1"})");
  ASSERT_TRUE(sub.ok());
  doc = parse(parser, render_window(s, sub.value()));
  EXPECT_EQ(uint64_t(doc["as_src"]["bytes"]), 600u);
  EXPECT_TRUE(doc["as_dst"].is_null());
  for (const char* bad : {"", "[]", R"({"protocol":"bogus"})", R"({"host":"x"})", R"({"colour":"red"})",
                          R"({"protocol":"tcp","host":"10.0.0.1"})"}) {
    EXPECT_FALSE(parse_subscription(bad).ok()) << bad;
  }
}

TEST(LiveHub, FullQueueDropsTheOldestAndCountsIt) {
  LiveSubscriber sub([] {});
  for (int i = 0; i < 100; ++i) sub.push(std::make_shared<const std::string>(std::to_string(i)));
  EXPECT_EQ(sub.queued(), LiveSubscriber::kQueueLimit);
  EXPECT_EQ(sub.dropped(), 100 - LiveSubscriber::kQueueLimit);
  auto first = sub.pop();
  ASSERT_TRUE(first);
  EXPECT_EQ(**first, std::to_string(100 - LiveSubscriber::kQueueLimit));
}

TEST(LiveHub, PublishFansOutOnTheExecutorRenderingOncePerSubscription) {
  boost::asio::io_context io;
  LiveHub hub(io.get_executor());
  int wakes = 0;
  auto a = std::make_shared<LiveSubscriber>([&] { ++wakes; });
  auto b = std::make_shared<LiveSubscriber>([&] { ++wakes; });
  auto c = std::make_shared<LiveSubscriber>([&] { ++wakes; });
  c->set_subscription(parse_subscription(R"({"protocol":"tcp"})").value());
  hub.add(a);
  hub.add(b);
  hub.add(c);
  hub.publish(sample_window());
  EXPECT_EQ(wakes, 0);  // the publisher does no fan-out work itself
  io.run();
  EXPECT_EQ(wakes, 3);
  auto ma = a->pop();
  auto mb = b->pop();
  auto mc = c->pop();
  ASSERT_TRUE(ma && mb && mc);
  EXPECT_EQ(ma->get(), mb->get());  // shared, rendered once
  EXPECT_NE(**ma, **mc);
  hub.remove(b);
  EXPECT_EQ(hub.stats().clients, 2u);
}

TEST(StaticAssets, ServesIndexWithContentTypesAndFallsBackForAppRoutes) {
  auto index = find_static("/", "");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  auto route = find_static("/hosts/10.0.0.1", "");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->body, index->body);
  EXPECT_FALSE(find_static("/missing.js", ""));
  EXPECT_FALSE(find_static("/../etc/passwd", ""));
  EXPECT_FALSE(find_static("/%2e%2e/etc/passwd", "/tmp"));
  EXPECT_EQ(content_type_for("/assets/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("/x.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("/x.svg"), "image/svg+xml");
}

TEST(StaticAssets, ServesFilesFromAWebRootOnDisk) {
  testing::TestStore dir;  // only for its temp directory
  const std::string root = std::filesystem::path(dir.url().substr(9)).parent_path().string();
  {
    std::ofstream(root + "/index.html") << "<p>disk</p>";
    std::filesystem::create_directories(root + "/assets");
    std::ofstream(root + "/assets/a.css") << "body{}";
  }
  auto css = find_static("/assets/a.css", root);
  ASSERT_TRUE(css);
  EXPECT_EQ(css->body, "body{}");
  auto spa = find_static("/top", root);
  ASSERT_TRUE(spa);
  EXPECT_EQ(spa->body, "<p>disk</p>");
}

}  // namespace
}  // namespace flowlens::server
