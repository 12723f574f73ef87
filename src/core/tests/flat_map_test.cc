#include "core/flat_map.h"

#include <gtest/gtest.h>

#include <map>

namespace flowlens {
namespace {

TEST(FlatMap, CountsLikeAnOrderedMapThroughGrowthAndClear) {
  FlatMap<2, uint64_t> map;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> expected;
  uint64_t s = 7;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      const uint64_t a = (s >> 33) % 700;
      const uint64_t b = (s >> 13) % 3;
      map.find_or_insert({{a, b}}) += i;
      expected[{a, b}] += i;
    }
    ASSERT_EQ(map.size(), expected.size());
    size_t seen = 0;
    map.for_each([&](const WordKey<2>& k, const uint64_t& v) {
      ++seen;
      EXPECT_EQ(v, expected.at({k.w[0], k.w[1]}));
    });
    EXPECT_EQ(seen, expected.size());
    EXPECT_EQ(map.find({{701, 0}}), nullptr);
    map.clear();
    expected.clear();
    EXPECT_TRUE(map.empty());
  }
}

TEST(FlatMap, ShrinksOnClearAfterABurst) {
  FlatMap<1, uint64_t> map;
  for (uint64_t i = 0; i < 100000; ++i) {
    map.find_or_insert({{i}}) = i;
  }
  const size_t burst_capacity = map.capacity();
  map.clear();
  map.find_or_insert({{1}}) = 1;
  map.clear();
  EXPECT_LT(map.capacity(), burst_capacity);
  EXPECT_EQ(map.find({{1}}), nullptr);
}

}  // namespace
}  // namespace flowlens
