#include "meter/aggregation.h"

#include <gtest/gtest.h>

#include "meter/tests/test_packets.h"

namespace flowlens::meter {
namespace {

using testing::make_packet;

decode::DecodedPacket full_packet() {
  auto p = make_packet("10.1.2.3", "192.168.7.9", 1234, 80, 6, 60);
  p.tos = 0x28;
  p.vlan = 42;
  p.tcp_flags = 0x12;
  p.mac_src = {1, 2, 3, 4, 5, 6};
  p.mac_dst = {7, 8, 9, 10, 11, 12};
  return p;
}

FlowKey key_for(std::string_view spec, std::vector<IpNetwork> nets = {}) {
  auto a = Aggregation::parse(spec, std::move(nets));
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
  FlowKey k;
  a->build_key(full_packet(), 1234, 80, k);
  return k;
}

TEST(Aggregation, DefaultIsThePmacctFiveTuple) {
  Aggregation a;
  const FlowFields f = a.fields();
  EXPECT_TRUE(f.has(FlowField::kSrcHost) && f.has(FlowField::kDstHost) &&
              f.has(FlowField::kSrcPort) && f.has(FlowField::kDstPort) && f.has(FlowField::kProto));
  EXPECT_FALSE(f.has(FlowField::kTos) || f.has(FlowField::kVlan) || f.has(FlowField::kTcpFlags));
}

TEST(Aggregation, KeyHoldsOnlyTheChosenFields) {
  FlowKey expected;
  EXPECT_EQ(key_for("proto"), [] { FlowKey k; k.ip_proto = 6; return k; }());
  FlowKey k = key_for("src_host");
  expected = FlowKey{};
  expected.src = IpAddress::parse("10.1.2.3")->bytes;
  expected.family = 4;
  EXPECT_EQ(k, expected);
  k = key_for("dst_host");
  expected = FlowKey{};
  expected.dst = IpAddress::parse("192.168.7.9")->bytes;
  expected.family = 4;
  EXPECT_EQ(k, expected);
  EXPECT_EQ(key_for("src_port").src_port, 1234);
  EXPECT_EQ(key_for("src_port").dst_port, 0);
  EXPECT_EQ(key_for("dst_port").dst_port, 80);
  EXPECT_EQ(key_for("tos").tos, 0x28);
  EXPECT_EQ(key_for("vlan").vlan, 42);
  EXPECT_EQ(key_for("tcpflags").tcp_flags, 0x12);
  EXPECT_EQ(key_for("src_mac").mac_src, (std::array<uint8_t, 6>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(key_for("src_mac").mac_dst, (std::array<uint8_t, 6>{}));
  EXPECT_EQ(key_for("dst_mac").mac_dst, (std::array<uint8_t, 6>{7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(key_for("vlan").ip_proto, 0);
}

TEST(Aggregation, NetworksAreMaskedWithThePrefixOfTheirSide) {
  FlowKey k = key_for("src_net/16,dst_net");
  EXPECT_EQ(k.src, IpAddress::parse("10.1.0.0")->bytes);
  EXPECT_EQ(k.dst, IpAddress::parse("192.168.7.0")->bytes);
  auto a = Aggregation::parse("src_net/8/32");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->src_mask(IpFamily::kV4), 8);
  EXPECT_EQ(a->src_mask(IpFamily::kV6), 32);
  FlowKey k6;
  a->build_key(make_packet("2001:db8:aaaa::1", "::1", 1, 2), 1, 2, k6);
  EXPECT_EQ(k6.src, IpAddress::parse("2001:db8::")->bytes);
}

TEST(Aggregation, HostAndNetTogetherKeepTheFullAddressAndPrintTheMask) {
  auto a = Aggregation::parse("src_host,src_net/24");
  ASSERT_TRUE(a.ok());
  FlowKey k;
  a->build_key(full_packet(), 0, 0, k);
  EXPECT_EQ(k.src, IpAddress::parse("10.1.2.3")->bytes);
  FlowRecord r;
  a->fill_record(k, r);
  EXPECT_EQ(r.src_mask, 24);
  EXPECT_EQ(r.src.to_string(), "10.1.2.3");
}

TEST(Aggregation, DirectionFollowsTheLocalNetworks) {
  std::vector<IpNetwork> nets{*IpNetwork::parse("10.0.0.0/8"), *IpNetwork::parse("2001:db8::/32")};
  auto a = Aggregation::parse("direction", nets);
  ASSERT_TRUE(a.ok());
  auto ip = [](std::string_view s) { return *IpAddress::parse(s); };
  EXPECT_EQ(a->direction(ip("10.0.0.1"), ip("8.8.8.8")), Direction::kOut);
  EXPECT_EQ(a->direction(ip("8.8.8.8"), ip("10.9.9.9")), Direction::kIn);
  EXPECT_EQ(a->direction(ip("10.0.0.1"), ip("10.0.0.2")), Direction::kLocal);
  EXPECT_EQ(a->direction(ip("8.8.8.8"), ip("1.1.1.1")), Direction::kTransit);
  EXPECT_EQ(a->direction(ip("2001:db8::5"), ip("2a00::1")), Direction::kOut);
  EXPECT_EQ(key_for("direction", nets).direction, static_cast<uint8_t>(Direction::kOut));
}

TEST(Aggregation, RejectsUnknownPrimitivesAndDirectionWithoutLocalNets) {
  EXPECT_FALSE(Aggregation::parse("src_host,bogus").ok());
  EXPECT_NE(Aggregation::parse("bogus").error().message.find("bogus"), std::string::npos);
  EXPECT_FALSE(Aggregation::parse("direction").ok());
  EXPECT_FALSE(Aggregation::parse("src_port/24").ok());
  EXPECT_FALSE(Aggregation::parse("src_net/33").ok());
  EXPECT_FALSE(Aggregation::parse("").ok());
}

TEST(FlowKey, EqualKeysHashEqualAndDifferentKeysDiffer) {
  FlowKey a = key_for("src_host,dst_host,src_port,dst_port,proto");
  FlowKey b = a;
  EXPECT_EQ(hash_key(a), hash_key(b));
  b.src_port = 1235;
  EXPECT_NE(hash_key(a), hash_key(b));
}

}  // namespace
}  // namespace flowlens::meter
