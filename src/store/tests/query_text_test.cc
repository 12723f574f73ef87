// The words `flowlens query` and the REST API accept for query choices.

#include "store/query_text.h"

#include <gtest/gtest.h>

namespace flowlens::store {
namespace {

TEST(QueryText, EveryChoiceListedInTheMessageParsesAndOthersDoNot) {
  for (std::string_view w : {"bytes", "packets", "flows"}) EXPECT_TRUE(parse_metric(w)) << w;
  for (std::string_view w : {"none", "proto", "direction", "port"}) EXPECT_TRUE(parse_series_group(w)) << w;
  for (std::string_view w : {"src-host", "dst-host", "proto", "port", "src-port", "dst-port"}) {
    EXPECT_TRUE(parse_top_dimension(w)) << w;
  }
  for (std::string_view w : {"start", "-start", "bytes", "packets"}) EXPECT_TRUE(parse_flow_sort(w)) << w;
  for (std::string_view w : {"", "Bytes", "bytes ", "src_host", "1; DROP TABLE flows"}) {
    EXPECT_FALSE(parse_metric(w)) << w;
    EXPECT_FALSE(parse_series_group(w)) << w;
    EXPECT_FALSE(parse_top_dimension(w)) << w;
    EXPECT_FALSE(parse_flow_sort(w)) << w;
  }
  EXPECT_EQ(parse_top_dimension("dst-port"), Dimension::kDstPort);
  EXPECT_EQ(parse_flow_sort("-start"), FlowSort::kStartDesc);
}

TEST(QueryText, ProtocolsByNameOrNumberAndPrintedBack) {
  EXPECT_EQ(parse_ip_proto("tcp"), 6);
  EXPECT_EQ(parse_ip_proto("ipv6-icmp"), 58);
  EXPECT_EQ(parse_ip_proto("icmpv6"), 58);
  EXPECT_EQ(parse_ip_proto("0"), 0);
  EXPECT_EQ(parse_ip_proto("255"), 255);
  for (std::string_view bad : {"", "256", "-1", "TCP", "6x", "0006", " 6"}) EXPECT_FALSE(parse_ip_proto(bad)) << bad;
  EXPECT_EQ(ip_proto_name(58), "icmpv6");
  EXPECT_EQ(ip_proto_name(17), "udp");
  EXPECT_EQ(ip_proto_name(99), "99");
}

}  // namespace
}  // namespace flowlens::store
