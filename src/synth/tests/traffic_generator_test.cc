#include "synth/traffic_generator.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "synth/tests/pcap_test_reader.h"

namespace flowlens::synth {
namespace {

using testing::five_tuple_of;
using testing::FiveTuple;
using testing::layers_of;
using testing::ones_sum;
using testing::parse_pcap;
using testing::ParsedPcap;

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/" + name; }

// Writes `config` to a file named after the running test and returns the file's path.
std::string generate(const GeneratorConfig& config, const std::string& suffix = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = temp_path(std::string("synth_") + info->name() + suffix + ".pcap");
  auto generator = TrafficGenerator::create(config);
  EXPECT_TRUE(generator.ok()) << generator.error().message;
  auto writer = PcapFileWriter::open(path, config.precision);
  EXPECT_TRUE(writer.ok()) << writer.error().message;
  EXPECT_TRUE(generator->write(*writer).ok());
  EXPECT_TRUE(writer->close().ok());
  return path;
}

ParsedPcap generate_and_parse(const GeneratorConfig& config) {
  ParsedPcap pcap = parse_pcap(testing::read_file(generate(config)));
  EXPECT_TRUE(pcap.valid) << pcap.problem;
  return pcap;
}

GeneratorConfig small_config(TrafficProfile profile, uint64_t packets, uint32_t flows) {
  GeneratorConfig config;
  config.profile = profile;
  config.packets = packets;
  config.flows = flows;
  config.seed = 42;
  return config;
}

TEST(TrafficGenerator, WritesAClassicLittleEndianEthernetPcapWithTheRequestedPacketCount) {
  const ParsedPcap pcap = generate_and_parse(small_config(TrafficProfile::k64b, 5000, 300));
  EXPECT_EQ(pcap.magic, 0xA1B2C3D4u);
  EXPECT_EQ(pcap.linktype, 1u);
  EXPECT_EQ(pcap.snaplen, 65535u);
  EXPECT_EQ(pcap.records.size(), 5000u);
}

TEST(TrafficGenerator, FileIsReadByLibpcapWithEveryPacketAndBothPrecisions) {
  for (const auto precision : {TimestampPrecision::kMicro, TimestampPrecision::kNano}) {
    GeneratorConfig config = small_config(TrafficProfile::kImix, 3001, 97);
    config.precision = precision;
    const std::string path =
        generate(config, precision == TimestampPrecision::kNano ? "_ns" : "_us");
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    const bool nano = precision == TimestampPrecision::kNano;
    pcap_t* handle = pcap_open_offline_with_tstamp_precision(
        path.c_str(), nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    ASSERT_NE(handle, nullptr) << errbuf;
    EXPECT_EQ(pcap_datalink(handle), DLT_EN10MB);
    EXPECT_EQ(pcap_get_tstamp_precision(handle),
              nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    uint64_t count = 0;
    int rc = 0;
    while ((rc = pcap_next_ex(handle, &header, &data)) == 1) {
      EXPECT_EQ(header->caplen, header->len);
      ++count;
    }
    EXPECT_EQ(rc, PCAP_ERROR_BREAK) << pcap_geterr(handle);
    EXPECT_EQ(count, 3001u);
    pcap_close(handle);
  }
}

TEST(TrafficGenerator, HoldsExactlyTheRequestedNumberOfDistinctFiveTuples) {
  for (const auto profile : {TrafficProfile::k64b, TrafficProfile::kImix}) {
    const ParsedPcap pcap = generate_and_parse(small_config(profile, 3 * 1000 + 17, 1000));
    std::set<FiveTuple> tuples;
    for (const auto& r : pcap.records) {
      tuples.insert(five_tuple_of(r.frame));
    }
    EXPECT_EQ(tuples.size(), 1000u) << to_string(profile);
  }
}

TEST(TrafficGenerator, VisitsEveryFlowOncePerCycleInAShuffledOrder) {
  const ParsedPcap pcap = generate_and_parse(small_config(TrafficProfile::k64b, 200, 100));
  std::vector<FiveTuple> first;
  for (size_t i = 0; i < 100; ++i) {
    first.push_back(five_tuple_of(pcap.records[i].frame));
    EXPECT_EQ(five_tuple_of(pcap.records[i + 100].frame).key(), first.back().key());
  }
  EXPECT_EQ(std::set<FiveTuple>(first.begin(), first.end()).size(), 100u);
  // Shuffled: the first cycle is not in address order.
  EXPECT_FALSE(std::is_sorted(first.begin(), first.end()));
}

TEST(TrafficGenerator, Profile64bWritesOnly64ByteIpv4TcpOrUdpFrames) {
  const ParsedPcap pcap = generate_and_parse(small_config(TrafficProfile::k64b, 4000, 500));
  std::map<uint8_t, int> protocols;
  for (const auto& r : pcap.records) {
    ASSERT_EQ(r.frame.size(), 64u);
    EXPECT_EQ(r.wire_length, 64u);
    const auto l = layers_of(r.frame);
    EXPECT_EQ(l.version, 4);
    protocols[l.protocol]++;
  }
  EXPECT_EQ(protocols.size(), 2u);
  EXPECT_GT(protocols[6], 1000);
  EXPECT_GT(protocols[17], 1000);
}

TEST(TrafficGenerator, ProfileImixWritesSmallMediumAndLargeFramesInTheRatio7To4To1) {
  const ParsedPcap pcap = generate_and_parse(small_config(TrafficProfile::kImix, 12 * 1000, 777));
  std::map<size_t, int> sizes;
  for (const auto& r : pcap.records) {
    sizes[r.frame.size()]++;
  }
  // 64-byte slots of IPv6 TCP flows are 74 bytes (their headers alone).
  EXPECT_EQ(sizes[64] + sizes[74], 7000);
  EXPECT_GT(sizes[74], 0);
  EXPECT_EQ(sizes[594], 4000);
  EXPECT_EQ(sizes[1518], 1000);
  EXPECT_EQ(sizes.size(), 4u);
}

TEST(TrafficGenerator, ProfileImixMixesTcpUdpIcmpAndIpv6) {
  const ParsedPcap pcap = generate_and_parse(small_config(TrafficProfile::kImix, 20000, 20000));
  std::map<std::pair<int, int>, int> seen;  // (version, protocol) -> packets
  for (const auto& r : pcap.records) {
    const auto l = layers_of(r.frame);
    seen[{l.version, l.protocol}]++;
  }
  for (const auto& key : std::vector<std::pair<int, int>>{
           {4, 6}, {4, 17}, {4, 1}, {6, 6}, {6, 17}, {6, 58}}) {
    EXPECT_GT(seen[key], 0) << "IPv" << key.first << " protocol " << key.second;
  }
  const int v6 = seen[{6, 6}] + seen[{6, 17}] + seen[{6, 58}];
  EXPECT_NEAR(v6 / 20000.0, 0.15, 0.02);
  EXPECT_NEAR((seen[{4, 6}] + seen[{6, 6}]) / 20000.0, 0.60, 0.03);
}

TEST(TrafficGenerator, EveryIpAndTransportChecksumIsValid) {
  for (const auto profile : {TrafficProfile::k64b, TrafficProfile::kImix, TrafficProfile::kDemo}) {
    const ParsedPcap pcap = generate_and_parse(small_config(profile, 6000, 2000));
    ASSERT_EQ(pcap.records.size(), 6000u);
    for (size_t i = 0; i < pcap.records.size(); ++i) {
      const auto& f = pcap.records[i].frame;
      const auto l = layers_of(f);
      const size_t l4_size = f.size() - l.l4;
      uint32_t pseudo = 0;
      if (l.version == 4) {
        ASSERT_EQ(ones_sum(&f[l.ip], 20), 0xFFFFu) << "IPv4 header checksum, packet " << i;
        ASSERT_EQ(testing::be16(&f[l.ip + 2]), f.size() - 14) << "IPv4 total length";
        pseudo = ones_sum(&f[l.ip + 12], 8);
      } else {
        ASSERT_EQ(testing::be16(&f[l.ip + 4]), l4_size) << "IPv6 payload length";
        pseudo = ones_sum(&f[l.ip + 8], 32);
      }
      if (l.protocol != 1) {  // ICMPv4 has no pseudo-header
        pseudo += l.protocol + static_cast<uint32_t>(l4_size);
      } else {
        pseudo = 0;
      }
      ASSERT_EQ(ones_sum(&f[l.l4], l4_size, pseudo), 0xFFFFu)
          << "L4 checksum, protocol " << int{l.protocol} << ", packet " << i;
      if (l.protocol == 17) {
        ASSERT_EQ(testing::be16(&f[l.l4 + 4]), l4_size) << "UDP length";
      }
    }
  }
}

TEST(TrafficGenerator, TimestampsAdvanceAtTheConfiguredRateFromTheStartTime) {
  GeneratorConfig config = small_config(TrafficProfile::k64b, 1001, 10);
  config.rate_pps = 3;  // 333 333 333.33 ns apart: exercises the rounding
  config.start_ns = 1'700'000'000'000'000'000;
  config.precision = TimestampPrecision::kNano;
  const ParsedPcap pcap = generate_and_parse(config);
  for (uint64_t i = 0; i < pcap.records.size(); ++i) {
    const uint64_t expected = 1'700'000'000'000'000'000 + i * 1'000'000'000 / 3;
    const auto& r = pcap.records[i];
    ASSERT_EQ(r.ts_sec, expected / 1'000'000'000) << "packet " << i;
    ASSERT_EQ(r.ts_frac, expected % 1'000'000'000) << "packet " << i;
  }
  config.precision = TimestampPrecision::kMicro;
  config.rate_pps = 1'000'000;
  const ParsedPcap micro = generate_and_parse(config);
  EXPECT_EQ(micro.magic, 0xA1B2C3D4u);
  EXPECT_EQ(micro.records[1000].ts_sec, 1'700'000'000u);
  EXPECT_EQ(micro.records[1000].ts_frac, 1000u);
}

TEST(TrafficGenerator, SameSeedGivesTheSameBytesAndAnotherSeedDoesNot) {
  const GeneratorConfig config = small_config(TrafficProfile::kImix, 5000, 1234);
  const auto a = testing::read_file(generate(config, "_a"));
  const auto b = testing::read_file(generate(config, "_b"));
  EXPECT_EQ(a, b);
  GeneratorConfig other = config;
  other.seed = 43;
  const auto c = testing::read_file(generate(other, "_c"));
  EXPECT_NE(a, c);
}

TEST(TrafficGenerator, AShorterFileIsAnExactPrefixOfALongerOneWithTheSameOptions) {
  // bench/compare.py relies on this to give tshark the first packets of a big file.
  GeneratorConfig config = small_config(TrafficProfile::kImix, 4000, 321);
  const auto full = testing::read_file(generate(config, "_full"));
  config.packets = 1500;
  const auto prefix = testing::read_file(generate(config, "_prefix"));
  ASSERT_LT(prefix.size(), full.size());
  EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), full.begin()));
}

TEST(TrafficGenerator, ProfileDemoTalksBothWaysBetweenFewLocalAndManyRemoteHosts) {
  const ParsedPcap pcap = generate_and_parse(small_config(TrafficProfile::kDemo, 2 * 500 + 7, 500));
  std::set<FiveTuple> directional;
  std::set<FiveTuple> conversations;
  // Addresses as strings of their bytes: GCC 12 at -O3 warns (-Wstringop-overread, a false
  // positive) inside std::set<std::vector<uint8_t>>'s compare.
  std::set<std::string> local_hosts;
  std::set<std::string> remote_hosts;
  auto bytes_of = [](const std::vector<uint8_t>& a) { return std::string(a.begin(), a.end()); };
  for (const auto& r : pcap.records) {
    const FiveTuple t = five_tuple_of(r.frame);
    directional.insert(t);
    FiveTuple canonical = t;
    if (std::tie(t.src, t.src_port) > std::tie(t.dst, t.dst_port)) {
      std::swap(canonical.src, canonical.dst);
      std::swap(canonical.src_port, canonical.dst_port);
    }
    conversations.insert(canonical);
    const bool src_local = t.src[0] == 10 && t.src[1] == 1 && t.src[2] == 0;
    const bool dst_local = t.dst[0] == 10 && t.dst[1] == 1 && t.dst[2] == 0;
    ASSERT_NE(src_local, dst_local) << "exactly one end is local";
    local_hosts.insert(bytes_of(src_local ? t.src : t.dst));
    remote_hosts.insert(bytes_of(src_local ? t.dst : t.src));
  }
  EXPECT_EQ(directional.size(), 1000u);
  EXPECT_EQ(conversations.size(), 500u);
  EXPECT_LE(local_hosts.size(), 32u);
  EXPECT_GT(remote_hosts.size(), 400u);
}

TEST(TrafficGenerator, RejectsSettingsOutsideTheirRangeWithAMessageNamingThem) {
  GeneratorConfig config;
  config.flows = 0;
  auto zero_flows = TrafficGenerator::create(config);
  ASSERT_FALSE(zero_flows.ok());
  EXPECT_NE(zero_flows.error().message.find("flows"), std::string::npos);
  config.flows = 10;
  config.rate_pps = 0;
  auto zero_rate = TrafficGenerator::create(config);
  ASSERT_FALSE(zero_rate.ok());
  EXPECT_NE(zero_rate.error().message.find("rate"), std::string::npos);
}

TEST(PcapFileWriter, ReportsAFileThatCannotBeCreated) {
  auto writer = PcapFileWriter::open("/nonexistent-dir/x.pcap", TimestampPrecision::kMicro);
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

}  // namespace
}  // namespace flowlens::synth
