// Golden test: `flowlens inspect`'s reading of every capture in testdata/EXPECTED.tsv
// must equal tshark's, column by column (see testdata/SOURCES.md for their meaning).
// Reader columns and outer-flow columns (which need the packet decoder) are separate
// tests so a failure says which part is wrong.

#include "capture/capture_summary.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "capture/tests/expected_tsv.h"
#include "capture/tests/read_all.h"

namespace flowlens::capture {
namespace {

using testing::ExpectedRow;

const char* const kReaderColumns[] = {"format",     "link_types", "packets",  "captured_bytes",
                                      "wire_bytes", "first_ts",   "last_ts",  "ts_nondecreasing"};
const char* const kFlowColumns[] = {"outer_flows_ipv4", "outer_flows_ipv6", "outer_ip_frames"};

class CaptureSummaryGolden : public ::testing::TestWithParam<ExpectedRow> {
 protected:
  void check_columns(std::span<const char* const> names) {
    const ExpectedRow& row = GetParam();
    const std::string path = testing::testdata_dir() + "/" + row.file();
    auto summary = summarize_capture_file(path);
    if (row.unreadable()) {
      ASSERT_FALSE(summary.ok()) << row.file() << " must be refused, as tshark does";
      EXPECT_NE(summary.error().message.find("byte offset"), std::string::npos)
          << summary.error().message;
      return;
    }
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    std::map<std::string, std::string> got;
    for (auto& [name, text] : summary_columns(*summary)) {
      got[name] = text;
    }
    for (const char* name : names) {
      EXPECT_EQ(got[name], row.columns.at(name)) << row.file() << " column " << name;
    }
  }
};

TEST_P(CaptureSummaryGolden, ReaderColumnsMatchTshark) { check_columns(kReaderColumns); }

TEST_P(CaptureSummaryGolden, OuterFlowColumnsMatchTshark) { check_columns(kFlowColumns); }

TEST(CaptureSummaryGoldenData, IsPresent) {
  if (!testing::testdata_present()) {
    GTEST_SKIP() << "testdata not found at " << testing::testdata_dir()
                 << ": golden capture tests skipped";
  }
  EXPECT_GE(testing::load_expected_rows().size(), 60u);
}

INSTANTIATE_TEST_SUITE_P(Expected, CaptureSummaryGolden,
                         ::testing::ValuesIn(testing::load_expected_rows()),
                         [](const auto& param_info) { return testing::test_name_for(param_info.param.file()); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CaptureSummaryGolden);

// Every damaged capture in malformed/ (not the raw .dat payloads) is read to the end
// without a crash (this runs under ASan/UBSan in the dev preset), and wherever the
// reader stops early it says where.
TEST(MalformedCaptures, AreReadWithoutCrashAndDamageNamesAnOffset) {
  if (!testing::testdata_present()) {
    GTEST_SKIP() << "testdata not found at " << testing::testdata_dir();
  }
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::testdata_dir() + "/malformed")) {
    if (entry.path().extension() == ".dat") {
      continue;
    }
    ++files;
    const std::string path = entry.path().string();
    auto reader = CaptureReader::open(path);
    if (!reader.ok()) {
      EXPECT_NE(reader.error().message.find(path + ": byte offset "), std::string::npos)
          << reader.error().message;
      EXPECT_GE(reader.error().offset, 0) << path;
      continue;
    }
    auto got = testing::read_all(**reader);
    if (got.error) {
      EXPECT_NE(got.error->message.find(path + ": byte offset "), std::string::npos)
          << got.error->message;
      EXPECT_GE(got.error->offset, 0) << path;
    }
  }
  EXPECT_GE(files, 10u);
}

}  // namespace
}  // namespace flowlens::capture
