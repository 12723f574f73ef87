#pragma once
// Clock: where code that needs "now" gets it, so tests inject time instead of sleeping.
// Event time never comes from here (it comes from the data); wall time is for timeouts
// like "the file stopped growing", pacing live demo traffic, and retention by age.

#include <chrono>
#include <atomic>
#include <cstdint>

namespace flowlens {

class Clock {
 public:
  virtual ~Clock() = default;
  // ns since the Unix epoch (wall clock) or of a manual clock.
  virtual int64_t now_ns() = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ns() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

// A clock tests move by hand; safe to read from other threads (a collector's workers)
// while the test moves it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ns = 0) : now_(start_ns) {}
  int64_t now_ns() override { return now_.load(std::memory_order_relaxed); }
  void advance(int64_t ns) { now_.fetch_add(ns, std::memory_order_relaxed); }
  void set(int64_t ns) { now_.store(ns, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace flowlens
