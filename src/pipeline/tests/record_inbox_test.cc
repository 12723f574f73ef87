#include "pipeline/record_inbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace flowlens::pipeline {
namespace {

std::vector<FlowRecord> numbered(size_t n, uint64_t first) {
  std::vector<FlowRecord> v(n);
  for (size_t i = 0; i < n; ++i) v[i].packets = first + i;
  return v;
}

TEST(RecordInboxTest, RecordsFromSeveralThreadsAllArriveOnceInPushOrderPerThread) {
  RecordInbox inbox(64);  // small: producers block often
  constexpr int kThreads = 3;
  constexpr uint64_t kPerThread = 20'000;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (uint64_t i = 0; i < kPerThread; i += 10) {
        // packets = thread * 1e9 + sequence
        inbox.push(numbered(10, static_cast<uint64_t>(t) * 1'000'000'000 + i));
      }
    });
  }
  std::vector<uint64_t> next(kThreads, 0);
  uint64_t received = 0;
  std::vector<FlowRecord> got;
  while (received < kThreads * kPerThread) {
    inbox.take(got, std::chrono::milliseconds(1000));
    for (const FlowRecord& r : got) {
      const auto t = static_cast<size_t>(r.packets / 1'000'000'000);
      ASSERT_LT(t, static_cast<size_t>(kThreads));
      ASSERT_EQ(r.packets % 1'000'000'000, next[t]);
      ++next[t];
    }
    received += got.size();
  }
  for (auto& p : producers) p.join();
  EXPECT_EQ(received, kThreads * kPerThread);
  EXPECT_GT(inbox.waits(), 0u);  // the bound held: producers had to wait
}

TEST(RecordInboxTest, AfterCloseAPushIntoAFullInboxReturnsAndKeepsItsRecords) {
  RecordInbox inbox(4);
  inbox.push(numbered(4, 0));
  inbox.close();
  inbox.push(numbered(3, 4));  // would block before close()
  std::vector<FlowRecord> got;
  EXPECT_EQ(inbox.take(got, std::chrono::milliseconds(0)), 7u);
  EXPECT_EQ(got.back().packets, 6u);
  EXPECT_EQ(inbox.take(got, std::chrono::milliseconds(0)), 0u);
}

}  // namespace
}  // namespace flowlens::pipeline
