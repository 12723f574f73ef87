// TopK against an independent answer: every group sorted by (metric desc, text asc) with
// std::sort over real texts, then cut at the limit.

#include "store/top_k.h"

#include <gtest/gtest.h>

#include <random>

namespace flowlens::store {
namespace {

IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

struct Group {
  GroupKey key;
  Counters3 counters;
};

std::vector<TopEntry> by_full_sort(Dimension d, Metric m, std::vector<Group> groups,
                                   size_t limit) {
  std::vector<TopEntry> all;
  for (const Group& g : groups) all.push_back({group_text(d, g.key), g.counters});
  std::sort(all.begin(), all.end(), [m](const TopEntry& a, const TopEntry& b) {
    const uint64_t x = metric_of(a.counters, m), y = metric_of(b.counters, m);
    return x != y ? x > y : a.key < b.key;
  });
  if (all.size() > limit) all.resize(limit);
  return all;
}

void expect_same(const std::vector<TopEntry>& got, const std::vector<TopEntry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key) << "rank " << i;
    EXPECT_EQ(got[i].counters, want[i].counters) << "rank " << i;
  }
}

TEST(TopK, Ipv4KeysCompareAsTheirTexts) {
  // Octets whose texts order differently from their values, and prefixes of each other.
  const std::vector<std::string> texts = {"1.2.3.4",  "10.0.0.1",    "9.0.0.0",   "100.0.0.0",
                                          "2.0.0.0",  "1.2.3.40",    "1.2.3.5",   "1.20.3.4",
                                          "1.2.30.4", "255.255.255.255", "0.0.0.0", "25.0.0.1",
                                          "1.2.3.400x"};
  std::vector<GroupKey> keys;
  for (const auto& t : texts) {
    if (auto a = IpAddress::parse(t)) keys.push_back(host_group(*a));
  }
  ASSERT_EQ(keys.size(), texts.size() - 1);  // the last text is not an address
  for (const GroupKey& a : keys) {
    for (const GroupKey& b : keys) {
      EXPECT_EQ(text_less(Dimension::kSrcHost, a, b),
                group_text(Dimension::kSrcHost, a) < group_text(Dimension::kSrcHost, b))
          << group_text(Dimension::kSrcHost, a) << " vs " << group_text(Dimension::kSrcHost, b);
    }
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    uint8_t x[4], y[4];
    const uint64_t r = rng();
    std::memcpy(x, &r, 4);
    std::memcpy(y, reinterpret_cast<const uint8_t*>(&r) + 4, 4);
    if (i % 3 == 0) std::memcpy(y, x, 3);  // same first octets: the last one decides
    const GroupKey a = host_group(x, 4), b = host_group(y, 4);
    ASSERT_EQ(text_less(Dimension::kDstHost, a, b),
              group_text(Dimension::kDstHost, a) < group_text(Dimension::kDstHost, b));
  }
}

TEST(TopK, MixedFamiliesAndPortsCompareAsTexts) {
  const GroupKey v4 = host_group(ip("198.51.100.7"));
  const GroupKey v6 = host_group(ip("2001:db8::1"));
  EXPECT_TRUE(text_less(Dimension::kSrcHost, v4, v6));  // "1" < "2"
  EXPECT_FALSE(text_less(Dimension::kSrcHost, v6, v4));
  EXPECT_TRUE(text_less(Dimension::kPort, integer_group(443), integer_group(80)));  // "443" < "80"
  EXPECT_EQ(group_text(Dimension::kProto, integer_group(6)), "tcp");
  EXPECT_EQ(group_text(Dimension::kSrcHost, host_group(nullptr, 0)), IpAddress().to_string());
  const uint8_t five[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(group_text(Dimension::kSrcHost, host_group(five, 5)), IpAddress().to_string());
}

TEST(TopK, EqualsAFullSortForEveryLimitWithManyTies) {
  std::mt19937_64 rng(11);
  std::vector<Group> groups;
  for (uint32_t i = 0; i < 5000; ++i) {
    // IPv4 and IPv6 hosts: ties between families and among IPv6 keys compare texts.
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8};
    const uint32_t v = static_cast<uint32_t>(rng());
    const bool v6 = i % 3 == 0;
    std::memcpy(v6 ? a + 12 : a, &v, 4);
    // Few distinct metrics: long runs of ties, as a synthetic network has.
    groups.push_back({host_group(a, v6 ? 16 : 4), Counters3{rng() % 5 * 100, rng() % 3 + 1, 1}});
  }
  // Distinct keys only (a group is offered once).
  std::sort(groups.begin(), groups.end(),
            [](const Group& a, const Group& b) { return a.key.w < b.key.w; });
  groups.erase(std::unique(groups.begin(), groups.end(),
                           [](const Group& a, const Group& b) { return a.key == b.key; }),
               groups.end());
  for (Metric m : {Metric::kBytes, Metric::kPackets, Metric::kFlows}) {
    for (size_t limit : {size_t{1}, size_t{10}, size_t{999}, groups.size() + 5}) {
      TopK top(Dimension::kSrcHost, m, limit);
      for (const Group& g : groups) top.offer(g.key, g.counters);
      expect_same(top.entries(), by_full_sort(Dimension::kSrcHost, m, groups, limit));
    }
  }
}

TEST(TopK, MergeOfDisjointPartsEqualsOneTopK) {
  std::vector<Group> groups;
  for (uint16_t port = 1; port < 3000; ++port) {
    groups.push_back({integer_group(port), Counters3{uint64_t{port} % 7 * 1000, 1, 1}});
  }
  TopK low(Dimension::kDstPort, Metric::kBytes, 20), high(Dimension::kDstPort, Metric::kBytes, 20);
  for (const Group& g : groups) (g.key.w[0] < 1500 ? low : high).offer(g.key, g.counters);
  low.merge(high);
  expect_same(low.entries(), by_full_sort(Dimension::kDstPort, Metric::kBytes, groups, 20));
}

}  // namespace
}  // namespace flowlens::store
