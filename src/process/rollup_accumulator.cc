#include "process/rollup_accumulator.h"

#include <cstring>
#include <utility>
#include <vector>

namespace flowlens::process {
namespace {

constexpr int64_t kMinuteNs = int64_t{60} * 1'000'000'000;
constexpr Resolution kCoarse[] = {Resolution::kMinute, Resolution::kHour, Resolution::kDay};

uint64_t traffic_word(uint8_t proto, Direction d, Resolution res) {
  return uint64_t{proto} | uint64_t{static_cast<uint8_t>(d)} << 8 |
         uint64_t{static_cast<uint8_t>(res)} << 16;
}

uint64_t port_word(uint8_t proto, uint16_t port, Direction d, Resolution res) {
  return uint64_t{proto} | uint64_t{port} << 8 | uint64_t{static_cast<uint8_t>(d)} << 24 |
         uint64_t{static_cast<uint8_t>(res)} << 32;
}

uint64_t host_word(IpFamily family, HostSide side, Resolution res) {
  return uint64_t{static_cast<uint8_t>(family)} | uint64_t{static_cast<uint8_t>(side)} << 8 |
         uint64_t{static_cast<uint8_t>(res)} << 16;
}

Resolution resolution_of(uint64_t word, int shift) {
  return static_cast<Resolution>((word >> shift) & 0xff);
}

IpAddress address_of(uint64_t hi, uint64_t lo, uint64_t family_word) {
  IpAddress a;
  std::memcpy(a.bytes.data(), &hi, 8);
  std::memcpy(a.bytes.data() + 8, &lo, 8);
  a.family = static_cast<IpFamily>(family_word & 0xff);
  return a;
}

// Windows and minutes keep local hosts only (model/rollup.h).
bool keeps_host(Resolution res, bool local) {
  return local || res == Resolution::kHour || res == Resolution::kDay;
}

// Copies every entry out and empties the map (the fold re-inserts coarse keys into it).
template <size_t N, typename V>
std::vector<std::pair<WordKey<N>, V>> drain(FlatMap<N, V>& map) {
  std::vector<std::pair<WordKey<N>, V>> out;
  out.reserve(map.size());
  map.for_each([&out](const WordKey<N>& k, const V& v) { out.emplace_back(k, v); });
  map.clear();
  return out;
}

}  // namespace

RollupAccumulator::RollupAccumulator(int64_t window_ns)
    : window_ns_(window_ns), fold_coarse_(window_ns > 0 && kMinuteNs % window_ns == 0) {}

void RollupAccumulator::add(const FlowRecord& r, const RecordFacts& f) {
  add_at(Resolution::kWindow, bucket_start(r.start_ns, window_ns_), r, f);
  if (fold_coarse_) {
    return;
  }
  for (Resolution res : kCoarse) {
    add_at(res, bucket_start(r.start_ns, resolution_ns(res, window_ns_)), r, f);
  }
}

void RollupAccumulator::add_at(Resolution res, int64_t bucket, const FlowRecord& r,
                               const RecordFacts& f) {
  const uint64_t b = static_cast<uint64_t>(bucket);
  traffic_.find_or_insert({{b, traffic_word(r.ip_proto, f.direction, res)}}) += f.counters;
  ports_.find_or_insert({{b, port_word(r.ip_proto, f.service_port, f.direction, res)}}) +=
      f.counters;
  // In fold mode the window tables keep remote hosts too: hour and day rows need them.
  const bool keep_all = fold_coarse_ || res == Resolution::kHour || res == Resolution::kDay;
  if (keep_all || f.dst_local) {
    HostValue& v = hosts_.find_or_insert(
        {{b, f.dst.hi, f.dst.lo, host_word(r.dst.family, HostSide::kIn, res)}});
    v.counters += f.counters;
    v.local = f.dst_local;
  }
  if (keep_all || f.src_local) {
    HostValue& v = hosts_.find_or_insert(
        {{b, f.src.hi, f.src.lo, host_word(r.src.family, HostSide::kOut, res)}});
    v.counters += f.counters;
    v.local = f.src_local;
  }
}

RollupDelta RollupAccumulator::take() {
  if (fold_coarse_) {
    fold_into_coarse();
  }
  RollupDelta d;
  d.window_ns = window_ns_;
  d.traffic.reserve(traffic_.size());
  traffic_.for_each([&d](const WordKey<2>& k, const Counters3& c) {
    d.traffic.push_back({resolution_of(k.w[1], 16), static_cast<int64_t>(k.w[0]),
                         static_cast<uint8_t>(k.w[1]), static_cast<Direction>((k.w[1] >> 8) & 0xff),
                         c});
  });
  d.ports.reserve(ports_.size());
  ports_.for_each([&d](const WordKey<2>& k, const Counters3& c) {
    d.ports.push_back({resolution_of(k.w[1], 32), static_cast<int64_t>(k.w[0]),
                       static_cast<uint8_t>(k.w[1]), static_cast<uint16_t>(k.w[1] >> 8),
                       static_cast<Direction>((k.w[1] >> 24) & 0xff), c});
  });
  d.hosts.reserve(hosts_.size());
  hosts_.for_each([&d](const WordKey<4>& k, const HostValue& v) {
    const Resolution res = resolution_of(k.w[3], 16);
    if (keeps_host(res, v.local)) {
      d.hosts.push_back({res, static_cast<int64_t>(k.w[0]), address_of(k.w[1], k.w[2], k.w[3]),
                         static_cast<HostSide>((k.w[3] >> 8) & 0xff), v.counters});
    }
  });
  traffic_.clear();
  ports_.clear();
  hosts_.clear();
  return d;
}

// Re-inserts every window row, then its minute, hour and day rows, into the emptied
// tables; take() then reads all four resolutions from them.
void RollupAccumulator::fold_into_coarse() {
  const auto coarse_bucket = [this](uint64_t window_bucket, Resolution res) {
    return static_cast<uint64_t>(
        bucket_start(static_cast<int64_t>(window_bucket), resolution_ns(res, window_ns_)));
  };
  for (const auto& [k, c] : drain(traffic_)) {
    traffic_.find_or_insert(k) += c;
    for (Resolution res : kCoarse) {
      const uint64_t word = (k.w[1] & ~(uint64_t{0xff} << 16)) | uint64_t{static_cast<uint8_t>(res)} << 16;
      traffic_.find_or_insert({{coarse_bucket(k.w[0], res), word}}) += c;
    }
  }
  for (const auto& [k, c] : drain(ports_)) {
    ports_.find_or_insert(k) += c;
    for (Resolution res : kCoarse) {
      const uint64_t word = (k.w[1] & ~(uint64_t{0xff} << 32)) | uint64_t{static_cast<uint8_t>(res)} << 32;
      ports_.find_or_insert({{coarse_bucket(k.w[0], res), word}}) += c;
    }
  }
  for (const auto& [k, v] : drain(hosts_)) {
    hosts_.find_or_insert(k) = v;
    for (Resolution res : kCoarse) {
      if (!keeps_host(res, v.local)) {
        continue;
      }
      const uint64_t word = (k.w[3] & ~(uint64_t{0xff} << 16)) | uint64_t{static_cast<uint8_t>(res)} << 16;
      HostValue& coarse = hosts_.find_or_insert({{coarse_bucket(k.w[0], res), k.w[1], k.w[2], word}});
      coarse.counters += v.counters;
      coarse.local = v.local;
    }
  }
}

}  // namespace flowlens::process
