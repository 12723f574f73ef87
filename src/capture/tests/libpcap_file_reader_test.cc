// Cross-check: libpcap's own reader and the hand-written readers must agree on every
// capture libpcap can read (packet count, caplen and wire-length sums, and every
// timestamp). Files libpcap refuses or reads only in part are skipped with libpcap's
// reason, which is the evidence for src/capture/README.md.

#include "capture/libpcap_file_reader.h"

#include <gtest/gtest.h>

#include "capture/tests/capture_bytes_builder.h"
#include "capture/tests/expected_tsv.h"
#include "capture/tests/read_all.h"

namespace flowlens::capture {
namespace {

using testing::ExpectedRow;

class LibpcapCrossCheck : public ::testing::TestWithParam<ExpectedRow> {};

TEST_P(LibpcapCrossCheck, AgreesWithTheHandWrittenReader) {
  const ExpectedRow& row = GetParam();
  const std::string path = testing::testdata_dir() + "/" + row.file();
  auto ours = CaptureReader::open(path, ReaderKind::kHandWritten);
  auto theirs = CaptureReader::open(path, ReaderKind::kLibpcap);
  if (!theirs.ok()) {
    EXPECT_FALSE(ours.ok() && row.unreadable()) << "we read a file tshark refuses";
    GTEST_SKIP() << "libpcap cannot open it: " << theirs.error().message
                 << (ours.ok() ? " (the hand-written reader can)" : "");
  }
  if (!ours.ok()) {
    GTEST_SKIP() << "libpcap opens a file we refuse like tshark: " << ours.error().message;
  }
  auto a = testing::read_all(**ours);
  auto b = testing::read_all(**theirs);
  if (b.error && !a.error) {
    GTEST_SKIP() << "libpcap stops after " << b.records.size() << " of " << a.records.size()
                 << " packets: " << b.error->message;
  }
  ASSERT_EQ(a.records.size(), b.records.size())
      << "ours: " << (a.error ? a.error->message : "ok")
      << "; libpcap: " << (b.error ? b.error->message : "ok");
  const bool classic_pcap = (*ours)->info().format.rfind("pcap-", 0) == 0;
  uint64_t cap_a = 0, cap_b = 0, wire_a = 0, wire_b = 0;
  for (size_t i = 0; i < a.records.size(); ++i) {
    const auto& x = a.records[i];
    const auto& y = b.records[i];
    cap_a += x.caplen;
    cap_b += y.caplen;
    wire_a += x.wire_len;
    wire_b += y.wire_len;
    if (x.has_timestamp && classic_pcap) {
      // libpcap reads the classic header's seconds and fraction as signed 32-bit
      // values (2^31 s becomes -2^31); the bits must agree.
      EXPECT_EQ(static_cast<uint32_t>(x.ts.sec), static_cast<uint32_t>(y.ts.sec)) << "packet " << i;
      EXPECT_EQ(static_cast<uint32_t>(x.ts.nsec), static_cast<uint32_t>(y.ts.nsec))
          << "packet " << i;
    } else if (x.has_timestamp) {
      EXPECT_EQ(x.ts.sec, y.ts.sec) << "packet " << i;
      EXPECT_EQ(x.ts.nsec, y.ts.nsec) << "packet " << i;
    }
    EXPECT_EQ(a.payloads[i], b.payloads[i]) << "packet " << i;
  }
  EXPECT_EQ(cap_a, cap_b);
  EXPECT_EQ(wire_a, wire_b);
  EXPECT_EQ(a.error.has_value(), b.error.has_value());
}

INSTANTIATE_TEST_SUITE_P(Expected, LibpcapCrossCheck,
                         ::testing::ValuesIn(testing::load_expected_rows()),
                         [](const auto& param_info) { return testing::test_name_for(param_info.param.file()); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(LibpcapCrossCheck);

TEST(LibpcapCrossCheckData, IsPresent) {
  if (!testing::testdata_present()) {
    GTEST_SKIP() << "testdata not found at " << testing::testdata_dir()
                 << ": libpcap cross-check skipped";
  }
}

}  // namespace
}  // namespace flowlens::capture

namespace flowlens::capture {
namespace {

// The claim in src/capture/README.md: libpcap 1.10 reads a later section's block
// lengths in the first section's byte order and gives up; the hand-written reader
// switches byte order per section.
TEST(LibpcapFileReader, StopsAtASectionWithAnotherByteOrderWhereOursReadsOn) {
  testing::Bytes b(false);
  testing::pcapng_shb(b);
  testing::pcapng_idb(b, 1, 0);
  testing::pcapng_epb(b, 0, 1, 60, 60);
  b.set_big_endian(true);
  testing::pcapng_shb(b);
  testing::pcapng_idb(b, 1, 0);
  testing::pcapng_epb(b, 0, 2, 60, 60);
  const std::string path = ::testing::TempDir() + "/two_byte_orders.pcapng";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(b.data().data(), 1, b.size(), f);
    std::fclose(f);
  }
  auto ours = CaptureReader::open(path, ReaderKind::kHandWritten);
  auto theirs = CaptureReader::open(path, ReaderKind::kLibpcap);
  ASSERT_TRUE(ours.ok());
  ASSERT_TRUE(theirs.ok());
  auto a = testing::read_all(**ours);
  auto lib = testing::read_all(**theirs);
  EXPECT_EQ(a.records.size(), 2u);
  EXPECT_FALSE(a.error.has_value());
  EXPECT_EQ(lib.records.size(), 1u);
  ASSERT_TRUE(lib.error.has_value());
  std::remove(path.c_str());
}

}  // namespace
}  // namespace flowlens::capture
