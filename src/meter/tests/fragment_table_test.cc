#include "meter/fragment_table.h"

#include <gtest/gtest.h>

#include "meter/tests/test_packets.h"

namespace flowlens::meter {
namespace {

using testing::kSec;
using testing::make_packet;

decode::DecodedPacket fragment(uint16_t offset, uint32_t id = 7, uint8_t proto = 17) {
  auto p = make_packet("10.0.0.1", "10.0.0.2", 5353, 53, proto, 1500);
  p.is_fragment = true;
  p.fragment_id = id;
  p.fragment_offset = offset;
  if (offset != 0) {
    p.has_ports = false;
    p.src_port = 0;
    p.dst_port = 0;
  }
  return p;
}

TEST(FragmentTable, LaterFragmentsGetTheFirstFragmentsPorts) {
  FragmentTable t;
  auto v = t.on_fragment(fragment(0), 1500, 1 * kSec);
  EXPECT_TRUE(v.count);
  EXPECT_EQ(v.src_port, 5353);
  v = t.on_fragment(fragment(1480), 600, 1 * kSec);
  EXPECT_TRUE(v.count);
  EXPECT_EQ(v.src_port, 5353);
  EXPECT_EQ(v.dst_port, 53);
  EXPECT_EQ(v.packets, 1u);
  EXPECT_EQ(v.bytes, 600u);
  EXPECT_EQ(t.counters().matched, 1u);
}

TEST(FragmentTable, FragmentsBeforeTheFirstAreHeldAndCountedWithIt) {
  FragmentTable t;
  EXPECT_FALSE(t.on_fragment(fragment(2960), 300, 1 * kSec).count);
  EXPECT_FALSE(t.on_fragment(fragment(1480), 1500, 1 * kSec).count);
  auto v = t.on_fragment(fragment(0), 1500, 1 * kSec);
  EXPECT_TRUE(v.count);
  EXPECT_EQ(v.packets, 3u);
  EXPECT_EQ(v.bytes, 3300u);
  EXPECT_EQ(v.dst_port, 53);
  EXPECT_EQ(t.counters().held, 2u);
  EXPECT_EQ(t.counters().released, 2u);
}

TEST(FragmentTable, HeldFragmentsWithoutFirstAreOrphanedAtTheEnd) {
  FragmentTable t;
  EXPECT_FALSE(t.on_fragment(fragment(1480), 700, 1 * kSec).count);
  t.finish();
  EXPECT_EQ(t.counters().orphaned_packets, 1u);
  EXPECT_EQ(t.counters().orphaned_bytes, 700u);
}

TEST(FragmentTable, EntriesExpireAfterTheTimeoutOfEventTime) {
  FragmentTable t(64, 60 * kSec);
  EXPECT_TRUE(t.on_fragment(fragment(0), 1500, 1 * kSec).count);
  // 61 s later the same id is a new datagram: its later fragment is held.
  EXPECT_FALSE(t.on_fragment(fragment(1480), 600, 62 * kSec).count);
}

TEST(FragmentTable, DifferentIdsAndProtocolsAreDifferentDatagrams) {
  FragmentTable t;
  EXPECT_TRUE(t.on_fragment(fragment(0, 1), 1500, kSec).count);
  EXPECT_FALSE(t.on_fragment(fragment(1480, 2), 600, kSec).count);
  EXPECT_FALSE(t.on_fragment(fragment(1480, 1, 6), 600, kSec).count);
}

TEST(FragmentTable, AFullTableCountsFragmentsAtOnce) {
  FragmentTable t(8, 60 * kSec);
  for (uint32_t id = 0; id < 8; ++id) (void)t.on_fragment(fragment(0, id), 100, kSec);
  for (uint32_t id = 100; id < 140; ++id) {
    auto v = t.on_fragment(fragment(0, id), 100, kSec);
    EXPECT_TRUE(v.count);
  }
  EXPECT_GT(t.counters().table_full, 0u);
}

}  // namespace
}  // namespace flowlens::meter
