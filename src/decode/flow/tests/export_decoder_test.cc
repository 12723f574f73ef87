// Unit tests on datagrams built here: sampling, templates (refresh, withdrawal, options,
// variable length, enterprise and reverse elements), timestamps, held sets, and bad input
// (every truncation of good datagrams, bad lengths, template loops). The real captures
// are in export_decoder_golden_test.cc.

#include "decode/flow/export_decoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <vector>

#include "decode/flow/tests/fuzz_input.h"

namespace flowlens::decode::flow {
namespace {

constexpr int64_t kNs = 1'000'000'000;
constexpr uint32_t kExportSec = 1'700'000'000;  // 2023-11-14
constexpr int64_t kReceive = int64_t{kExportSec} * kNs + 500'000'000;

struct Bytes {
  std::vector<uint8_t> v;
  Bytes& u8(uint32_t x) { v.push_back(static_cast<uint8_t>(x)); return *this; }
  Bytes& u16(uint32_t x) { u8(x >> 8); return u8(x); }
  Bytes& u32(uint32_t x) { u16(x >> 16); return u16(x); }
  Bytes& u64(uint64_t x) { u32(static_cast<uint32_t>(x >> 32)); return u32(static_cast<uint32_t>(x)); }
  Bytes& ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return u8(a).u8(b).u8(c).u8(d); }
  Bytes& raw(const std::vector<uint8_t>& x) { v.insert(v.end(), x.begin(), x.end()); return *this; }
  Bytes& set_length16(size_t at) {
    const size_t n = v.size() - at;
    v[at + 2] = static_cast<uint8_t>(n >> 8);
    v[at + 3] = static_cast<uint8_t>(n);
    return *this;
  }
};

const IpAddress kExporter = *IpAddress::parse("192.0.2.1");

std::vector<uint8_t> v5_datagram(uint16_t count, uint16_t sampling, uint32_t unix_secs = kExportSec) {
  Bytes b;
  b.u16(5).u16(count).u32(3'600'000).u32(unix_secs).u32(0).u32(1).u8(0).u8(0).u16(sampling);
  for (uint16_t i = 0; i < count; ++i) {
    b.ip4(10, 0, 0, i).ip4(10, 1, 0, 1).ip4(0, 0, 0, 0).u16(1).u16(2).u32(10).u32(1000);
    b.u32(3'590'000).u32(3'599'000).u16(1234).u16(80).u8(0).u8(0x12).u8(6).u8(0);
    b.u16(0).u16(0).u8(24).u8(16).u16(0);
  }
  return b.v;
}

std::vector<FlowRecord> decode(ExportDecoder& d, const std::vector<uint8_t>& bytes,
                               int64_t receive = kReceive) {
  std::vector<FlowRecord> out;
  d.decode(kExporter, 2055, bytes, receive, out);
  return out;
}

TEST(ExportDecoder, DecodesNetflowV5AndScalesBySamplingInterval) {
  ExportDecoder d;
  const auto out = decode(d, v5_datagram(3, 0x4000 | 100));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].src.to_string(), "10.0.0.0");
  EXPECT_EQ(out[2].src.to_string(), "10.0.0.2");
  EXPECT_EQ(out[0].packets, 1000u);
  EXPECT_EQ(out[0].bytes, 100'000u);
  EXPECT_EQ(out[0].sampling_rate, 100u);
  EXPECT_EQ(out[0].start_ns, int64_t{kExportSec} * kNs - 10 * kNs);
  EXPECT_EQ(out[0].end_ns, int64_t{kExportSec} * kNs - 1 * kNs);
  EXPECT_EQ(out[0].src_port, 1234);
  EXPECT_EQ(out[0].ip_proto, 6);
  EXPECT_EQ(out[0].tcp_flags, 0x12);
  EXPECT_EQ(out[0].source, SourceKind::kNetflowV5);
  EXPECT_EQ(d.exporter(kExporter)->sampling_rate_announced, 100u);
  EXPECT_EQ(d.exporter(kExporter)->records, 3u);
}

TEST(ExportDecoder, SamplingRulesOverrideOrDefaultTheAnnouncedRate) {
  ExportDecoderConfig config;
  config.sampling_rules.push_back({*IpNetwork::parse("192.0.2.0/24"), 10, false});
  config.sampling_rules.push_back({*IpNetwork::parse("192.0.2.1/32"), 7, true});
  ExportDecoder d(config);
  EXPECT_EQ(decode(d, v5_datagram(1, 0x4000 | 100))[0].sampling_rate, 7u);  // /32 wins
  ExportDecoderConfig defaults;
  defaults.sampling_rules.push_back({*IpNetwork::parse("192.0.2.0/24"), 10, false});
  ExportDecoder d2(defaults);
  EXPECT_EQ(decode(d2, v5_datagram(1, 0))[0].sampling_rate, 10u);
  EXPECT_EQ(decode(d2, v5_datagram(1, 0))[0].packets, 100u);
  EXPECT_EQ(decode(d2, v5_datagram(1, 0x4000 | 100))[0].sampling_rate, 100u);
}

TEST(ExportDecoder, ChoosesTheProtocolByVersionNotByPort) {
  ExportDecoder d;
  std::vector<FlowRecord> out;
  d.decode(kExporter, 6343, v5_datagram(2, 0), kReceive, out);
  EXPECT_EQ(out.size(), 2u);
  d.decode(kExporter, 2055, std::vector<uint8_t>{0, 7, 0, 0, 0, 0}, kReceive, out);
  EXPECT_EQ(d.exporter(kExporter)->error_count(FlowDecodeError::kUnknownVersion), 1u);
}

// IPFIX message with one set: `set_id` and body.
Bytes ipfix_header(uint32_t domain = 1, uint32_t export_sec = kExportSec) {
  Bytes b;
  b.u16(10).u16(0).u32(export_sec).u32(1).u32(domain);
  return b;
}
std::vector<uint8_t> finish_ipfix(Bytes b) {
  b.v[2] = static_cast<uint8_t>(b.v.size() >> 8);
  b.v[3] = static_cast<uint8_t>(b.v.size());
  return b.v;
}

// Template 256: src4, dst4, sport, dport, proto, octets(8), packets(4), start ms, end ms,
// one enterprise element (PEN 9, 4 bytes), one variable-length element (IE 82 interfaceName)
// and the reverse octet/packet counts (PEN 29305).
std::vector<uint8_t> ipfix_template(uint16_t id = 256) {
  Bytes b = ipfix_header();
  const size_t set = b.v.size();
  b.u16(2).u16(0).u16(id).u16(12);
  b.u16(8).u16(4).u16(12).u16(4).u16(7).u16(2).u16(11).u16(2).u16(4).u16(1);
  b.u16(1).u16(8).u16(2).u16(4).u16(152).u16(8).u16(153).u16(8);
  b.u16(0x8000 | 1000).u16(4).u32(9);
  b.u16(82).u16(65535);
  b.u16(0x8000 | 1).u16(8).u32(29305);
  b.set_length16(set);
  return finish_ipfix(b);
}

void ipfix_record(Bytes& b, uint8_t last_octet, uint64_t rev_octets, size_t name_len) {
  const uint64_t start_ms = uint64_t{kExportSec} * 1000 - 5000;
  b.ip4(10, 0, 0, last_octet).ip4(10, 9, 9, 9).u16(5555).u16(443).u8(6);
  b.u64(1500).u32(3).u64(start_ms).u64(start_ms + 4000);
  b.u32(0xdeadbeef);
  if (name_len < 255) {
    b.u8(static_cast<uint32_t>(name_len));
  } else {
    b.u8(255).u16(static_cast<uint32_t>(name_len));
  }
  for (size_t i = 0; i < name_len; ++i) {
    b.u8('x');
  }
  b.u64(rev_octets);
}

std::vector<uint8_t> ipfix_data(uint16_t id = 256, uint64_t rev_octets = 0) {
  Bytes b = ipfix_header();
  const size_t set = b.v.size();
  b.u16(id).u16(0);
  ipfix_record(b, 1, rev_octets, 3);
  ipfix_record(b, 2, rev_octets, 300);
  b.u8(0).u8(0);  // padding
  b.set_length16(set);
  return finish_ipfix(b);
}

TEST(ExportDecoder, DecodesIpfixWithVariableLengthAndEnterpriseFields) {
  ExportDecoder d;
  EXPECT_TRUE(decode(d, ipfix_template()).empty());
  const auto out = decode(d, ipfix_data());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].src.to_string(), "10.0.0.2");
  EXPECT_EQ(out[1].dst_port, 443);
  EXPECT_EQ(out[1].bytes, 1500u);
  EXPECT_EQ(out[1].packets, 3u);
  EXPECT_EQ(out[1].start_ns, int64_t{kExportSec} * kNs - 5 * kNs);
  EXPECT_EQ(out[1].end_ns, int64_t{kExportSec} * kNs - 1 * kNs);
  EXPECT_EQ(out[1].source, SourceKind::kIpfix);
  EXPECT_EQ(d.exporter(kExporter)->total_errors(), 0u);
  EXPECT_EQ(d.exporter(kExporter)->templates_seen, 1u);
}

TEST(ExportDecoder, ReverseElementsGiveASecondRecordTheOtherWay) {
  ExportDecoder d;
  decode(d, ipfix_template());
  const auto out = decode(d, ipfix_data(256, 900));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1].src.to_string(), "10.9.9.9");
  EXPECT_EQ(out[1].dst.to_string(), "10.0.0.1");
  EXPECT_EQ(out[1].src_port, 443);
  EXPECT_EQ(out[1].bytes, 900u);
}

TEST(ExportDecoder, HoldsDataUntilItsTemplateArrives) {
  ExportDecoder d;
  EXPECT_TRUE(decode(d, ipfix_data()).empty());
  EXPECT_EQ(d.held_count(), 1u);
  EXPECT_EQ(decode(d, ipfix_template()).size(), 2u);
  EXPECT_EQ(d.held_count(), 0u);
  EXPECT_EQ(d.exporter(kExporter)->sets_decoded_from_hold, 1u);
}

TEST(ExportDecoder, HeldDataExpiresAndIsCounted) {
  ExportDecoderConfig config;
  config.max_hold_ns = 10 * kNs;
  ExportDecoder d(config);
  decode(d, ipfix_data());
  EXPECT_TRUE(decode(d, ipfix_template(), kReceive + 11 * kNs).empty());
  EXPECT_EQ(d.exporter(kExporter)->error_count(FlowDecodeError::kHeldExpired), 1u);
  EXPECT_EQ(d.exporter(kExporter)->sets_dropped_no_template, 1u);
}

TEST(ExportDecoder, TemplatesAreKeptPerObservationDomainAndWithdrawn) {
  ExportDecoder d;
  decode(d, ipfix_template());
  EXPECT_EQ(d.template_count(), 1u);
  Bytes other = ipfix_header(2);  // same template id, other domain: not known there
  const size_t set = other.v.size();
  other.u16(256).u16(0);
  ipfix_record(other, 1, 0, 1);
  other.set_length16(set);
  EXPECT_TRUE(decode(d, finish_ipfix(other)).empty());
  EXPECT_EQ(d.held_count(), 1u);

  Bytes w = ipfix_header();
  const size_t wset = w.v.size();
  w.u16(2).u16(0).u16(256).u16(0);  // withdrawal
  w.set_length16(wset);
  decode(d, finish_ipfix(w));
  EXPECT_EQ(d.template_count(), 0u);
  EXPECT_EQ(d.exporter(kExporter)->templates_withdrawn, 1u);
  EXPECT_TRUE(decode(d, ipfix_data()).empty());
}

TEST(ExportDecoder, RejectsTemplatesWhoseRecordsHaveNoBytes) {
  ExportDecoder d;
  Bytes b = ipfix_header();
  const size_t set = b.v.size();
  b.u16(2).u16(0).u16(300).u16(2).u16(8).u16(0).u16(12).u16(0);  // two zero-length fields
  b.set_length16(set);
  decode(d, finish_ipfix(b));
  EXPECT_EQ(d.template_count(), 0u);
  EXPECT_EQ(d.exporter(kExporter)->error_count(FlowDecodeError::kTemplateRecordLength), 1u);
}

TEST(ExportDecoder, CountsBadSetLengths) {
  ExportDecoder d;
  Bytes b = ipfix_header();
  b.u16(256).u16(2);  // shorter than a set header
  decode(d, finish_ipfix(b));
  Bytes c = ipfix_header();
  c.u16(256).u16(400).u32(0);  // past the end
  decode(d, finish_ipfix(c));
  EXPECT_EQ(d.exporter(kExporter)->error_count(FlowDecodeError::kSetLength), 2u);
}

// NetFlow v9: options template 257 (scope: system; option: SAMPLING_INTERVAL 34 and
// algorithm 35), then template 256 with FIRST/LAST_SWITCHED.
std::vector<uint8_t> v9_datagram(uint32_t unix_secs = kExportSec) {
  Bytes b;
  b.u16(9).u16(4).u32(100'000).u32(unix_secs).u32(1).u32(7);
  size_t set = b.v.size();
  b.u16(1).u16(0).u16(257).u16(4).u16(8).u16(1).u16(4).u16(34).u16(4).u16(35).u16(1);
  b.u16(0);  // padding to 4 bytes
  b.set_length16(set);
  set = b.v.size();
  b.u16(0).u16(0).u16(256).u16(7).u16(8).u16(4).u16(12).u16(4).u16(1).u16(4).u16(2).u16(4);
  b.u16(22).u16(4).u16(21).u16(4).u16(4).u16(1);
  b.set_length16(set);
  set = b.v.size();
  b.u16(257).u16(0).u32(0).u32(64).u8(2).u8(0).u8(0).u8(0);
  b.set_length16(set);
  set = b.v.size();
  b.u16(256).u16(0).ip4(10, 0, 0, 1).ip4(10, 0, 0, 2).u32(500).u32(5).u32(90'000).u32(99'000).u8(17);
  b.u8(0).u8(0).u8(0);
  b.set_length16(set);
  return b.v;
}

TEST(ExportDecoder, V9OptionsSamplingScalesDataAndUptimeGivesTimes) {
  ExportDecoder d;
  const auto out = decode(d, v9_datagram());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sampling_rate, 64u);
  EXPECT_EQ(out[0].packets, 5u * 64);
  EXPECT_EQ(out[0].bytes, 500u * 64);
  EXPECT_EQ(out[0].start_ns, int64_t{kExportSec} * kNs - 10 * kNs);
  EXPECT_EQ(out[0].end_ns, int64_t{kExportSec} * kNs - 1 * kNs);
  EXPECT_EQ(out[0].source, SourceKind::kNetflowV9);
  EXPECT_EQ(d.exporter(kExporter)->sampling_rate_announced, 64u);
  EXPECT_EQ(d.exporter(kExporter)->options_records, 1u);
  EXPECT_EQ(d.exporter(kExporter)->total_errors(), 0u);
}

TEST(ExportDecoder, ExporterClockIn1970IsRebasedOnTheReceiveTime) {
  ExportDecoder d;
  const auto out = decode(d, v9_datagram(12));  // unix_secs = 12
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].end_ns, kReceive - 1 * kNs);
  EXPECT_EQ(out[0].start_ns, kReceive - 10 * kNs);
  const auto v5 = decode(d, v5_datagram(1, 0, 0));
  EXPECT_EQ(v5[0].end_ns, kReceive - 1 * kNs);
  EXPECT_EQ(d.exporter(kExporter)->clock_skew_ns, kReceive);
  // Without a receive time the 1970 times are still flagged.
  ExportDecoder raw;
  std::vector<FlowRecord> out2;
  raw.decode(kExporter, 1, v5_datagram(1, 0, 0), 0, out2);
  EXPECT_GT(raw.exporter(kExporter)->error_count(FlowDecodeError::kTimestamp), 0u);
}

std::vector<uint8_t> sflow_datagram() {
  Bytes frame;  // Ethernet / IPv4 / UDP, 60 bytes captured of a 1000-byte IP packet
  frame.u32(0x00010203).u16(0x0405).u32(0x0a0b0c0d).u16(0x0e0f).u16(0x0800);
  frame.u8(0x45).u8(0).u16(1000).u16(1).u16(0).u8(64).u8(17).u16(0);
  frame.ip4(172, 16, 0, 1).ip4(172, 16, 0, 2).u16(53).u16(5353).u16(980).u16(0);
  while (frame.v.size() < 60) {
    frame.u8(0);
  }
  Bytes b;
  b.u32(5).u32(1).ip4(192, 0, 2, 50).u32(0).u32(1).u32(1000).u32(2);
  b.u32(1).u32(0);  // flow sample
  const size_t sample = b.v.size();
  b.u32(1).u32(3).u32(512).u32(0).u32(0).u32(3).u32(4).u32(1);
  b.u32(1).u32(16 + 60).u32(1).u32(1014 + 4).u32(4).u32(60).raw(frame.v);
  const size_t n = b.v.size() - sample;
  b.v[sample - 1] = static_cast<uint8_t>(n);
  b.v[sample - 2] = static_cast<uint8_t>(n >> 8);
  b.u32(2).u32(0);  // counter sample with a generic interface record
  const size_t csample = b.v.size();
  b.u32(1).u32(3).u32(1).u32(1).u32(88);
  b.u32(3).u32(6).u64(1'000'000'000).u32(1).u32(1).u64(123456).u32(0).u32(0).u32(0).u32(0);
  b.u32(7).u32(0).u64(654321).u32(0).u32(0).u32(0).u32(0).u32(2).u32(0);
  const size_t cn = b.v.size() - csample;
  b.v[csample - 1] = static_cast<uint8_t>(cn);
  return b.v;
}

TEST(ExportDecoder, DecodesSflowFlowAndCounterSamples) {
  ExportDecoder d;
  const auto out = decode(d, sflow_datagram());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].src.to_string(), "172.16.0.1");
  EXPECT_EQ(out[0].dst_port, 5353);
  EXPECT_EQ(out[0].packets, 512u);
  EXPECT_EQ(out[0].bytes, 1000u * 512);
  EXPECT_EQ(out[0].sampling_rate, 512u);
  EXPECT_EQ(out[0].input_if, 3u);
  EXPECT_EQ(out[0].exporter.to_string(), "192.0.2.50");
  EXPECT_EQ(out[0].source, SourceKind::kSflow);
  const ExporterHealth* h = d.exporter(kExporter);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->total_errors(), 0u);
  ASSERT_EQ(h->interfaces.count(3), 1u);
  EXPECT_EQ(h->interfaces.at(3).in_octets, 123456u);
  EXPECT_EQ(h->interfaces.at(3).in_errors, 7u);
  EXPECT_EQ(h->interfaces.at(3).out_octets, 654321u);
  EXPECT_EQ(h->interfaces.at(3).out_errors, 2u);
}

TEST(ExportDecoder, EveryTruncationOfGoodDatagramsIsSafe) {
  const std::vector<std::vector<uint8_t>> good = {v5_datagram(3, 0), ipfix_template(),
                                                  ipfix_data(), v9_datagram(),
                                                  sflow_datagram()};
  ExportDecoder d;  // one decoder: truncated templates must not poison later data
  decode(d, ipfix_template());
  for (const auto& g : good) {
    for (size_t n = 0; n < g.size(); ++n) {
      std::vector<uint8_t> cut(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(n));
      decode(d, cut);
    }
  }
  EXPECT_GT(d.exporter(kExporter)->total_errors(), 0u);
  // The decoder still works afterwards.
  ExportDecoder fresh;
  decode(fresh, ipfix_template());
  EXPECT_EQ(decode(fresh, ipfix_data()).size(), 2u);
}

TEST(ExportDecoder, ReplaysTheFuzzRegressionInputsSafely) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(FLOWLENS_SOURCE_DIR) / "fuzz" / "regressions";
  const std::pair<const char*, fuzz::Family> targets[] = {
      {"flow_netflow_v5_fuzzer", fuzz::Family::kNetflowV5},
      {"flow_netflow_v9_ipfix_fuzzer", fuzz::Family::kNetflowV9Ipfix},
      {"flow_sflow_fuzzer", fuzz::Family::kSflow},
  };
  size_t files = 0;
  for (const auto& [name, family] : targets) {
    if (!fs::exists(root / name)) {
      continue;
    }
    for (const auto& e : fs::directory_iterator(root / name)) {
      std::ifstream in(e.path(), std::ios::binary);
      const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
      fuzz::run_fuzz_input(family, bytes.data(), bytes.size());
      ++files;
    }
  }
  if (files == 0) {
    GTEST_SKIP() << "no regression inputs under " << root;
  }
}

}  // namespace
}  // namespace flowlens::decode::flow
