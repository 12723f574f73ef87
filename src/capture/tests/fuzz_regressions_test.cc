// Replays every input the capture reader fuzzer once crashed on (fuzz/regressions/
// capture_reader/), so the dev build (ASan + UBSan) checks them on every run.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "capture/capture_reader.h"
#include "capture/tests/read_all.h"

namespace flowlens::capture {
namespace {

TEST(CaptureReaderFuzzRegressions, EveryKeptInputIsReadWithoutCrash) {
  const std::filesystem::path dir =
      std::filesystem::path(FLOWLENS_SOURCE_DIR) / "fuzz/regressions/capture_reader";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "no regression inputs at " << dir;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    auto reader = CaptureReader::open_buffer(entry.path().filename().string(), bytes);
    if (reader.ok()) {
      auto got = testing::read_all(**reader, 3);
      SUCCEED() << got.records.size();
    }
  }
}

}  // namespace
}  // namespace flowlens::capture
