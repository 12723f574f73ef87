// split_at_windows: exported flow records spread over the windows they cover.

#include "pipeline/window_split.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "model/rollup.h"

namespace flowlens::pipeline {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kWindow = 10 * kSecond;
constexpr int64_t kT0 = 1'767'225'600 * kSecond;  // 2026-01-01, window aligned

FlowRecord record(int64_t start, int64_t end, uint64_t packets, uint64_t bytes) {
  FlowRecord r;
  r.src = *IpAddress::parse("192.0.2.1");
  r.dst = *IpAddress::parse("198.51.100.2");
  r.src_port = 443;
  r.dst_port = 50000;
  r.ip_proto = 6;
  r.start_ns = start;
  r.end_ns = end;
  r.packets = packets;
  r.bytes = bytes;
  r.flows = 1;
  return r;
}

TEST(WindowSplitTest, ARecordInsideOneWindowPassesThroughUnchanged) {
  std::vector<FlowRecord> out;
  const FlowRecord r = record(kT0 + kSecond, kT0 + 9 * kSecond, 10, 1000);
  split_at_windows(r, kWindow, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].start_ns, r.start_ns);
  EXPECT_EQ(out[0].end_ns, r.end_ns);
  EXPECT_EQ(out[0].bytes, 1000u);
}

TEST(WindowSplitTest, A30SecondFlowIsSpreadByTimeOverItsFourWindows) {
  // 5 s in window 0, 10 s in windows 1 and 2, 5 s in window 3: 1/6, 1/3, 1/3, 1/6.
  std::vector<FlowRecord> out;
  split_at_windows(record(kT0 + 5 * kSecond, kT0 + 35 * kSecond, 60, 6000), kWindow, out);
  ASSERT_EQ(out.size(), 4u);
  const uint64_t expected_packets[] = {10, 20, 20, 10};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(bucket_start(out[i].start_ns, kWindow), kT0 + static_cast<int64_t>(i) * kWindow);
    EXPECT_EQ(bucket_start(out[i].end_ns, kWindow), kT0 + static_cast<int64_t>(i) * kWindow);
    EXPECT_EQ(out[i].packets, expected_packets[i]) << i;
    EXPECT_EQ(out[i].bytes, expected_packets[i] * 100) << i;
    EXPECT_EQ(out[i].flows, 1u);
    EXPECT_EQ(out[i].src_port, 443);
  }
  EXPECT_EQ(out.front().start_ns, kT0 + 5 * kSecond);
  EXPECT_EQ(out.back().end_ns, kT0 + 35 * kSecond);
}

TEST(WindowSplitTest, SumsAreExactAndPiecesStayInTheirWindowsForRandomRecords) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    const int64_t start = kT0 + static_cast<int64_t>(rng() % (600 * kSecond));
    const int64_t end = start + static_cast<int64_t>(rng() % (900 * kSecond));
    const uint64_t packets = rng() % 5 == 0 ? rng() % 3 : rng() % 100000;
    const uint64_t bytes = packets * (40 + rng() % 1460);
    std::vector<FlowRecord> out;
    split_at_windows(record(start, end, packets, bytes), kWindow, out);
    uint64_t p = 0;
    uint64_t b = 0;
    int64_t previous_window = INT64_MIN;
    for (const FlowRecord& piece : out) {
      p += piece.packets;
      b += piece.bytes;
      const int64_t w = bucket_start(piece.start_ns, kWindow);
      EXPECT_EQ(bucket_start(piece.end_ns, kWindow), w);
      EXPECT_GT(w, previous_window);
      EXPECT_GE(piece.start_ns, start);
      EXPECT_LE(piece.end_ns, end);
      previous_window = w;
    }
    ASSERT_EQ(p, packets) << trial;
    ASSERT_EQ(b, bytes) << trial;
    EXPECT_LE(out.size(), static_cast<size_t>((end - start) / kWindow + 2));
  }
}

TEST(WindowSplitTest, OnePacketOverManyWindowsMakesOnePieceNotEmptyOnes) {
  std::vector<FlowRecord> out;
  split_at_windows(record(kT0, kT0 + 300 * kSecond, 1, 40), kWindow, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].packets, 1u);
  EXPECT_EQ(out[0].bytes, 40u);
}

TEST(WindowSplitTest, AnAbsurdlyLongRecordIsBoundedToTheLastWindowsBeforeItsEnd) {
  std::vector<FlowRecord> out;
  const int64_t end = kT0 + 5 * kSecond;
  split_at_windows(record(end - 400LL * 86400 * kSecond, end, 1'000'000'000, 1'000'000'000'000), kWindow,
                   out);
  ASSERT_EQ(out.size(), kMaxPieces);
  uint64_t b = 0;
  for (const FlowRecord& piece : out) b += piece.bytes;
  EXPECT_EQ(b, 1'000'000'000'000u);
  EXPECT_EQ(bucket_start(out.front().start_ns, kWindow),
            kT0 - static_cast<int64_t>(kMaxPieces - 1) * kWindow);
}

TEST(WindowSplitTest, EndBeforeStartIsKeptWhole) {
  std::vector<FlowRecord> out;
  split_at_windows(record(kT0 + 50 * kSecond, kT0, 3, 300), kWindow, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].packets, 3u);
}

}  // namespace
}  // namespace flowlens::pipeline
