#include "store/sqlite/flow_block.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

namespace flowlens::store::sqlite {
namespace {

// Records that reach every field's extremes and every address shape.
std::vector<FlowRecord> varied_records(size_t n) {
  uint64_t x = 0x2545F4914F6CDD1Dull;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::vector<FlowRecord> out(n);
  for (size_t i = 0; i < n; ++i) {
    FlowRecord& r = out[i];
    const uint64_t shape = next();
    r.start_ns = shape % 7 == 0 ? static_cast<int64_t>(next()) : int64_t{1'793'577'600'000'000'000} + static_cast<int64_t>(next() % 1'000'000'000'000);
    r.end_ns = shape % 11 == 0 ? static_cast<int64_t>(next()) : r.start_ns + static_cast<int64_t>(next() % 60'000'000'000);
    r.packets = shape % 13 == 0 ? UINT64_MAX : next() % 100'000;
    r.bytes = shape % 17 == 0 ? next() : r.packets * (40 + next() % 1460);
    r.flows = 1 + next() % 3;
    uint8_t a[16];
    for (auto& b : a) b = static_cast<uint8_t>(next());
    const uint64_t fam = next() % 3;
    r.src = fam == 0 ? IpAddress{} : fam == 1 ? IpAddress::v4(a) : IpAddress::v6(a);
    r.dst = next() % 2 ? IpAddress::v4(a + 4) : IpAddress::v6(a);
    r.src_port = static_cast<uint16_t>(next());
    r.dst_port = static_cast<uint16_t>(next());
    r.ip_proto = static_cast<uint8_t>(next());
    r.direction = static_cast<Direction>(next() % 5);
    r.tos = static_cast<uint8_t>(next());
    r.tcp_flags = static_cast<uint8_t>(next());
    if (shape % 3 == 0) {  // the extension: exporter fields
      r.src_mask = static_cast<uint8_t>(next() % 129);
      r.dst_mask = static_cast<uint8_t>(next() % 129);
      r.source = static_cast<SourceKind>(next() % 6);
      r.vlan = static_cast<uint16_t>(next());
      for (auto& b : r.mac_src) b = static_cast<uint8_t>(next());
      for (auto& b : r.mac_dst) b = static_cast<uint8_t>(next());
      r.input_if = static_cast<uint32_t>(next());
      r.output_if = UINT32_MAX;
      r.sampling_rate = static_cast<uint32_t>(next() % 4096);
      r.exporter = next() % 2 ? IpAddress::v4(a + 8) : IpAddress::v6(a);
    }
  }
  out.push_back(FlowRecord{});  // every field zero
  FlowRecord extremes;
  extremes.start_ns = INT64_MIN;
  extremes.end_ns = INT64_MAX;
  extremes.packets = UINT64_MAX;
  extremes.bytes = UINT64_MAX;
  extremes.flows = UINT64_MAX;
  out.push_back(extremes);
  extremes.start_ns = INT64_MAX;
  extremes.end_ns = INT64_MIN;
  out.push_back(extremes);
  return out;
}

std::vector<uint8_t> encoded(const std::vector<FlowRecord>& flows) {
  std::vector<uint8_t> out;
  encode_flow_block(flows, out);
  return out;
}

TEST(FlowBlock, RoundTripsEveryFieldAndExtremeValue) {
  const auto in = varied_records(3000);
  const auto data = encoded(in);
  std::vector<FlowRecord> out;
  const Status s = decode_flow_block(data, out);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(in[i], out[i]) << "flow " << i;
  }
}

TEST(FlowBlock, EmptyBlockRoundTrips) {
  std::vector<FlowRecord> out{FlowRecord{}};
  ASSERT_TRUE(decode_flow_block(encoded({}), out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(FlowBlock, AnIPv4FlowOfALocalCaptureTakesAboutThirtyBytes) {
  FlowRecord r;
  r.start_ns = int64_t{1'793'577'600'000'000'000};
  r.end_ns = r.start_ns + 1'500'000'000;
  r.packets = 12;
  r.bytes = 9000;
  r.flows = 1;
  const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {192, 0, 2, 7};
  r.src = IpAddress::v4(a);
  r.dst = IpAddress::v4(b);
  r.src_port = 51000;
  r.dst_port = 443;
  r.ip_proto = 6;
  std::vector<FlowRecord> flows(1000, r);
  for (size_t i = 0; i < flows.size(); ++i) flows[i].start_ns += static_cast<int64_t>(i) * 1000;
  const auto data = encoded(flows);
  EXPECT_LE(data.size(), flows.size() * 30);
}

// Every prefix of a valid block is refused with an offset inside it, and keeps the
// flows decoded before the cut.
TEST(FlowBlock, EveryTruncationIsAnErrorWithItsOffset) {
  const auto in = varied_records(40);
  const auto data = encoded(in);
  std::vector<FlowRecord> out;
  for (size_t n = 0; n < data.size(); ++n) {
    const Status s = decode_flow_block({data.data(), n}, out);
    ASSERT_FALSE(s.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_GE(s.error().offset, 0);
    EXPECT_LE(s.error().offset, static_cast<int64_t>(n));
    EXPECT_NE(s.error().message.find("flow block:"), std::string::npos);
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(in[i], out[i]);
  }
}

TEST(FlowBlock, RefusesWhatTheEncoderCannotProduce) {
  FlowRecord r;
  r.start_ns = 5;
  r.end_ns = 5;
  r.flows = 1;
  const auto good = encoded({r});
  // version 1, count 1, shape 0, start 10 (zigzag 5), end 0, packets 0, bytes 0, flows 1,
  // ports 0 0 0 0, proto, direction, tos, flags.
  ASSERT_EQ(good, (std::vector<uint8_t>{1, 1, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  struct Case {
    const char* what;
    std::vector<uint8_t> data;
    int64_t offset;
  };
  auto with = [&](size_t at, uint8_t v) {
    auto d = good;
    d[at] = v;
    return d;
  };
  auto plus = [&](std::vector<uint8_t> extra) {
    auto d = good;
    d.insert(d.end(), extra.begin(), extra.end());
    return d;
  };
  const std::vector<Case> cases = {
      {"unknown version", with(0, 2), 0},
      {"count exceeds the data", with(1, 2), 1},
      {"bad shape byte", with(2, 0x20), 2},
      {"bad shape byte", with(2, 0x03), 2},
      {"bad direction", with(13, 5), 13},
      {"trailing bytes", plus({0}), 16},
      {"varint overflows 64 bits",
       {1, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 0, 0, 0, 0, 0},
       12},
      {"varint overflows 64 bits",
       {1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0},
       12},
      {"flow count too large", {1, 0xff, 0xff, 0xff, 0x7f}, 1},
  };
  for (const Case& c : cases) {
    std::vector<FlowRecord> out;
    const Status s = decode_flow_block(c.data, out);
    ASSERT_FALSE(s.ok()) << c.what;
    EXPECT_NE(s.error().message.find(c.what), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().offset, c.offset) << c.what;
  }
  // The extension's enums and exporter family are checked too.
  FlowRecord e = r;
  e.source = SourceKind::kSflow;
  auto ext = encoded({e});
  const size_t source_at = good.size() + 2;  // after src_mask, dst_mask
  ASSERT_EQ(ext[source_at], static_cast<uint8_t>(SourceKind::kSflow));
  ext[source_at] = 9;
  std::vector<FlowRecord> out;
  Status s = decode_flow_block(ext, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("bad source kind"), std::string::npos);
  ext = encoded({e});
  ext.back() = 5;  // exporter family
  s = decode_flow_block(ext, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("bad exporter family"), std::string::npos);
}

}  // namespace
}  // namespace flowlens::store::sqlite
