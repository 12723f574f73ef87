#include "capture/pcapng_file_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "capture/tests/capture_bytes_builder.h"
#include "capture/tests/read_all.h"

namespace flowlens::capture {
namespace {

using testing::Bytes;
using testing::open_bytes;
using testing::pcapng_block;
using testing::pcapng_epb;
using testing::pcapng_idb;
using testing::pcapng_option;
using testing::pcapng_shb;
using testing::pcapng_spb;
using testing::read_all;

constexpr uint16_t kIfTsresol = 9;

TEST(PcapngFileReader, ReadsEnhancedPacketsWithMicrosecondDefaultInBothByteOrders) {
  for (bool big : {false, true}) {
    Bytes b(big);
    pcapng_shb(b);
    pcapng_idb(b, 1, 0);
    pcapng_epb(b, 0, 1'500'000'123'456ull, 5, 60);
    pcapng_epb(b, 0, 7, 0, 0);
    auto reader = open_bytes(b.data());
    ASSERT_NE(reader, nullptr);
    auto got = read_all(*reader);
    ASSERT_FALSE(got.error.has_value()) << got.error->message;
    EXPECT_EQ(reader->info().format, big ? "pcapng-be" : "pcapng-le");
    ASSERT_EQ(got.records.size(), 2u);
    EXPECT_EQ(got.records[0].ts.sec, 1'500'000);
    EXPECT_EQ(got.records[0].ts.nsec, 123'456'000);
    EXPECT_EQ(got.records[0].caplen, 5u);
    EXPECT_EQ(got.records[0].wire_len, 60u);
    EXPECT_EQ(got.records[0].link_type, 1u);
    EXPECT_EQ(got.payloads[0], std::vector<uint8_t>(5, 0xCD));
    EXPECT_EQ(got.records[1].ts.nsec, 7000);
  }
}

TEST(PcapngFileReader, AppliesPowerOfTenAndPowerOfTwoResolutions) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 1, 0, pcapng_option(false, kIfTsresol, {9}));     // ns
  pcapng_idb(b, 0, 0, pcapng_option(false, kIfTsresol, {0x80 | 10}));  // 1/1024 s
  pcapng_idb(b, 1, 0, pcapng_option(false, kIfTsresol, {0}));     // whole seconds
  pcapng_epb(b, 0, 1'422'527'998'578'402'281ull, 4, 4);
  pcapng_epb(b, 1, 3 * 1024 + 512, 4, 4);
  pcapng_epb(b, 2, 42, 4, 4);
  auto reader = open_bytes(b.data());
  auto got = read_all(*reader);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[0].ts.sec, 1'422'527'998);
  EXPECT_EQ(got.records[0].ts.nsec, 578'402'281);
  EXPECT_EQ(got.records[1].ts.sec, 3);
  EXPECT_EQ(got.records[1].ts.nsec, 500'000'000);
  EXPECT_EQ(got.records[1].link_type, 0u);
  EXPECT_EQ(got.records[1].interface_id, 1u);
  EXPECT_EQ(got.records[2].ts.sec, 42);
  EXPECT_EQ(got.records[2].ts.nsec, 0);
  EXPECT_EQ(reader->info().interface_count, 3u);
  ASSERT_EQ(reader->info().link_types.size(), 2u);
}

TEST(PcapngFileReader, SplitsTimestampsNearTwoToTheSixtyFourWithUnsignedArithmetic) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 1, 0);
  pcapng_epb(b, 0, 0xFFFFFFFFFFFFFFFFull, 4, 4);
  auto got = read_all(*open_bytes(b.data()));
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].ts.sec, 18'446'744'073'709);
  EXPECT_EQ(got.records[0].ts.nsec, 551'615'000);
}

TEST(PcapngFileReader, SimplePacketBlocksHaveNoTimestampAndTheSnaplenOfInterfaceZero) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 1, 100);
  pcapng_spb(b, 60, 60);
  pcapng_spb(b, 150, 100);  // cut to snaplen 100
  pcapng_spb(b, 61, 61);    // padded to 64 in the block
  auto got = read_all(*open_bytes(b.data()));
  ASSERT_FALSE(got.error.has_value()) << got.error->message;
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_FALSE(got.records[0].has_timestamp);
  EXPECT_EQ(got.records[0].caplen, 60u);
  EXPECT_EQ(got.records[1].caplen, 100u);
  EXPECT_EQ(got.records[1].wire_len, 150u);
  EXPECT_EQ(got.records[2].caplen, 61u);
}

TEST(PcapngFileReader, ReadsObsoletePacketBlocks) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 113, 0);
  pcapng_epb(b, 0, 2'000'001, 9, 10, /*type=*/2);
  auto got = read_all(*open_bytes(b.data()));
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].ts.sec, 2);
  EXPECT_EQ(got.records[0].ts.nsec, 1000);
  EXPECT_EQ(got.records[0].caplen, 9u);
  EXPECT_EQ(got.records[0].link_type, 113u);
}

TEST(PcapngFileReader, SectionsSwitchByteOrderAndStartWithNoInterfaces) {
  Bytes b(false);
  pcapng_shb(b);
  pcapng_idb(b, 1, 0);
  pcapng_epb(b, 0, 1, 4, 4);
  b.set_big_endian(true);
  pcapng_shb(b);
  pcapng_idb(b, 0, 0);
  pcapng_epb(b, 0, 2, 4, 4);
  pcapng_epb(b, 1, 3, 4, 4);  // interface 1 does not exist in this section
  auto reader = open_bytes(b.data());
  auto got = read_all(*reader);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[1].link_type, 0u);
  EXPECT_EQ(got.records[1].interface_id, 0u);
  EXPECT_EQ(reader->info().format, "pcapng-be+le-2sections");
  ASSERT_TRUE(got.error.has_value());
  EXPECT_NE(got.error->message.find("interface index 1 is not less than the interface count 1"),
            std::string::npos)
      << got.error->message;
}

TEST(PcapngFileReader, SkipsNameResolutionStatisticsCustomAndUnknownBlocks) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 1, 0);
  pcapng_block(b, 4, {0, 0, 0, 0});           // NRB
  pcapng_block(b, 5, std::vector<uint8_t>(12));  // ISB
  pcapng_block(b, 0x00000BAD, {1, 2, 3, 4});  // custom
  pcapng_block(b, 0x40000BAD, {1, 2, 3, 4});
  pcapng_block(b, 0x12345678, {});
  pcapng_epb(b, 0, 1, 4, 4);
  auto got = read_all(*open_bytes(b.data()));
  ASSERT_FALSE(got.error.has_value()) << got.error->message;
  EXPECT_EQ(got.records.size(), 1u);
}

TEST(PcapngFileReader, RejectsUnknownSectionHeaderVersions) {
  Bytes b;
  pcapng_shb(b, 0, 1);
  auto r = CaptureReader::open_buffer("v.pcapng", b.data());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("v.pcapng: byte offset 12: unknown SHB version 0.1"),
            std::string::npos)
      << r.error().message;
  Bytes ok12;
  pcapng_shb(ok12, 1, 2);
  EXPECT_TRUE(CaptureReader::open_buffer("v12", ok12.data()).ok());
}

TEST(PcapngFileReader, RejectsAnOptionLongerThanItsBlock) {
  Bytes opts;
  opts.u16(2).u16(200).u32(0);  // shb_hardware claiming 200 bytes in a 4-byte space
  Bytes b;
  pcapng_shb(b, 1, 0, opts.data());
  auto r = CaptureReader::open_buffer("o.pcapng", b.data());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Not enough data to handle option of length 200"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().offset, 24);
}

TEST(PcapngFileReader, RejectsBlocksWhoseLengthsDisagree) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 1, 0);
  pcapng_epb(b, 0, 1, 4, 4);
  b.put_u32_at(b.size() - 4, 40);  // the header says 36
  auto got = read_all(*open_bytes(b.data()));
  EXPECT_TRUE(got.records.empty());
  ASSERT_TRUE(got.error.has_value());
  EXPECT_NE(got.error->message.find("does not match"), std::string::npos);
}

TEST(PcapngFileReader, RejectsACaplenLargerThanItsBlock) {
  Bytes b;
  pcapng_shb(b);
  pcapng_idb(b, 1, 0);
  const size_t epb = b.size();
  pcapng_epb(b, 0, 1, 4, 4);
  b.put_u32_at(epb + 20, 400);
  auto got = read_all(*open_bytes(b.data()));
  EXPECT_TRUE(got.records.empty());
  ASSERT_TRUE(got.error.has_value());
  EXPECT_EQ(static_cast<size_t>(got.error->offset), epb + 20);
}

TEST(PcapngFileReader, TruncationAtEveryOffsetNeverCrashesAndKeepsWholeBlocks) {
  Bytes b;
  pcapng_shb(b);
  const size_t shb_end = b.size();
  pcapng_idb(b, 1, 0, pcapng_option(false, kIfTsresol, {6}));
  std::vector<size_t> packet_ends;
  for (uint32_t i = 0; i < 3; ++i) {
    pcapng_epb(b, 0, i, 10 + i, 10 + i);
    packet_ends.push_back(b.size());
  }
  pcapng_spb(b, 8, 8);
  packet_ends.push_back(b.size());
  const auto full = b.data();
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<ptrdiff_t>(cut));
    auto r = CaptureReader::open_buffer("cut", part);
    if (cut < shb_end) {
      EXPECT_FALSE(r.ok()) << cut;
      continue;
    }
    ASSERT_TRUE(r.ok()) << cut;
    auto got = read_all(**r, 2);
    size_t whole = 0;
    for (size_t end : packet_ends) {
      whole += end <= cut ? 1 : 0;
    }
    EXPECT_EQ(got.records.size(), whole) << "cut at " << cut;
    bool at_boundary = cut == full.size() || cut == shb_end || cut == shb_end + 32;
    for (size_t end : packet_ends) {
      at_boundary = at_boundary || cut == end;
    }
    EXPECT_EQ(got.error.has_value(), !at_boundary) << "cut at " << cut;
  }
}

TEST(PcapngFileReader, ReadsAPipeWithRecordsLargerThanItsBlockSizeAndSwitchingSections) {
  Bytes b(false);
  pcapng_shb(b);
  pcapng_idb(b, 1, 0);
  for (uint32_t i = 0; i < 40; ++i) {
    pcapng_epb(b, 0, i, i % 3 == 0 ? 60000 : 100 + i, 70000);
    if (i == 20) {
      b.set_big_endian(true);
      pcapng_shb(b);
      pcapng_idb(b, 1, 0);
    }
  }
  const auto bytes = b.data();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t w =
          ::write(fds[1], bytes.data() + off, std::min<size_t>(1000, bytes.size() - off));
      if (w <= 0) {
        break;
      }
      off += static_cast<size_t>(w);
    }
    ::close(fds[1]);
  });
  auto reader = PcapngFileReader::open("pipe", ByteSource::from_fd(fds[0], 4096));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto streamed = read_all(**reader, 8);
  writer.join();
  auto mapped = read_all(*open_bytes(bytes), 8);
  ASSERT_FALSE(streamed.error.has_value()) << streamed.error->message;
  ASSERT_EQ(streamed.records.size(), 40u);
  ASSERT_EQ(mapped.records.size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(streamed.payloads[i], mapped.payloads[i]) << i;
    EXPECT_EQ(streamed.records[i].file_offset, mapped.records[i].file_offset) << i;
    EXPECT_EQ(streamed.records[i].ts.nsec, mapped.records[i].ts.nsec) << i;
  }
  EXPECT_EQ((*reader)->info().format, "pcapng-be+le-2sections");
}

}  // namespace
}  // namespace flowlens::capture
