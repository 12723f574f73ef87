#include "model/ip_address.h"

#include <gtest/gtest.h>

namespace flowlens {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::parse("192.168.1.20");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, IpFamily::kV4);
  EXPECT_EQ(v4->to_string(), "192.168.1.20");
  auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, IpFamily::kV6);
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::parse("300.1.1.1"));
  EXPECT_FALSE(IpAddress::parse("not an address"));
}

TEST(IpNetwork, MasksAndMatchesOnlyItsFamily) {
  auto net = IpNetwork::parse("10.1.2.3/12");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->to_string(), "10.0.0.0/12");
  EXPECT_TRUE(net->contains(*IpAddress::parse("10.15.255.255")));
  EXPECT_FALSE(net->contains(*IpAddress::parse("10.16.0.0")));
  EXPECT_FALSE(net->contains(*IpAddress::parse("::a0f:ffff")));
  EXPECT_FALSE(IpNetwork::parse("10.0.0.0/33"));
  EXPECT_FALSE(IpNetwork::parse("10.0.0.0/"));
  auto v6 = IpNetwork::parse("2001:db8::/33");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:7fff::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db8:8000::1")));
}

}  // namespace
}  // namespace flowlens
