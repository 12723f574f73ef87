#include "model/flow_output.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace flowlens {
namespace {

FlowFields five_tuple() {
  FlowFields f;
  f.add(FlowField::kSrcHost).add(FlowField::kDstHost).add(FlowField::kSrcPort);
  f.add(FlowField::kDstPort).add(FlowField::kProto);
  return f;
}

FlowRecord sample() {
  FlowRecord r;
  r.src = *IpAddress::parse("131.155.215.69");
  r.dst = *IpAddress::parse("137.116.81.94");
  r.src_port = 46656;
  r.dst_port = 80;
  r.ip_proto = 6;
  r.packets = 2;
  r.bytes = 112;
  r.start_ns = 1277840495'135052'999;  // 2010-06-29 19:41:35.135052999 UTC
  r.end_ns = 1277840495'135910'000;
  r.tcp_flags = 0x12;
  r.tos = 0x28;
  r.vlan = 118;
  r.mac_src = {0x00, 0x13, 0xc3, 0xdf, 0xae, 0x18};
  r.mac_dst = {0x00, 0x1b, 0xd4, 0x1b, 0xa4, 0xd8};
  return r;
}

TEST(FlowOutput, JsonLineMatchesPmacctsPrintPluginForTheFiveTuple) {
  std::string out;
  append_json_line(sample(), five_tuple(), out);
  EXPECT_EQ(out,
            "{\"event_type\": \"purge\", \"ip_src\": \"131.155.215.69\", \"ip_dst\": "
            "\"137.116.81.94\", \"port_src\": 46656, \"port_dst\": 80, \"ip_proto\": \"tcp\", "
            "\"timestamp_start\": \"2010-06-29 19:41:35.135052\", \"timestamp_end\": "
            "\"2010-06-29 19:41:35.135910\", \"packets\": 2, \"bytes\": 112}\n");
}

TEST(FlowOutput, JsonLinePrintsEveryAggregatedFieldInPmacctsOrder) {
  FlowFields f;
  for (FlowField x : kAllFlowFields) f.add(x);
  FlowRecord r = sample();
  r.src_mask = 24;
  r.dst_mask = 16;
  r.direction = Direction::kIn;
  std::string out;
  append_json_line(r, f, out);
  EXPECT_EQ(out,
            "{\"event_type\": \"purge\", \"mac_src\": \"00:13:c3:df:ae:18\", \"mac_dst\": "
            "\"00:1b:d4:1b:a4:d8\", \"vlan\": 118, \"ip_src\": \"131.155.215.69\", \"net_src\": "
            "\"131.155.215.0\", \"ip_dst\": \"137.116.81.94\", \"net_dst\": \"137.116.0.0\", "
            "\"mask_src\": 24, \"mask_dst\": 16, \"port_src\": 46656, \"port_dst\": 80, "
            "\"tcp_flags\": \"18\", \"ip_proto\": \"tcp\", \"tos\": 40, \"direction\": \"in\", "
            "\"timestamp_start\": \"2010-06-29 19:41:35.135052\", \"timestamp_end\": "
            "\"2010-06-29 19:41:35.135910\", \"packets\": 2, \"bytes\": 112}\n");
}

TEST(FlowOutput, ProtocolNamesFollowPmacctsTable) {
  char scratch[4];
  EXPECT_EQ(pmacct_protocol_name(6, scratch), "tcp");
  EXPECT_EQ(pmacct_protocol_name(17, scratch), "udp");
  EXPECT_EQ(pmacct_protocol_name(1, scratch), "icmp");
  EXPECT_EQ(pmacct_protocol_name(58, scratch), "ipv6-icmp");
  EXPECT_EQ(pmacct_protocol_name(47, scratch), "gre");
  EXPECT_EQ(pmacct_protocol_name(132, scratch), "sctp");
  EXPECT_EQ(pmacct_protocol_name(0, scratch), "0");
  EXPECT_EQ(pmacct_protocol_name(7, scratch), "7");
  EXPECT_EQ(pmacct_protocol_name(253, scratch), "253");
}

TEST(FlowOutput, TimestampsAreUtcWithMicroseconds) {
  EXPECT_EQ(format_pmacct_time(0), "1970-01-01 00:00:00.000000");
  EXPECT_EQ(format_pmacct_time(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(format_pmacct_time(4102444800'000001'000), "2100-01-01 00:00:00.000001");
  EXPECT_EQ(format_pmacct_time(951782400'000000'000), "2000-02-29 00:00:00.000000");
  EXPECT_EQ(format_pmacct_time(1709251199'999999'999), "2024-02-29 23:59:59.999999");
  // The extremes a saturated event time can take.
  EXPECT_EQ(format_pmacct_time(INT64_MAX), "2262-04-11 23:47:16.854775");
  EXPECT_EQ(format_pmacct_time(INT64_MIN), "1677-09-21 00:12:43.145224");
}

// The date of the last day formatted is cached: days that come back after others, runs
// of one day and both sides of midnight must all match the C library's own reading.
TEST(FlowOutput, TimestampsOfManyDaysInAnyOrderMatchGmtime) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const int64_t days[] = {0, -1, 1, 11016, 11017, 19782, 19783, 47482, -25567};
  for (int i = 0; i < 20000; ++i) {
    const int64_t day = days[next() % std::size(days)];
    // Seconds near midnight on either side half of the time.
    const int64_t second = next() % 2 == 0 ? static_cast<int64_t>(next() % 86400)
                                           : (next() % 2 == 0 ? 0 : 86399);
    const int64_t micros = static_cast<int64_t>(next() % 1'000'000);
    const int64_t ns = (day * 86400 + second) * 1'000'000'000 + micros * 1000 +
                       static_cast<int64_t>(next() % 1000);
    const time_t t = static_cast<time_t>(day * 86400 + second);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char expected[96];  // room for any int the compiler cannot bound
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02d %02d:%02d:%02d.%06lld",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                  tm.tm_sec, static_cast<long long>(micros));
    ASSERT_EQ(format_pmacct_time(ns), expected) << "ns " << ns;
  }
}

TEST(FlowOutput, CsvHasAHeaderWithTheJsonNames) {
  std::string out;
  append_csv_header(five_tuple(), out);
  append_csv_line(sample(), five_tuple(), out);
  EXPECT_EQ(out,
            "ip_src,ip_dst,port_src,port_dst,ip_proto,timestamp_start,timestamp_end,packets,bytes\n"
            "131.155.215.69,137.116.81.94,46656,80,tcp,2010-06-29 19:41:35.135052,"
            "2010-06-29 19:41:35.135910,2,112\n");
}

TEST(FlowOutput, TableShowsUnits) {
  std::string out;
  FlowRecord r = sample();
  r.bytes = 1'234'567;
  append_table_header(five_tuple(), out);
  append_table_line(r, five_tuple(), out);
  EXPECT_NE(out.find("1.2 MB"), std::string::npos) << out;
  EXPECT_NE(out.find("0.001s"), std::string::npos) << out;
  EXPECT_EQ(format_bytes_si(999), "999 B");
  EXPECT_EQ(format_bytes_si(1500), "1.5 kB");
}

TEST(FlowOutput, AggregateNamesRoundTrip) {
  for (FlowField f : kAllFlowFields) EXPECT_EQ(parse_aggregate_name(aggregate_name(f)), f);
  EXPECT_FALSE(parse_aggregate_name("nope").has_value());
}

TEST(FlowOutput, WriterWritesTheCsvHeaderEvenWithoutRecords) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    FlowWriter w(f, five_tuple(), FlowOutputFormat::kCsv);
    EXPECT_TRUE(w.flush());
  }
  std::rewind(f);
  char buf[256] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  EXPECT_EQ(std::string(buf, n),
            "ip_src,ip_dst,port_src,port_dst,ip_proto,timestamp_start,timestamp_end,packets,bytes\n");
}

}  // namespace
}  // namespace flowlens
