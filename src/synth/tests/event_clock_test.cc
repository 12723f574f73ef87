#include "synth/event_clock.h"

#include <map>

#include <gtest/gtest.h>

namespace flowlens::synth {
namespace {

constexpr int64_t kMidnight = 1'767'225'600'000'000'000;  // 2026-01-01T00:00:00Z

TEST(EventClock, ConstantRateStampsPacketIAtStartPlusIOverRate) {
  EventClock clock(kMidnight, 3, false);
  for (int64_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(clock.now_ns(), kMidnight + i * 1'000'000'000 / 3) << "packet " << i;
    clock.advance();
  }
}

TEST(EventClock, DayRhythmFollowsTheHourOfDayWithThePeakAtTheGivenRate) {
  EventClock clock(kMidnight, 1, true);  // peak: one packet per second
  std::map<int64_t, int> per_hour;
  while (clock.now_ns() < kMidnight + 24 * EventClock::kHourNs) {
    per_hour[(clock.now_ns() - kMidnight) / EventClock::kHourNs]++;
    clock.advance();
  }
  EXPECT_NEAR(per_hour[14], 3600, 2);  // 100 % of the peak
  EXPECT_NEAR(per_hour[3], 540, 2);    // 15 %
  EXPECT_NEAR(per_hour[9], 3168, 2);   // 88 %
}

}  // namespace
}  // namespace flowlens::synth
