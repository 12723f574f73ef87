#include "meter/flow_table.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "meter/tests/test_packets.h"

namespace flowlens::meter {
namespace {

using testing::kSec;

struct Collector {
  std::vector<FlowRecord> records;
  FlowSink sink() {
    return [this](FlowBatch b) { records.insert(records.end(), b.begin(), b.end()); };
  }
};

FlowKey key_n(uint32_t n) {
  FlowKey k;
  k.family = 4;
  k.src = {10, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  k.dst = {192, 168, 0, 1};
  k.src_port = static_cast<uint16_t>(n);
  k.dst_port = 80;
  k.ip_proto = 6;
  return k;
}

void add(FlowTable& t, uint32_t n, int64_t ts, uint64_t bytes = 100, uint8_t flags = 0) {
  const FlowKey k = key_n(n);
  t.update(k, hash_key(k), ts, bytes, 1, flags);
}

FlowTableConfig no_timeouts() {
  FlowTableConfig c;
  c.active_timeout_ns = 0;
  c.inactive_timeout_ns = 0;
  return c;
}

TEST(FlowTable, AccumulatesPacketsBytesTimesAndFlagsPerKey) {
  Aggregation agg;
  Collector out;
  FlowTable t(no_timeouts(), agg, out.sink());
  add(t, 1, 5 * kSec, 60, 0x02);
  add(t, 1, 7 * kSec, 40, 0x10);
  add(t, 1, 6 * kSec, 52, 0x01);  // out of order: start/end stay min/max
  add(t, 2, 6 * kSec);
  EXPECT_EQ(t.size(), 2u);
  t.flush();
  ASSERT_EQ(out.records.size(), 2u);
  const FlowRecord& r = out.records[0].src_port == 1 ? out.records[0] : out.records[1];
  EXPECT_EQ(r.packets, 3u);
  EXPECT_EQ(r.bytes, 152u);
  EXPECT_EQ(r.start_ns, 5 * kSec);
  EXPECT_EQ(r.end_ns, 7 * kSec);
  EXPECT_EQ(r.tcp_flags, 0x13);
  EXPECT_EQ(r.src.to_string(), "10.0.0.1");
  EXPECT_EQ(t.size(), 0u);
}

TEST(FlowTable, InactiveTimeoutSplitsAFlowByEventTime) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.inactive_timeout_ns = 15 * kSec;
  FlowTable t(c, agg, out.sink());
  add(t, 1, 0);
  add(t, 1, 15 * kSec);  // exactly the timeout: still the same flow
  add(t, 1, 31 * kSec);  // 16 s idle: a new flow
  EXPECT_EQ(out.records.size(), 0u);  // emitted records wait in the batch until drained
  t.drain();
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].packets, 2u);
  EXPECT_EQ(t.counters().expired_inactive, 1u);
  t.flush();
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[1].packets, 1u);
  EXPECT_EQ(out.records[1].start_ns, 31 * kSec);
}

TEST(FlowTable, SweepExpiresIdleFlowsWhenOtherTrafficAdvancesTime) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.inactive_timeout_ns = 10 * kSec;
  FlowTable t(c, agg, out.sink());
  for (uint32_t n = 0; n < 100; ++n) add(t, n, 0);
  add(t, 1000, 11 * kSec);
  t.sweep(t.capacity());
  t.drain();
  EXPECT_EQ(out.records.size(), 100u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.counters().expired_inactive, 100u);
}

TEST(FlowTable, ActiveTimeoutCutsLongFlows) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.active_timeout_ns = 60 * kSec;
  FlowTable t(c, agg, out.sink());
  for (int s = 0; s < 150; ++s) add(t, 1, s * kSec);  // one packet per second
  t.flush();
  ASSERT_EQ(out.records.size(), 3u);
  EXPECT_EQ(out.records[0].packets, 60u);
  EXPECT_EQ(out.records[1].packets, 60u);
  EXPECT_EQ(out.records[2].packets, 30u);
  EXPECT_EQ(out.records[1].start_ns, 60 * kSec);
  EXPECT_EQ(t.counters().expired_active, 2u);
}

TEST(FlowTable, RefreshEmitsEverythingAtAlignedBoundaries) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.refresh_ns = 60 * kSec;
  FlowTable t(c, agg, out.sink());
  add(t, 1, 100 * kSec);
  add(t, 2, 110 * kSec);
  add(t, 1, 119 * kSec);  // still in [60, 120)
  EXPECT_TRUE(out.records.empty());
  add(t, 1, 120 * kSec);  // crosses 120: everything before is emitted
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(t.counters().refreshes, 1u);
  EXPECT_EQ(t.counters().refreshed, 2u);
  EXPECT_EQ(t.size(), 1u);
}

TEST(FlowTable, FullTableEvictsAndCountsButLosesNothing) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.max_flows = 100;
  FlowTable t(c, agg, out.sink());
  uint64_t total = 0;
  for (int round = 0; round < 3; ++round) {
    for (uint32_t n = 0; n < 1000; ++n) {
      add(t, n, round * 1000 + n, 10);
      total += 10;
    }
  }
  EXPECT_LE(t.size(), 100u);
  EXPECT_GT(t.counters().evicted, 0u);
  t.flush();
  uint64_t bytes = 0;
  for (const auto& r : out.records) bytes += r.bytes;
  EXPECT_EQ(bytes, total);
  EXPECT_EQ(out.records.size(), t.counters().evicted + 100u);
  EXPECT_LE(t.capacity(), t.max_capacity());
}

TEST(FlowTable, ATableOfOneFlowEmitsEachNewKeyItsPredecessor) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.max_flows = 1;
  FlowTable t(c, agg, out.sink());
  add(t, 1, 1);
  add(t, 1, 2);
  add(t, 2, 3);
  add(t, 3, 4);
  t.flush();
  ASSERT_EQ(out.records.size(), 3u);
  EXPECT_EQ(out.records[0].packets, 2u);
  EXPECT_EQ(t.counters().evicted, 2u);
}

TEST(FlowTable, EvictionPrefersTheLeastRecentlyUpdatedOfItsSample) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.max_flows = 4;
  FlowTable t(c, agg, out.sink());
  add(t, 1, 10);
  add(t, 2, 1);  // oldest
  add(t, 3, 12);
  add(t, 4, 13);
  add(t, 5, 14);  // table holds 4 (sample covers the whole small table): evicts key 2
  t.drain();
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].src_port, 2);
}

TEST(FlowTable, GrowsAndKeepsEveryFlowThroughDeletions) {
  Aggregation agg;
  Collector out;
  FlowTableConfig c = no_timeouts();
  c.inactive_timeout_ns = 5;
  c.initial_capacity = 16;
  FlowTable t(c, agg, out.sink());
  std::map<uint32_t, uint64_t> expected;
  uint64_t seed = 1;
  for (int i = 0; i < 200000; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    const auto n = static_cast<uint32_t>(seed >> 50);  // 16k keys
    add(t, n, i / 64, 1 + n % 7);
    expected[n] += 1 + n % 7;
    if (i % 256 == 0) t.sweep(300);
  }
  t.flush();
  std::map<uint32_t, uint64_t> got;
  for (const auto& r : out.records) got[r.src_port | (uint32_t{r.src.bytes[2]} << 8) | (uint32_t{r.src.bytes[1]} << 16)] += r.bytes;
  EXPECT_EQ(got, expected);
  EXPECT_GT(t.counters().grows, 0u);
  EXPECT_GT(t.counters().expired_inactive, 0u);
}

}  // namespace
}  // namespace flowlens::meter
