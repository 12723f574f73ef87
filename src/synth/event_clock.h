#pragma once
// EventClock: the event time of successive synthetic packets. Integer arithmetic only,
// so timestamps are identical on every platform.
//
// Without day rhythm: packet i is stamped start + floor(i * 1e9 / rate) ns, exactly.
// With day rhythm: the rate follows the hour of day (UTC) of the current event time,
// rate * kHourlyPermille[hour] / 1000: busy afternoons, quiet
// nights, as a dashboard over a few days should show.

#include <array>
#include <cstddef>
#include <cstdint>

namespace flowlens::synth {

class EventClock {
 public:
  static constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;
  // Share of the peak rate per hour of day, in permille (an office-heavy network).
  static constexpr std::array<uint32_t, 24> kHourlyPermille{
      300, 220, 170, 150, 150, 180, 280, 450, 700, 880, 950, 980,
      920, 950, 1000, 980, 930, 850, 750, 680, 620, 550, 450, 370};

  EventClock(int64_t start_ns, uint64_t rate_pps, bool day_rhythm)
      : start_ns_(start_ns), rate_pps_(rate_pps), day_rhythm_(day_rhythm) {
    tune(1'000'000'000, rate_pps);
    if (day_rhythm_) {
      retune();
    }
  }

  int64_t now_ns() const { return start_ns_ + static_cast<int64_t>(offset_ns_); }

  void advance() {
    offset_ns_ += step_whole_;
    rest_ += step_rest_;
    if (rest_ >= divisor_) {
      rest_ -= divisor_;
      offset_ns_ += 1;
    }
    if (day_rhythm_ && now_ns() >= next_hour_ns_) {
      retune();
    }
  }

 private:
  // Steps of numerator / divisor ns, the fraction carried in rest_.
  void tune(uint64_t numerator, uint64_t divisor) {
    divisor_ = divisor;
    step_whole_ = numerator / divisor;
    step_rest_ = numerator % divisor;
    rest_ = 0;
  }
  void retune() {
    const int64_t now = now_ns();
    const auto hour = static_cast<size_t>((now / kHourNs) % 24);
    next_hour_ns_ = (now / kHourNs + 1) * kHourNs;
    // 1e9 ns / (rate * permille / 1000), kept exact for rates down to 1 packet/s.
    tune(1'000'000'000'000, rate_pps_ * kHourlyPermille[hour]);
  }

  int64_t start_ns_;
  uint64_t rate_pps_;
  bool day_rhythm_;
  uint64_t offset_ns_ = 0;
  uint64_t step_whole_ = 0;
  uint64_t step_rest_ = 0;
  uint64_t rest_ = 0;
  uint64_t divisor_ = 1;
  int64_t next_hour_ns_ = 0;
};

}  // namespace flowlens::synth
