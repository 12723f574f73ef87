#include "capture/pcap_file_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "capture/tests/capture_bytes_builder.h"
#include "capture/tests/read_all.h"

namespace flowlens::capture {
namespace {

using testing::Bytes;
using testing::open_bytes;
using testing::pcap_header;
using testing::pcap_record;
using testing::read_all;

Bytes three_records(bool big, uint32_t magic, uint16_t minor = 4) {
  Bytes b = pcap_header(big, magic, 2, minor, 1);
  pcap_record(b, 100, 1, 10, 60, 10, 0x01);
  pcap_record(b, 101, 2, 0, 0, 0);
  pcap_record(b, 102, 999999, 64, 64, 64, 0x03);
  return b;
}

TEST(PcapFileReader, ReadsLittleEndianMicrosecondRecords) {
  auto reader = open_bytes(three_records(false, PcapFileReader::kMagicMicro).data());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->info().format, "pcap-le-usec");
  ASSERT_EQ(reader->info().link_types.size(), 1u);
  EXPECT_EQ(reader->info().link_types[0].link_type, 1u);
  auto got = read_all(*reader, 2);
  ASSERT_FALSE(got.error.has_value()) << got.error->message;
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[0].caplen, 10u);
  EXPECT_EQ(got.records[0].wire_len, 60u);
  EXPECT_EQ(got.records[0].file_offset, 24u);
  EXPECT_EQ(got.records[0].ts.sec, 100);
  EXPECT_EQ(got.records[0].ts.nsec, 1000);
  EXPECT_EQ(got.payloads[0], std::vector<uint8_t>(10, 0x01));
  EXPECT_EQ(got.records[1].caplen, 0u);
  EXPECT_EQ(got.records[2].ts.nsec, 999999000);
  EXPECT_EQ(got.records[2].file_offset, 24u + 26 + 16);
  EXPECT_EQ(reader->position(), 24u + 26 + 16 + 80);
}

TEST(PcapFileReader, ReadsBigEndianNanosecondRecords) {
  auto reader = open_bytes(three_records(true, PcapFileReader::kMagicNano).data());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->info().format, "pcap-be-nsec");
  auto got = read_all(*reader);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[2].ts.sec, 102);
  EXPECT_EQ(got.records[2].ts.nsec, 999999);
  EXPECT_EQ(got.records[0].caplen, 10u);
  EXPECT_EQ(got.records[0].wire_len, 60u);
}

TEST(PcapFileReader, SwapsCaplenAndLenBackInVersionTwoZeroFiles) {
  Bytes b = pcap_header(false, PcapFileReader::kMagicNano, 2, 0, 0);
  pcap_record(b, 1, 0, /*caplen field holds len*/ 500, /*len field holds caplen*/ 8, 8);
  auto reader = open_bytes(b.data());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->info().format, "pcap-le-nsec-v2.0");
  auto got = read_all(*reader);
  ASSERT_FALSE(got.error.has_value());
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].caplen, 8u);
  EXPECT_EQ(got.records[0].wire_len, 500u);
}

TEST(PcapFileReader, VersionTwoThreeSwapsOnlyWhereCaplenExceedsLen) {
  Bytes b = pcap_header(false, PcapFileReader::kMagicMicro, 2, 3, 1);
  pcap_record(b, 1, 0, 8, 100, 8);   // plausible: kept
  pcap_record(b, 2, 0, 100, 8, 8);   // caplen > len: swapped
  auto got = read_all(*open_bytes(b.data()));
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].caplen, 8u);
  EXPECT_EQ(got.records[0].wire_len, 100u);
  EXPECT_EQ(got.records[1].caplen, 8u);
  EXPECT_EQ(got.records[1].wire_len, 100u);
}

TEST(PcapFileReader, RejectsMajorVersionsOtherThanTwo) {
  for (uint16_t major : {uint16_t{0}, uint16_t{1}, uint16_t{3}}) {
    auto r = CaptureReader::open_buffer(
        "v.pcap", pcap_header(false, PcapFileReader::kMagicMicro, major, 4, 1).data());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("v.pcap: byte offset 4: pcap major version " +
                                     std::to_string(major) + " unsupported"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().offset, 4);
  }
}

TEST(PcapFileReader, RejectsReservedLinkTypeBitsButKeepsFcsBits) {
  auto bad = CaptureReader::open_buffer(
      "r.pcap", pcap_header(false, PcapFileReader::kMagicMicro, 2, 4, 0x00300000).data());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("network type reserved field not zero (0x00300000)"),
            std::string::npos)
      << bad.error().message;

  auto fcs = open_bytes(pcap_header(false, PcapFileReader::kMagicMicro, 2, 4, 0x30000001).data());
  ASSERT_NE(fcs, nullptr);
  EXPECT_EQ(fcs->info().link_types[0].link_type, 1u);
  EXPECT_EQ(fcs->info().link_types[0].high_bits, 0x3000u);
}

TEST(PcapFileReader, StopsAtACaplenAboveTheMaximumAndKeepsEarlierRecords) {
  Bytes b = pcap_header(false, PcapFileReader::kMagicMicro, 2, 4, 1);
  pcap_record(b, 1, 0, 4, 4, 4);
  pcap_record(b, 2, 0, PcapFileReader::kMaxCaplen + 1, 70000, 0);
  auto got = read_all(*open_bytes(b.data()));
  ASSERT_EQ(got.records.size(), 1u);
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(got.error->offset, 24 + 20);
  EXPECT_NE(got.error->message.find("mem: byte offset 44: record caplen 262145"),
            std::string::npos)
      << got.error->message;
}

TEST(PcapFileReader, RejectsInputsThatAreNotCaptures) {
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  auto r = CaptureReader::open_buffer("t.txt", text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("t.txt: byte offset 0: not a pcap or pcapng file"),
            std::string::npos);
  EXPECT_FALSE(CaptureReader::open_buffer("empty", {}).ok());
  auto short_header = three_records(false, PcapFileReader::kMagicMicro).data();
  short_header.resize(20);
  auto s = CaptureReader::open_buffer("short", short_header);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("header cut short"), std::string::npos);
}

TEST(PcapFileReader, TruncationAtEveryOffsetNeverCrashesAndKeepsWholeRecords) {
  const auto full = three_records(false, PcapFileReader::kMagicMicro).data();
  const size_t ends[] = {24, 24 + 26, 24 + 26 + 16, full.size()};
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<ptrdiff_t>(cut));
    auto r = CaptureReader::open_buffer("cut", part);
    if (cut < 24) {
      EXPECT_FALSE(r.ok()) << cut;
      continue;
    }
    ASSERT_TRUE(r.ok()) << cut;
    auto got = read_all(**r, 1);
    size_t whole = 0;
    for (size_t i = 1; i < 4; ++i) {
      whole += ends[i] <= cut ? 1 : 0;
    }
    EXPECT_EQ(got.records.size(), whole) << "cut at " << cut;
    const bool clean = cut == ends[0] || cut == ends[1] || cut == ends[2] || cut == ends[3];
    EXPECT_EQ(got.error.has_value(), !clean) << "cut at " << cut;
    if (got.error) {
      EXPECT_EQ(static_cast<size_t>(got.error->offset), ends[whole]) << "cut at " << cut;
    }
  }
}

TEST(PcapFileReader, ReadsAPipeInSmallBlocksWithTheSameResult) {
  Bytes b = pcap_header(false, PcapFileReader::kMagicMicro, 2, 4, 1);
  for (uint32_t i = 0; i < 500; ++i) {
    pcap_record(b, i, i, 100 + i % 50, 200, 100 + i % 50, static_cast<uint8_t>(i));
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const auto bytes = b.data();
  std::thread writer([&] {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t w = ::write(fds[1], bytes.data() + off, std::min<size_t>(777, bytes.size() - off));
      if (w <= 0) {
        break;
      }
      off += static_cast<size_t>(w);
    }
    ::close(fds[1]);
  });
  auto reader = PcapFileReader::open("pipe", ByteSource::from_fd(fds[0], 4096));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto streamed = read_all(**reader, 32);
  writer.join();
  auto mapped = read_all(*open_bytes(bytes), 32);
  ASSERT_FALSE(streamed.error.has_value()) << streamed.error->message;
  ASSERT_EQ(streamed.records.size(), 500u);
  ASSERT_EQ(mapped.records.size(), 500u);
  for (size_t i = 0; i < 500; ++i) {
    EXPECT_EQ(streamed.payloads[i], mapped.payloads[i]) << i;
    EXPECT_EQ(streamed.records[i].file_offset, mapped.records[i].file_offset) << i;
  }
}

}  // namespace
}  // namespace flowlens::capture
