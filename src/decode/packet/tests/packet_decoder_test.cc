#include "decode/packet/packet_decoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <vector>

#include "decode/packet/tests/fuzz_input.h"

namespace flowlens::decode {
namespace {

using Bytes = std::vector<uint8_t>;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffffu);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Bytes eth(uint16_t type) {
  Bytes b = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  put16(b, type);
  return b;
}
Bytes tag(uint16_t tci, uint16_t type) {
  Bytes b;
  put16(b, tci);
  put16(b, type);
  return b;
}
Bytes mpls(uint32_t label, bool bottom) {
  Bytes b;
  put32(b, (label << 12) | (bottom ? 0x100u : 0u) | 64u);
  return b;
}

// IPv4 10.0.0.1 -> 192.168.1.2 with `payload` bytes after the header.
Bytes ipv4(uint8_t proto, size_t payload, uint16_t flags_fragment = 0, Bytes options = {}) {
  Bytes b;
  b.push_back(static_cast<uint8_t>(0x40 | (5 + options.size() / 4)));
  b.push_back(0xb8);  // DSCP EF
  put16(b, static_cast<unsigned>(20 + options.size() + payload));
  put16(b, 0x1234);
  put16(b, flags_fragment);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  Bytes addrs = {10, 0, 0, 1, 192, 168, 1, 2};
  b.insert(b.end(), addrs.begin(), addrs.end());
  b.insert(b.end(), options.begin(), options.end());
  return b;
}

// IPv6 2001:db8::1 -> 2001:db8::2, traffic class 0x2e.
Bytes ipv6(uint8_t next, size_t payload) {
  Bytes b = {0x62, 0xe0, 0x00, 0x00};
  put16(b, static_cast<unsigned>(payload));
  b.push_back(next);
  b.push_back(32);
  for (uint8_t last : {uint8_t{1}, uint8_t{2}}) {
    Bytes a(16, 0);
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[15] = last;
    b.insert(b.end(), a.begin(), a.end());
  }
  return b;
}
Bytes ext(uint8_t next, uint8_t len_units) {  // hop-by-hop / routing / dest-opts
  Bytes b(size_t{len_units + 1u} * 8, 0);
  b[0] = next;
  b[1] = len_units;
  return b;
}
Bytes frag6(uint8_t next, uint16_t offset_bytes, bool more, uint32_t id) {
  Bytes b = {next, 0};
  put16(b, static_cast<unsigned>(offset_bytes | (more ? 1u : 0u)));
  put32(b, id);
  return b;
}

Bytes tcp(uint16_t sport, uint16_t dport, uint8_t flags) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, 1);
  put32(b, 2);
  b.push_back(0x50);
  b.push_back(flags);
  put16(b, 1024);
  put16(b, 0);
  put16(b, 0);
  return b;
}
Bytes udp(uint16_t sport, uint16_t dport, size_t payload = 0) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<unsigned>(8 + payload));
  put16(b, 0);
  b.resize(8 + payload, 0xab);
  return b;
}

Bytes eth_ipv4_tcp() {
  return cat({eth(0x0800), ipv4(6, 20), tcp(40000, 443, 0xc2)});
}
Bytes eth_ipv4_udp() {
  return cat({eth(0x0800), ipv4(17, 12), udp(5353, 53, 4)});
}
Bytes eth_ipv6_udp() {
  return cat({eth(0x86dd), ipv6(17, 8), udp(546, 547)});
}

struct Decoded {
  DecodeStatus status;
  DecodedPacket packet;
};
Decoded run(uint32_t link_type, const Bytes& frame) {
  PacketDecoder decoder;
  Decoded d{};
  d.status = decoder.decode(link_type, frame, d.packet);
  return d;
}

constexpr uint32_t kEthernet = 1;

TEST(PacketDecoder, DecodesEthernetIpv4TcpWithAllFields) {
  const Decoded d = run(kEthernet, eth_ipv4_tcp());
  ASSERT_EQ(d.status, DecodeStatus::kIp);
  const DecodedPacket& p = d.packet;
  EXPECT_EQ(p.src.to_string(), "10.0.0.1");
  EXPECT_EQ(p.dst.to_string(), "192.168.1.2");
  EXPECT_EQ(p.ip_proto, 6);
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 443);
  EXPECT_EQ(p.tcp_flags, 0xc2);  // CWR + ECE + SYN: the whole flag byte
  EXPECT_TRUE(p.has_ports);
  EXPECT_FALSE(p.transport_truncated);
  EXPECT_EQ(p.ip_length, 40u);
  EXPECT_EQ(p.tos, 0xb8);
  EXPECT_EQ(p.ttl, 64);
  EXPECT_EQ(p.fragment_id, 0x1234u);
  EXPECT_FALSE(p.is_fragment);
  EXPECT_EQ(p.ip_offset, 14u);
  EXPECT_EQ(p.vlan, 0);
  EXPECT_EQ(p.mac_dst[0], 0x00);
  EXPECT_EQ(p.mac_dst[5], 0x55);
  EXPECT_EQ(p.mac_src[0], 0x66);
  EXPECT_EQ(p.mac_src[5], 0xbb);
  EXPECT_EQ(p.reason, DecodeReason::kOk);
}

TEST(PacketDecoder, UsesIpTotalLengthNotFrameLengthWhenFrameHasPaddingAndFcs) {
  // 20-byte IPv4 header + 4 bytes of "UDP", padded to 60 bytes plus a 4-byte FCS: the
  // padding must not be read as the rest of the UDP header.
  Bytes frame = cat({eth(0x0800), ipv4(17, 4), Bytes{0x13, 0x88, 0x00, 0x35}});
  frame.resize(64, 0xee);
  const Decoded d = run(kEthernet, frame);
  ASSERT_EQ(d.status, DecodeStatus::kIp);
  EXPECT_EQ(d.packet.ip_length, 24u);
  EXPECT_FALSE(d.packet.has_ports);
  EXPECT_TRUE(d.packet.transport_truncated);

  Bytes whole = eth_ipv4_udp();
  whole.resize(whole.size() + 4, 0xee);  // FCS
  const Decoded w = run(kEthernet, whole);
  EXPECT_TRUE(w.packet.has_ports);
  EXPECT_EQ(w.packet.ip_length, 32u);
}

TEST(PacketDecoder, SkipsIpv4OptionsToFindPorts) {
  const Bytes frame =
      cat({eth(0x0800), ipv4(17, 8, 0, Bytes{0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00}),
           udp(1000, 2000)});
  const Decoded d = run(kEthernet, frame);
  ASSERT_EQ(d.status, DecodeStatus::kIp);
  EXPECT_TRUE(d.packet.has_ports);
  EXPECT_EQ(d.packet.src_port, 1000);
  EXPECT_EQ(d.packet.dst_port, 2000);
  EXPECT_EQ(d.packet.ip_length, 36u);
}

TEST(PacketDecoder, ReadsPortsOnlyFromTheFirstIpv4Fragment) {
  const Decoded first = run(kEthernet, cat({eth(0x0800), ipv4(17, 16, 0x2000), udp(53, 9999, 8)}));
  ASSERT_EQ(first.status, DecodeStatus::kIp);
  EXPECT_TRUE(first.packet.is_fragment);
  EXPECT_TRUE(first.packet.more_fragments);
  EXPECT_EQ(first.packet.fragment_offset, 0);
  EXPECT_TRUE(first.packet.has_ports);
  EXPECT_EQ(first.packet.src_port, 53);

  const Decoded later = run(kEthernet, cat({eth(0x0800), ipv4(17, 16, 185), udp(53, 9999, 8)}));
  ASSERT_EQ(later.status, DecodeStatus::kIp);
  EXPECT_TRUE(later.packet.is_fragment);
  EXPECT_FALSE(later.packet.more_fragments);
  EXPECT_EQ(later.packet.fragment_offset, 1480);
  EXPECT_EQ(later.packet.fragment_id, 0x1234u);
  EXPECT_EQ(later.packet.ip_proto, 17);
  EXPECT_FALSE(later.packet.has_ports);
  EXPECT_FALSE(later.packet.transport_truncated);
  EXPECT_EQ(later.packet.src_port, 0);

  const Decoded dont_fragment = run(kEthernet, cat({eth(0x0800), ipv4(17, 8, 0x4000), udp(1, 2)}));
  EXPECT_FALSE(dont_fragment.packet.is_fragment);
}

TEST(PacketDecoder, TakesTheOutermostVlanOfSingleAndStackedTags) {
  const Decoded single =
      run(kEthernet, cat({eth(0x8100), tag(0x2064, 0x0800), ipv4(17, 8), udp(1, 2)}));
  ASSERT_EQ(single.status, DecodeStatus::kIp);
  EXPECT_EQ(single.packet.vlan, 100);
  EXPECT_EQ(single.packet.ip_offset, 18u);
  EXPECT_TRUE(single.packet.has_ports);

  for (uint16_t outer : {uint16_t{0x88a8}, uint16_t{0x9100}, uint16_t{0x8100}}) {
    const Decoded qinq = run(kEthernet, cat({eth(outer), tag(200, 0x8100), tag(300, 0x86dd),
                                              ipv6(17, 8), udp(1, 2)}));
    ASSERT_EQ(qinq.status, DecodeStatus::kIp) << outer;
    EXPECT_EQ(qinq.packet.vlan, 200);
    EXPECT_EQ(qinq.packet.ip_offset, 22u);
    EXPECT_TRUE(qinq.packet.has_ports);
  }
}

TEST(PacketDecoder, WalksMplsLabelsAndGuessesIpFromTheFirstNibble) {
  const Decoded v4 = run(kEthernet, cat({eth(0x8847), mpls(16, false), mpls(17, true),
                                          ipv4(6, 20), tcp(1, 80, 0x10)}));
  ASSERT_EQ(v4.status, DecodeStatus::kIp);
  EXPECT_EQ(v4.packet.ip_offset, 22u);
  EXPECT_EQ(v4.packet.dst_port, 80);

  const Decoded v6 = run(kEthernet, cat({eth(0x8848), mpls(3, true), ipv6(17, 8), udp(1, 2)}));
  ASSERT_EQ(v6.status, DecodeStatus::kIp);
  EXPECT_EQ(v6.packet.src.family, IpFamily::kV6);

  Bytes other = cat({eth(0x8847), mpls(3, true), Bytes{0x55, 0, 0, 0}});
  const Decoded not_ip = run(kEthernet, other);
  EXPECT_EQ(not_ip.status, DecodeStatus::kNotIp);
  EXPECT_EQ(not_ip.packet.reason, DecodeReason::kMplsNotIp);

  const Decoded no_bottom = run(kEthernet, cat({eth(0x8847), mpls(3, false), mpls(4, false)}));
  EXPECT_EQ(no_bottom.status, DecodeStatus::kTruncated);
}

TEST(PacketDecoder, FollowsAnMplsEthernetPseudowireWithControlWord) {
  const Decoded d = run(kEthernet, cat({eth(0x8847), mpls(100, false), mpls(200, true),
                                         Bytes{0, 0, 0, 0}, eth(0x8100), tag(7, 0x0800),
                                         ipv4(1, 8), Bytes{8, 0, 0, 0, 0, 1, 0, 1}}));
  ASSERT_EQ(d.status, DecodeStatus::kIp);
  EXPECT_EQ(d.packet.ip_proto, 1);
  EXPECT_EQ(d.packet.icmp_type, 8);
  EXPECT_EQ(d.packet.vlan, 7);
  EXPECT_EQ(d.packet.mac_src[0], 0x66);  // the capture link's MACs, not the inner ones
}

TEST(PacketDecoder, DecodesPppoeSessionsAndSkipsPppControl) {
  Bytes pppoe_v4 = {0x11, 0x00, 0x00, 0x01, 0x00, 0x22, 0x00, 0x21};
  const Decoded v4 = run(kEthernet, cat({eth(0x8864), pppoe_v4, ipv4(17, 8), udp(1, 2)}));
  ASSERT_EQ(v4.status, DecodeStatus::kIp);
  EXPECT_EQ(v4.packet.ip_offset, 22u);
  Bytes pppoe_v6 = {0x11, 0x00, 0x00, 0x01, 0x00, 0x32, 0x00, 0x57};
  EXPECT_EQ(run(kEthernet, cat({eth(0x8864), pppoe_v6, ipv6(17, 8), udp(1, 2)})).status,
            DecodeStatus::kIp);
  Bytes lcp = {0x11, 0x00, 0x00, 0x01, 0x00, 0x06, 0xc0, 0x21, 1, 1, 0, 4};
  const Decoded control = run(kEthernet, cat({eth(0x8864), lcp}));
  EXPECT_EQ(control.status, DecodeStatus::kNotIp);
  EXPECT_EQ(control.packet.reason, DecodeReason::kPppNotIp);
}

TEST(PacketDecoder, ReportsArpLldpAndLlcAsNotIp) {
  const Decoded arp = run(kEthernet, cat({eth(0x0806), Bytes(28, 0)}));
  EXPECT_EQ(arp.status, DecodeStatus::kNotIp);
  EXPECT_EQ(arp.packet.reason, DecodeReason::kArp);
  EXPECT_EQ(run(kEthernet, cat({eth(0x88cc), Bytes(20, 0)})).packet.reason, DecodeReason::kLldp);
  EXPECT_EQ(run(kEthernet, cat({eth(0x0026), Bytes(38, 0x42)})).packet.reason, DecodeReason::kLlc);
  EXPECT_EQ(run(kEthernet, cat({eth(0x8100), tag(5, 0x0806), Bytes(28, 0)})).packet.reason,
            DecodeReason::kArp);
}

TEST(PacketDecoder, FollowsRfc1042SnapHeadersOf8023Frames) {
  const Bytes inner = cat({ipv4(17, 8), udp(7, 9)});
  Bytes snap = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00};
  const Decoded d =
      run(kEthernet, cat({eth(static_cast<uint16_t>(8 + inner.size())), snap, inner}));
  ASSERT_EQ(d.status, DecodeStatus::kIp);
  EXPECT_EQ(d.packet.ip_offset, 22u);
  EXPECT_EQ(d.packet.dst_port, 9);
  Bytes stp = {0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(run(kEthernet, cat({eth(38), stp, Bytes(30, 0)})).packet.reason, DecodeReason::kLlc);
}

TEST(PacketDecoder, DecodesLinuxCookedV1AndV2) {
  Bytes sll = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0};
  put16(sll, 0x0800);
  const Decoded v1 = run(113, cat({sll, ipv4(6, 20), tcp(22, 5555, 0x18)}));
  ASSERT_EQ(v1.status, DecodeStatus::kIp);
  EXPECT_EQ(v1.packet.ip_offset, 16u);
  EXPECT_EQ(v1.packet.src_port, 22);
  EXPECT_EQ(v1.packet.mac_src[5], 6);

  Bytes sll2;
  put16(sll2, 0x86dd);
  Bytes rest = {0, 0, 0, 0, 0, 2, 0x00, 0x01, 0x04, 0x06, 1, 2, 3, 4, 5, 6, 0, 0};
  sll2.insert(sll2.end(), rest.begin(), rest.end());
  const Decoded v2 = run(276, cat({sll2, ipv6(58, 8), Bytes{128, 0, 0, 0, 0, 1, 0, 1}}));
  ASSERT_EQ(v2.status, DecodeStatus::kIp);
  EXPECT_EQ(v2.packet.ip_offset, 20u);
  EXPECT_EQ(v2.packet.icmp_type, 128);

  Bytes sll_arp = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x06};
  EXPECT_EQ(run(113, cat({sll_arp, Bytes(28, 0)})).status, DecodeStatus::kNotIp);
  Bytes sll_llc = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x00, 0x04};
  EXPECT_EQ(run(113, cat({sll_llc, Bytes(28, 0)})).packet.reason, DecodeReason::kLlc);
  EXPECT_EQ(run(113, Bytes(15, 0)).status, DecodeStatus::kTruncated);
  EXPECT_EQ(run(276, Bytes(19, 0)).status, DecodeStatus::kTruncated);
}

TEST(PacketDecoder, DecodesRawIpOnEveryRawLinkType) {
  const Bytes v4 = cat({ipv4(17, 8), udp(67, 68)});
  const Bytes v6 = cat({ipv6(6, 20), tcp(80, 1234, 0x11)});
  for (uint32_t link : {101u, 12u, 14u}) {
    EXPECT_EQ(run(link, v4).status, DecodeStatus::kIp) << link;
    EXPECT_EQ(run(link, v6).status, DecodeStatus::kIp) << link;
    EXPECT_EQ(run(link, v6).packet.ip_offset, 0u);
    EXPECT_EQ(run(link, Bytes{0x50, 0, 0, 0}).status, DecodeStatus::kMalformed) << link;
    EXPECT_EQ(run(link, Bytes{}).status, DecodeStatus::kTruncated) << link;
  }
  EXPECT_EQ(run(228, v4).packet.dst_port, 68);
  EXPECT_EQ(run(229, v6).packet.src_port, 80);
  EXPECT_EQ(run(228, v6).status, DecodeStatus::kMalformed);  // IPv4 link, IPv6 inside
  EXPECT_EQ(run(229, v4).status, DecodeStatus::kMalformed);
}

TEST(PacketDecoder, DecodesNullLoopbackInEitherByteOrder) {
  const Bytes v4 = cat({ipv4(17, 8), udp(1, 2)});
  const Bytes v6 = cat({ipv6(17, 8), udp(1, 2)});
  EXPECT_EQ(run(0, cat({Bytes{2, 0, 0, 0}, v4})).status, DecodeStatus::kIp);  // little-endian host
  EXPECT_EQ(run(0, cat({Bytes{0, 0, 0, 2}, v4})).status, DecodeStatus::kIp);  // big-endian host
  for (uint8_t family : {uint8_t{24}, uint8_t{28}, uint8_t{30}}) {
    const Decoded le = run(0, cat({Bytes{family, 0, 0, 0}, v6}));
    ASSERT_EQ(le.status, DecodeStatus::kIp) << int{family};
    EXPECT_EQ(le.packet.ip_offset, 4u);
    EXPECT_EQ(run(0, cat({Bytes{0, 0, 0, family}, v6})).status, DecodeStatus::kIp);
  }
  EXPECT_EQ(run(108, cat({Bytes{0, 0, 0, 2}, v4})).status, DecodeStatus::kIp);
  const Decoded other = run(0, cat({Bytes{7, 0, 0, 0}, v4}));
  EXPECT_EQ(other.status, DecodeStatus::kNotIp);
  EXPECT_EQ(other.packet.reason, DecodeReason::kLoopbackFamily);
  EXPECT_EQ(run(0, Bytes{2, 0, 0}).status, DecodeStatus::kTruncated);
  // An ethertype where the family belongs (pcap/null_loopback.pcap frame 3).
  const Decoded ethertype = run(0, cat({Bytes{0x0f, 0x00, 0x08, 0x00}, v4}));
  EXPECT_EQ(ethertype.status, DecodeStatus::kIp);
  EXPECT_EQ(ethertype.packet.ip_offset, 4u);
}

TEST(PacketDecoder, WalksIpv6ExtensionHeadersToTheTransport) {
  const Decoded d = run(kEthernet, cat({eth(0x86dd), ipv6(0, 8 + 16 + 8 + 8), ext(60, 0),
                                         ext(43, 1), ext(17, 0), udp(546, 547)}));
  ASSERT_EQ(d.status, DecodeStatus::kIp);
  EXPECT_EQ(d.packet.ip_proto, 17);
  EXPECT_TRUE(d.packet.has_ports);
  EXPECT_EQ(d.packet.src_port, 546);
  EXPECT_EQ(d.packet.tos, 0x2e);
  EXPECT_EQ(d.packet.ttl, 32);
  EXPECT_EQ(d.packet.ip_length, 40u + 40u);

  Bytes ah = {6, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};  // (1 + 2) * 4 = 12 bytes
  const Decoded with_ah = run(kEthernet, cat({eth(0x86dd), ipv6(51, 32), ah, tcp(5, 6, 0x02)}));
  ASSERT_EQ(with_ah.status, DecodeStatus::kIp);
  EXPECT_EQ(with_ah.packet.ip_proto, 6);
  EXPECT_EQ(with_ah.packet.dst_port, 6);

  const Decoded esp = run(kEthernet, cat({eth(0x86dd), ipv6(0, 24), ext(50, 0), Bytes(16, 9)}));
  EXPECT_EQ(esp.packet.ip_proto, 50);
  EXPECT_FALSE(esp.packet.has_ports);
  EXPECT_FALSE(esp.packet.transport_truncated);

  const Decoded none = run(kEthernet, cat({eth(0x86dd), ipv6(60, 8), ext(59, 0)}));
  EXPECT_EQ(none.packet.ip_proto, 59);
  EXPECT_FALSE(none.packet.transport_truncated);
}

TEST(PacketDecoder, ReadsIpv6FragmentsAndAtomicFragments) {
  const Decoded first = run(kEthernet, cat({eth(0x86dd), ipv6(44, 8 + 16), frag6(17, 0, true, 77),
                                             udp(5353, 5353, 8)}));
  ASSERT_EQ(first.status, DecodeStatus::kIp);
  EXPECT_TRUE(first.packet.is_fragment);
  EXPECT_TRUE(first.packet.more_fragments);
  EXPECT_EQ(first.packet.fragment_id, 77u);
  EXPECT_TRUE(first.packet.has_ports);
  EXPECT_EQ(first.packet.ip_proto, 17);

  const Decoded later = run(kEthernet, cat({eth(0x86dd), ipv6(0, 8 + 8 + 16), ext(44, 0),
                                             frag6(17, 1232, false, 77), Bytes(16, 1)}));
  ASSERT_EQ(later.status, DecodeStatus::kIp);
  EXPECT_TRUE(later.packet.is_fragment);
  EXPECT_EQ(later.packet.fragment_offset, 1232);
  EXPECT_EQ(later.packet.ip_proto, 17);
  EXPECT_FALSE(later.packet.has_ports);
  EXPECT_FALSE(later.packet.transport_truncated);

  const Decoded atomic = run(kEthernet, cat({eth(0x86dd), ipv6(44, 8 + 20), frag6(6, 0, false, 9),
                                              tcp(80, 1000, 0x10)}));
  EXPECT_FALSE(atomic.packet.is_fragment);
  EXPECT_EQ(atomic.packet.fragment_id, 9u);
  EXPECT_TRUE(atomic.packet.has_ports);
}

TEST(PacketDecoder, UsesCapturedLengthForIpv6PayloadLengthZeroAndIpv4TotalLengthZero) {
  Bytes v6 = cat({eth(0x86dd), ipv6(17, 0), udp(1, 2, 100)});
  const Decoded jumbo = run(kEthernet, v6);
  ASSERT_EQ(jumbo.status, DecodeStatus::kIp);
  EXPECT_EQ(jumbo.packet.ip_length, 40u + 108u);
  EXPECT_TRUE(jumbo.packet.has_ports);

  Bytes v4 = cat({eth(0x0800), ipv4(6, 20), tcp(1, 2, 0x18), Bytes(1000, 0)});
  v4[16] = 0;
  v4[17] = 0;  // TSO: total length 0
  const Decoded tso = run(kEthernet, v4);
  ASSERT_EQ(tso.status, DecodeStatus::kIp);
  EXPECT_EQ(tso.packet.ip_length, 1040u);
  EXPECT_TRUE(tso.packet.has_ports);
}

TEST(PacketDecoder, ReadsIcmpSctpAndLeavesGreUndecapsulated) {
  const Decoded icmp =
      run(kEthernet, cat({eth(0x0800), ipv4(1, 8), Bytes{3, 3, 0, 0, 0, 0, 0, 0}}));
  EXPECT_EQ(icmp.packet.icmp_type, 3);
  EXPECT_EQ(icmp.packet.icmp_code, 3);
  EXPECT_FALSE(icmp.packet.has_ports);

  Bytes sctp = {0x0b, 0x59, 0x0b, 0x5a, 0, 0, 0, 1, 0, 0, 0, 0};
  const Decoded s = run(kEthernet, cat({eth(0x0800), ipv4(132, 12), sctp}));
  EXPECT_TRUE(s.packet.has_ports);
  EXPECT_EQ(s.packet.src_port, 2905);
  EXPECT_EQ(s.packet.dst_port, 2906);

  const Bytes inner = cat({ipv4(6, 20), tcp(1, 2, 2)});
  const Decoded gre =
      run(kEthernet, cat({eth(0x0800), ipv4(47, 4 + inner.size()), Bytes{0, 0, 0x08, 0}, inner}));
  ASSERT_EQ(gre.status, DecodeStatus::kIp);
  EXPECT_EQ(gre.packet.ip_proto, 47);
  EXPECT_FALSE(gre.packet.has_ports);
  EXPECT_FALSE(gre.packet.transport_truncated);
  EXPECT_EQ(gre.packet.src_port, 0);
}

TEST(PacketDecoder, ReportsTruncatedTransportHeadersWithoutPorts) {
  Bytes frame = cat({eth(0x0800), ipv4(6, 20), tcp(1, 2, 0x02)});
  frame.resize(14 + 20 + 13);  // one byte short of the flags
  const Decoded tcp_cut = run(kEthernet, frame);
  ASSERT_EQ(tcp_cut.status, DecodeStatus::kIp);
  EXPECT_FALSE(tcp_cut.packet.has_ports);
  EXPECT_TRUE(tcp_cut.packet.transport_truncated);
  EXPECT_EQ(tcp_cut.packet.src_port, 0);

  Bytes udp_cut = eth_ipv4_udp();
  udp_cut.resize(14 + 20 + 7);
  EXPECT_TRUE(run(kEthernet, udp_cut).packet.transport_truncated);

  Bytes icmp_cut = cat({eth(0x0800), ipv4(1, 8), Bytes{8}});
  EXPECT_TRUE(run(kEthernet, icmp_cut).packet.transport_truncated);
}

TEST(PacketDecoder, ReportsContradictoryIpHeadersAsMalformed) {
  Bytes frame = eth_ipv4_tcp();
  frame[14] = 0x55;  // version 5
  EXPECT_EQ(run(kEthernet, frame).packet.reason, DecodeReason::kBadIpVersion);
  frame[14] = 0x44;  // IHL 4
  EXPECT_EQ(run(kEthernet, frame).packet.reason, DecodeReason::kIpv4HeaderLength);
  frame[14] = 0x45;
  frame[16] = 0;
  frame[17] = 19;  // total length < header length
  const Decoded total = run(kEthernet, frame);
  EXPECT_EQ(total.status, DecodeStatus::kMalformed);
  EXPECT_EQ(total.packet.reason, DecodeReason::kIpv4TotalLength);

  Bytes v6 = eth_ipv6_udp();
  v6[14] = 0x40;  // version 4 under ethertype IPv6
  EXPECT_EQ(run(kEthernet, v6).status, DecodeStatus::kMalformed);
  Bytes v4_short = {0x65, 0, 0};  // 3 bytes with a wrong version: malformed beats truncated
  EXPECT_EQ(run(kEthernet, cat({eth(0x0800), v4_short})).status, DecodeStatus::kMalformed);
}

TEST(PacketDecoder, ReportsUnknownLinkTypesAsUnsupported) {
  const Decoded d = run(147, eth_ipv4_tcp());
  EXPECT_EQ(d.status, DecodeStatus::kUnsupportedLink);
  EXPECT_EQ(d.packet.reason, DecodeReason::kUnknownLinkType);
  // The upper 16 bits of a pcap link-type field (FCS length flags) are ignored.
  EXPECT_EQ(run(0x30000001u, eth_ipv4_tcp()).status, DecodeStatus::kIp);
}

// Cuts each frame at every length. The status must never be kIp while an address byte
// is missing and must be kIp once both are present; ports appear only with whole fields.
struct CutCase {
  const char* name;
  uint32_t link_type;
  Bytes frame;
  size_t addresses_end;  // bytes needed for both addresses
  size_t ports_end;      // bytes needed for has_ports (0: never has ports)
};

TEST(PacketDecoder, NeverClaimsIpWhenTheCaptureEndsBeforeTheAddresses) {
  Bytes sll = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x86, 0xdd};
  const std::vector<CutCase> cases = {
      {"eth-ipv4-tcp", kEthernet, eth_ipv4_tcp(), 14 + 20, 14 + 20 + 14},
      {"eth-ipv4-udp", kEthernet, eth_ipv4_udp(), 14 + 20, 14 + 20 + 8},
      {"qinq-ipv6-udp", kEthernet,
       cat({eth(0x88a8), tag(1, 0x8100), tag(2, 0x86dd), ipv6(17, 8), udp(1, 2)}), 22 + 40,
       22 + 48},
      {"mpls-pw-ipv4", kEthernet,
       cat({eth(0x8847), mpls(1, true), Bytes{0, 0, 0, 0}, eth(0x0800), ipv4(17, 8), udp(1, 2)}),
       14 + 4 + 4 + 14 + 20, 14 + 4 + 4 + 14 + 28},
      {"ipv6-ext-frag", kEthernet,
       cat({eth(0x86dd), ipv6(0, 8 + 8 + 20), ext(44, 0), frag6(6, 0, true, 1), tcp(1, 2, 2)}),
       14 + 40, 14 + 40 + 16 + 14},
      {"sll-ipv6-udp", 113, cat({sll, ipv6(17, 8), udp(1, 2)}), 16 + 40, 16 + 48},
      {"null-ipv4-tcp", 0, cat({Bytes{2, 0, 0, 0}, ipv4(6, 20), tcp(1, 2, 2)}), 4 + 20, 4 + 34},
      {"raw-ipv4-gre", 101, cat({ipv4(47, 8), Bytes(8, 0)}), 20, 0},
  };
  for (const CutCase& c : cases) {
    ASSERT_EQ(run(c.link_type, c.frame).status, DecodeStatus::kIp) << c.name;
    for (size_t cut = 0; cut <= c.frame.size(); ++cut) {
      // A fresh heap copy of exactly `cut` bytes, so ASan sees any read past the end.
      const Bytes prefix(c.frame.begin(), c.frame.begin() + static_cast<std::ptrdiff_t>(cut));
      const Decoded d = run(c.link_type, prefix);
      if (cut < c.addresses_end) {
        EXPECT_EQ(d.status, DecodeStatus::kTruncated) << c.name << " cut at " << cut;
      } else {
        EXPECT_EQ(d.status, DecodeStatus::kIp) << c.name << " cut at " << cut;
        EXPECT_EQ(d.packet.has_ports, c.ports_end != 0 && cut >= c.ports_end)
            << c.name << " cut at " << cut;
        EXPECT_NE(d.packet.has_ports, d.packet.transport_truncated || c.ports_end == 0)
            << c.name << " cut at " << cut;
      }
    }
  }
}

TEST(PacketDecoder, CountsEveryOutcomeByStatusAndReason) {
  PacketDecoder decoder;
  DecodedPacket out;
  (void)decoder.decode(kEthernet, eth_ipv4_tcp(), out);
  (void)decoder.decode(kEthernet, cat({eth(0x0800), ipv4(17, 16, 185), udp(1, 2, 8)}), out);
  Bytes cut = eth_ipv4_udp();
  cut.resize(14 + 20 + 4);
  (void)decoder.decode(kEthernet, cut, out);
  (void)decoder.decode(kEthernet, cat({eth(0x0806), Bytes(28, 0)}), out);
  (void)decoder.decode(kEthernet, Bytes(10, 0), out);
  Bytes bad = eth_ipv4_tcp();
  bad[14] = 0x44;
  (void)decoder.decode(kEthernet, bad, out);
  (void)decoder.decode(999, bad, out);

  const DecodeCounters& c = decoder.counters();
  EXPECT_EQ(c.frames, 7u);
  EXPECT_EQ(c.ip, 3u);
  EXPECT_EQ(c.not_ip, 1u);
  EXPECT_EQ(c.truncated, 1u);
  EXPECT_EQ(c.malformed, 1u);
  EXPECT_EQ(c.unsupported_link, 1u);
  EXPECT_EQ(c.fragments, 1u);
  EXPECT_EQ(c.transport_truncated, 1u);
  EXPECT_EQ(c.count(DecodeReason::kOk), 3u);
  EXPECT_EQ(c.count(DecodeReason::kArp), 1u);
  EXPECT_EQ(c.count(DecodeReason::kTruncatedLink), 1u);
  EXPECT_EQ(c.count(DecodeReason::kIpv4HeaderLength), 1u);
  EXPECT_EQ(c.count(DecodeReason::kUnknownLinkType), 1u);
  uint64_t sum = 0;
  for (uint64_t n : c.by_reason) {
    sum += n;
  }
  EXPECT_EQ(sum, c.frames);
}

TEST(PacketDecoder, NamesEveryStatusAndReason) {
  for (size_t i = 0; i < kDecodeReasonCount; ++i) {
    const auto reason = static_cast<DecodeReason>(i);
    EXPECT_NE(reason_name(reason), "unknown") << i;
    EXPECT_NE(status_name(status_of(reason)), "unknown") << i;
  }
}

TEST(PacketDecoder, ResetsTheOutputBetweenFrames) {
  PacketDecoder decoder;
  DecodedPacket out;
  (void)decoder.decode(kEthernet, cat({eth(0x8100), tag(9, 0x0800), ipv4(6, 20), tcp(1, 2, 2)}),
                       out);
  ASSERT_TRUE(out.has_ports);
  (void)decoder.decode(kEthernet, cat({eth(0x0806), Bytes(28, 0)}), out);
  EXPECT_FALSE(out.has_ports);
  EXPECT_EQ(out.vlan, 0);
  EXPECT_TRUE(out.src.empty());
}

// Inputs kept in fuzz/regressions/packet_decoder/ (fuzzer finds and hand-made edge cases),
// in the fuzzer's input format (fuzz_input.h). Replayed under ASan/UBSan in the dev build.
TEST(PacketDecoder, ReplaysRegressionInputsWithoutCrashing) {
  const std::filesystem::path dir =
      std::filesystem::path(FLOWLENS_SOURCE_DIR) / "fuzz/regressions/packet_decoder";
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "no regression inputs in " << dir;
  }
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    const Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const fuzz::FuzzInput input = fuzz::split_fuzz_input(data.data(), data.size());
    const Bytes frame(input.frame.begin(), input.frame.end());
    PacketDecoder decoder;
    DecodedPacket out;
    const DecodeStatus status = decoder.decode(input.link_type, frame, out);
    EXPECT_EQ(status, status_of(out.reason)) << entry.path();
    ++replayed;
  }
  std::printf("replayed %zu regression inputs\n", replayed);
}

}  // namespace
}  // namespace flowlens::decode
