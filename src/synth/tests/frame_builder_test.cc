#include "synth/frame_builder.h"

#include <vector>

#include <gtest/gtest.h>

#include "synth/tests/pcap_test_reader.h"

namespace flowlens::synth {
namespace {

FlowSpec udp_v4_flow() {
  FlowSpec spec;
  spec.protocol = kProtoUdp;
  spec.src = {10, 1, 2, 3};
  spec.dst = {198, 18, 0, 9};
  spec.src_port = 40000;
  spec.dst_port = 53;
  return spec;
}

TEST(FrameBuilder, MinimumSizesAreTheHeadersOfEachFamilyAndProtocol) {
  FlowSpec spec = udp_v4_flow();
  EXPECT_EQ(FrameBuilder::min_frame_size(spec), 14u + 20 + 8);
  spec.protocol = kProtoTcp;
  EXPECT_EQ(FrameBuilder::min_frame_size(spec), 14u + 20 + 20);
  spec.ip_version = 6;
  EXPECT_EQ(FrameBuilder::min_frame_size(spec), 14u + 40 + 20);
  spec.protocol = kProtoIcmpV6;
  EXPECT_EQ(FrameBuilder::min_frame_size(spec), 14u + 40 + 8);
}

TEST(FrameBuilder, Writes64ByteUdpFrameWithTheFlowsAddressesAndPorts) {
  const FrameBuilder builder;
  std::vector<uint8_t> frame(64);
  PacketFields fields;
  fields.ip_id = 0x1234;
  builder.build(udp_v4_flow(), fields, frame.size(), frame.data());
  EXPECT_EQ(testing::be16(&frame[12]), 0x0800);
  EXPECT_EQ(frame[14], 0x45);
  EXPECT_EQ(testing::be16(&frame[16]), 50);  // IP total length
  EXPECT_EQ(testing::be16(&frame[18]), 0x1234);
  EXPECT_EQ(frame[23], kProtoUdp);
  EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 26, frame.begin() + 34),
            (std::vector<uint8_t>{10, 1, 2, 3, 198, 18, 0, 9}));
  EXPECT_EQ(testing::be16(&frame[34]), 40000);
  EXPECT_EQ(testing::be16(&frame[36]), 53);
  EXPECT_EQ(testing::be16(&frame[38]), 30);  // UDP length: 8 + 22 payload
  EXPECT_EQ(testing::ones_sum(&frame[14], 20), 0xFFFFu);
}

TEST(FrameBuilder, TcpSegmentCarriesSequenceAckAndPushAck) {
  const FrameBuilder builder;
  FlowSpec spec = udp_v4_flow();
  spec.protocol = kProtoTcp;
  spec.dst_port = 443;
  spec.tcp_ack = 0xAABBCCDD;
  PacketFields fields;
  fields.tcp_seq = 0x01020304;
  std::vector<uint8_t> frame(64);
  builder.build(spec, fields, frame.size(), frame.data());
  EXPECT_EQ(testing::be16(&frame[36]), 443);
  EXPECT_EQ(testing::be16(&frame[38]), 0x0102);
  EXPECT_EQ(testing::be16(&frame[40]), 0x0304);
  EXPECT_EQ(testing::be16(&frame[42]), 0xAABB);
  EXPECT_EQ(frame[46], 0x50);
  EXPECT_EQ(frame[47], 0x18);
}

}  // namespace
}  // namespace flowlens::synth
