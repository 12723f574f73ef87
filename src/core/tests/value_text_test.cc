// The one grammar for durations, times and sizes that CLI flags and REST parameters share.

#include "core/value_text.h"

#include <gtest/gtest.h>

namespace flowlens {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNov2 = 1793577600 * kSecond;  // 2026-11-02T00:00:00Z

TEST(ValueText, DurationsTakeTheUnitsPeopleTypeAndRefuseTheRest) {
  EXPECT_EQ(parse_duration("10"), 10 * kSecond);
  EXPECT_EQ(parse_duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(parse_duration("500ms"), 500'000'000);
  EXPECT_EQ(parse_duration("250us"), 250'000);
  EXPECT_EQ(parse_duration("5m"), 300 * kSecond);
  EXPECT_EQ(parse_duration("5min"), 300 * kSecond);
  EXPECT_EQ(parse_duration("2h"), 7200 * kSecond);
  EXPECT_EQ(parse_duration("7d"), 7 * 86400 * kSecond);
  for (const char* bad : {"", "s", "-1s", "1x", "1 s", "nan", "inf", "1e400", "99999999d", "1..5s"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(ValueText, SizesAreDecimalOrBinaryBytes) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("1000"), 1000u);
  EXPECT_EQ(parse_size("500kB"), 500'000u);
  EXPECT_EQ(parse_size("1.5GB"), 1'500'000'000u);
  EXPECT_EQ(parse_size("512MiB"), 512u << 20);
  for (const char* bad : {"", "GB", "-1GB", "10XB", "1e3", "99999999TB"}) EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(ValueText, TimesAreUtcDatesDateTimesOrEpochSeconds) {
  EXPECT_EQ(parse_time("2026-11-02"), kNov2);
  EXPECT_EQ(parse_time("2026-11-02T00:00:10Z"), kNov2 + 10 * kSecond);
  EXPECT_EQ(parse_time("2026-11-02 01:02"), kNov2 + 3720 * kSecond);
  EXPECT_EQ(parse_time("2026-11-02T00:00:00.25Z"), kNov2 + 250'000'000);
  EXPECT_EQ(parse_time("1793577600"), kNov2);
  EXPECT_EQ(parse_time("@1793577600.5"), kNov2 + 500'000'000);
  for (const char* bad : {"", "@", "@-1", "1969-12-31", "2026-13-01", "2026-11-32", "2026-11-02T24:00",
                          "2026-11-02T00:00:00.1234567890Z", "2026-11-02X", "26-11-02", "yesterday"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
}

TEST(ValueText, FormattedTimesParseBackToTheSameInstant) {
  EXPECT_EQ(format_time(kNov2), "2026-11-02T00:00:00Z");
  EXPECT_EQ(format_time(kNov2 + 1'500'000'000), "2026-11-02T00:00:01.500Z");
  for (int64_t t : {kNov2, kNov2 + 86399 * kSecond, int64_t{0}, kNov2 + 123'000'000}) {
    EXPECT_EQ(parse_time(format_time(t)), t) << t;
  }
}

}  // namespace
}  // namespace flowlens
