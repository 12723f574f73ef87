#include "capture/capture_text.h"

#include <gtest/gtest.h>

namespace flowlens::capture {
namespace {

TEST(CaptureText, PrintsTimestampsWithNineDigitsLikeTshark) {
  EXPECT_EQ(format_timestamp({1418145369, 999999999}), "1418145369.999999999");
  EXPECT_EQ(format_timestamp({0, 0}), "0.000000000");
  EXPECT_EQ(format_timestamp({1498072707, 863157000}), "1498072707.863157000");
}

TEST(CaptureText, PrintsFractionsOfABillionOrMoreWithAllTheirDigits) {
  EXPECT_EQ(format_timestamp({980658802, 1882137472}), "980658802.1882137472");
  EXPECT_EQ(format_timestamp({1418145370, 1000000000}), "1418145370.1000000000");
}

TEST(CaptureText, PrintsFractionsNegativeAsInt32WithALeadingMinus) {
  // Wireshark keeps the fraction in an int: 2^31 reads as INT32_MIN.
  EXPECT_EQ(format_timestamp({1418145370, 2147483648}), "-1418145370.2147483648");
  EXPECT_EQ(format_timestamp({5, 4294967295}), "-5.000000001");
}

TEST(CaptureText, PrintsSecondsBeyondThirtyTwoBits) {
  EXPECT_EQ(format_timestamp({4294967296, 0}), "4294967296.000000000");
  EXPECT_EQ(format_timestamp({18446744073204, 277451000}), "18446744073204.277451000");
}

TEST(CaptureText, OrdersTimestampsBySecondsThenSignedFraction) {
  EXPECT_TRUE(timestamp_before({1, 5}, {2, 0}));
  EXPECT_TRUE(timestamp_before({1, 5}, {1, 6}));
  EXPECT_FALSE(timestamp_before({1, 6}, {1, 6}));
  EXPECT_TRUE(timestamp_before({1418145370, 2147483648}, {1418145370, 1000000000}));
}

TEST(CaptureText, NamesLinkTypesWithHighBitsAndInterfaceCount) {
  CaptureInfo pcap;
  pcap.format = "pcap-le-nsec-v2.0";
  pcap.link_types = {{0, 0x4000}};
  pcap.interface_count = 1;
  EXPECT_EQ(format_link_types(pcap), "NULL(0)+hi16=0x4000");

  CaptureInfo ng;
  ng.format = "pcapng-le";
  ng.link_types = {{1, 0}, {0, 0}, {12, 0}};
  ng.interface_count = 11;
  EXPECT_EQ(format_link_types(ng), "ETHERNET(1)+NULL(0)+DLT_RAW_12(12) [11 IDBs]");
  ng.link_types = {{276, 0}};
  ng.interface_count = 1;
  EXPECT_EQ(format_link_types(ng), "LINUX_SLL2(276)");
  EXPECT_EQ(link_type_name(4242), "LINKTYPE_4242");
}

}  // namespace
}  // namespace flowlens::capture
