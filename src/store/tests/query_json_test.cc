// The JSON bodies of query answers, byte for byte: the REST API and `flowlens query --json`
// both print these, and the dashboard reads them, so any change here must be deliberate.

#include "store/query_json.h"

#include <gtest/gtest.h>

namespace flowlens::store {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kJan1 = int64_t{1767225600} * kSecond;  // 2026-01-01T00:00:00Z
constexpr int64_t kMar1 = int64_t{1772323200} * kSecond;  // 2026-03-01T00:00:00Z
constexpr int64_t kDay = 86400 * kSecond;

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

TEST(QueryJson, TimeseriesCarriesRangeStepAndEveryPointWithBothTimeForms) {
  TimeseriesQuery q;
  q.from_ns = kJan1;
  q.to_ns = kJan1 + 20 * kSecond;
  q.step_ns = 10 * kSecond;
  q.metric = Metric::kPackets;
  q.group_by = Dimension::kProto;
  TimeseriesResult r;
  r.from_ns = kJan1;
  r.step_ns = 10 * kSecond;
  r.resolution = Resolution::kWindow;
  r.series.push_back({"tcp", {Counters3{1500, 2, 1}, Counters3{}}});
  EXPECT_EQ(timeseries_json(q, r),
            R"({"from":"2026-01-01T00:00:00Z","from_ns":1767225600000000000,)"
            R"("to_ns":1767225620000000000,"step_s":10,"step_ns":10000000000,"metric":"packets",)"
            R"("resolution":"window","series":[{"group":"tcp","points":[)"
            R"({"time":"2026-01-01T00:00:00Z","time_ns":1767225600000000000,"bytes":1500,"packets":2,"flows":1},)"
            R"({"time":"2026-01-01T00:00:10Z","time_ns":1767225610000000000,"bytes":0,"packets":0,"flows":0}]}]})");
}

TEST(QueryJson, TimeseriesWithoutSeriesStillNamesTheRangeFromTheQuery) {
  TimeseriesQuery q;
  q.from_ns = kJan1;
  q.to_ns = kJan1 + kDay;
  q.step_ns = 3600 * kSecond;
  TimeseriesResult r;
  r.from_ns = kJan1;
  r.step_ns = 3600 * kSecond;
  r.resolution = Resolution::kHour;
  EXPECT_EQ(timeseries_json(q, r),
            R"({"from":"2026-01-01T00:00:00Z","from_ns":1767225600000000000,)"
            R"("to_ns":1767312000000000000,"step_s":3600,"step_ns":3600000000000,"metric":"bytes",)"
            R"("resolution":"hour","series":[]})");
}

TEST(QueryJson, HostDailyGivesEachDayAsDateAndNanoseconds) {
  HostDailyQuery q{ip("10.1.0.5"), kMar1, kMar1 + 2 * kDay};
  HostDailyResult r;
  r.days.push_back({kMar1, 100, 2, 40, 1});
  r.days.push_back({kMar1 + kDay, 0, 0, 0, 0});
  EXPECT_EQ(host_daily_json(q, r),
            R"({"host":"10.1.0.5","days":[)"
            R"({"day":"2026-03-01","day_ns":1772323200000000000,"in_bytes":100,"in_packets":2,"out_bytes":40,"out_packets":1},)"
            R"({"day":"2026-03-02","day_ns":1772409600000000000,"in_bytes":0,"in_packets":0,"out_bytes":0,"out_packets":0}]})");
}

TEST(QueryJson, TopNamesTheDimensionWithUnderscoresAndKeepsEntryOrder) {
  TopQuery q;
  q.dimension = Dimension::kSrcHost;
  q.metric = Metric::kFlows;
  q.from_ns = kJan1;
  q.to_ns = kJan1 + kDay;
  TopResult r;
  r.exact = false;
  r.entries.push_back({"10.0.0.2", Counters3{10, 1, 7}});
  r.entries.push_back({"2001:db8::1", Counters3{900, 9, 3}});
  EXPECT_EQ(top_json(q, r),
            R"({"dimension":"src_host","metric":"flows","from":"2026-01-01T00:00:00Z",)"
            R"("to":"2026-01-02T00:00:00Z","exact":false,"entries":[)"
            R"({"key":"10.0.0.2","bytes":10,"packets":1,"flows":7},)"
            R"({"key":"2001:db8::1","bytes":900,"packets":9,"flows":3}]})");
}

TEST(QueryJson, FlowsNameTheProtocolAndDirectionAndCarryTheCursor) {
  FlowsResult r;
  FlowRecord f;
  f.start_ns = kJan1 + 250'000'000;
  f.end_ns = kJan1 + 2 * kSecond;
  f.src = ip("2001:db8::1");
  f.dst = ip("2001:db8::2");
  f.src_port = 51000;
  f.dst_port = 443;
  f.ip_proto = 6;
  f.direction = Direction::kOut;
  f.bytes = 5000;
  f.packets = 7;
  f.flows = 1;
  r.flows.push_back(f);
  FlowRecord g;
  g.start_ns = kJan1 + kSecond;
  g.end_ns = kJan1 + kSecond;
  g.src = ip("10.0.0.1");
  g.dst = ip("10.0.0.9");
  g.ip_proto = 99;
  g.bytes = 60;
  g.packets = 1;
  g.flows = 1;
  r.flows.push_back(g);
  r.next_cursor = "c\"1";
  EXPECT_EQ(flows_json(r),
            R"({"flows":[)"
            R"({"start":"2026-01-01T00:00:00.250Z","start_ns":1767225600250000000,"end_ns":1767225602000000000,)"
            R"("src":"2001:db8::1","dst":"2001:db8::2","src_port":51000,"dst_port":443,"proto":"tcp",)"
            R"("ip_proto":6,"direction":"out","bytes":5000,"packets":7,"flows":1},)"
            R"({"start":"2026-01-01T00:00:01Z","start_ns":1767225601000000000,"end_ns":1767225601000000000,)"
            R"("src":"10.0.0.1","dst":"10.0.0.9","src_port":0,"dst_port":0,"proto":"99",)"
            R"("ip_proto":99,"direction":"unknown","bytes":60,"packets":1,"flows":1}],)"
            R"("next_cursor":"c\"1"})");
  EXPECT_EQ(flows_json(FlowsResult{}), R"({"flows":[],"next_cursor":""})");
}

TEST(QueryJson, LocalHostsAreAnObjectWithAHostsArray) {
  std::vector<LocalHost> hosts{{ip("10.1.0.5"), 100, 40}, {ip("fe80::1"), 0, 7}};
  EXPECT_EQ(local_hosts_json(hosts),
            R"({"hosts":[{"host":"10.1.0.5","in_bytes":100,"out_bytes":40},)"
            R"({"host":"fe80::1","in_bytes":0,"out_bytes":7}]})");
  EXPECT_EQ(local_hosts_json({}), R"({"hosts":[]})");
}

TEST(QueryJson, SummaryEchoesTheRangeAndTheStoresExtentAndWindow) {
  SummaryResult s;
  s.totals = Counters3{123456789012, 99, 12};
  s.stored_flows = 11;
  s.first_ns = kJan1 + 5 * kSecond;
  s.last_ns = kJan1 + 3600 * kSecond + 500'000'000;
  EXPECT_EQ(summary_json(kJan1, kJan1 + kDay, s, 10 * kSecond),
            R"({"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","bytes":123456789012,)"
            R"("packets":99,"flows":12,"stored_flows":11,"first":"2026-01-01T00:00:05Z",)"
            R"("last":"2026-01-01T01:00:00.500Z","first_ns":1767225605000000000,)"
            R"("last_ns":1767229200500000000,"window_s":10})");
}

TEST(QueryJson, SummaryOfAnEmptyStoreHasEmptyFirstAndLast) {
  EXPECT_EQ(summary_json(0, kDay, SummaryResult{}, 60 * kSecond),
            R"({"from":"1970-01-01T00:00:00Z","to":"1970-01-02T00:00:00Z","bytes":0,"packets":0,)"
            R"("flows":0,"stored_flows":0,"first":"","last":"","first_ns":0,"last_ns":0,"window_s":60})");
}

}  // namespace
}  // namespace flowlens::store
