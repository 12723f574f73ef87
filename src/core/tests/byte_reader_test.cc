#include "core/byte_reader.h"

#include <array>

#include <gtest/gtest.h>

namespace flowlens {
namespace {

TEST(ByteReader, ReadsBothByteOrders) {
  const std::array<uint8_t, 8> bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteReader be(bytes, true);
  uint16_t a = 0;
  uint32_t b = 0;
  ASSERT_TRUE(be.u16(a));
  ASSERT_TRUE(be.u32(b));
  EXPECT_EQ(a, 0x0102);
  EXPECT_EQ(b, 0x03040506u);
  ByteReader le(bytes, false);
  uint64_t c = 0;
  ASSERT_TRUE(le.u64(c));
  EXPECT_EQ(c, 0x0807060504030201ull);
}

TEST(ByteReader, RefusesReadsPastTheEndAndKeepsTheOffset) {
  const std::array<uint8_t, 3> bytes{1, 2, 3};
  ByteReader r(bytes);
  uint16_t a = 0;
  uint32_t b = 0;
  ASSERT_TRUE(r.u16(a));
  EXPECT_FALSE(r.u32(b));
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_FALSE(r.skip(2));
  EXPECT_TRUE(r.skip(1));
  EXPECT_EQ(r.remaining(), 0u);
}

}  // namespace
}  // namespace flowlens
