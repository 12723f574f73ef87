#pragma once
// TopK: the `limit` best groups of a top-N, kept in a bounded heap as groups are offered,
// in the order TopQuery defines (metric descending, ties by key text ascending).
//
// Contract:
//  - offer() every group once, in any order; a group offered twice (the same key) is two
//    candidates, so callers offer finished groups only (summed over the whole range).
//  - merge() adds another TopK's candidates: exact when the two saw disjoint sets of
//    groups (a partition of the keys), because each group's total is then in one of them.
//  - Key texts are built only for the answer and for comparisons of tied groups; IPv4
//    keys compare in text order without building text (see text_less), since a synthetic
//    or scanned network can tie millions of hosts at the cut.
//  - Memory: `limit` candidates, whatever the number of groups offered.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/flat_map.h"
#include "model/ip_address.h"
#include "model/rollup.h"
#include "store/query.h"

namespace flowlens::store {

// One group of a top-N: w[0], w[1] = a host's 16 address bytes (an IPv4 address in the
// first 4, the rest zero) and w[2] = its length (4 or 16, 0 = no address); or w[0] = an
// integer key (protocol, port) and w[1] = w[2] = 0.
using GroupKey = WordKey<3>;

GroupKey host_group(const IpAddress& a);
GroupKey host_group(const uint8_t* bytes, size_t n);  // a 4- or 16-byte address, else none
inline GroupKey integer_group(uint64_t v) {
  GroupKey k;
  k.w[0] = v;
  return k;
}

// The text a group is shown as: an address, a protocol name or a port number.
std::string group_text(Dimension d, const GroupKey& k);
std::string integer_group_text(Dimension d, int64_t key);
// group_text(d, a) < group_text(d, b), computed without text for two IPv4 hosts.
bool text_less(Dimension d, const GroupKey& a, const GroupKey& b);

inline uint64_t metric_of(const Counters3& c, Metric m) {
  switch (m) {
    case Metric::kBytes: return c.bytes;
    case Metric::kPackets: return c.packets;
    case Metric::kFlows: return c.flows;
  }
  return c.bytes;
}

class TopK {
 public:
  TopK(Dimension d, Metric m, size_t limit) : dimension_(d), metric_(m), limit_(limit) {
    heap_.reserve(limit);
  }

  void offer(const GroupKey& key, const Counters3& c) {
    const uint64_t v = metric_of(c, metric_);
    if (heap_.size() < limit_) {
      heap_.push_back({v, key, c});
      std::push_heap(heap_.begin(), heap_.end(), Better{this});
      worst_text_known_ = false;
      return;
    }
    if (limit_ == 0) return;
    const Candidate& worst = heap_.front();
    if (v < worst.metric) return;
    if (v == worst.metric && !before_worst(key)) return;
    std::pop_heap(heap_.begin(), heap_.end(), Better{this});
    heap_.back() = {v, key, c};
    std::push_heap(heap_.begin(), heap_.end(), Better{this});
    worst_text_known_ = false;
  }

  void merge(const TopK& other) {
    for (const Candidate& c : other.heap_) offer(c.key, c.counters);
  }

  // The answer, best first.
  std::vector<TopEntry> entries() const;

 private:
  struct Candidate {
    uint64_t metric;
    GroupKey key;
    Counters3 counters;
  };
  // a ranks before b; as the heap's order it keeps the worst candidate on top.
  struct Better {
    const TopK* top;
    bool operator()(const Candidate& a, const Candidate& b) const {
      if (a.metric != b.metric) return a.metric > b.metric;
      return text_less(top->dimension_, a.key, b.key);
    }
  };

  // `key` sorts before the worst candidate's key (their metrics tie).
  bool before_worst(const GroupKey& key);

  Dimension dimension_;
  Metric metric_;
  size_t limit_;
  std::vector<Candidate> heap_;
  // The worst candidate's text once a tie needed it, until the heap changes: a million
  // IPv6 hosts tied at the cut would otherwise format it once each.
  std::string worst_text_;
  bool worst_text_known_ = false;
};

}  // namespace flowlens::store
