#include "process/rollup_accumulator.h"

#include <cstring>

namespace flowlens::process {
namespace {

constexpr int64_t kMinuteNs = int64_t{60} * 1'000'000'000;
constexpr Resolution kCoarse[] = {Resolution::kMinute, Resolution::kHour, Resolution::kDay};
// Emptied window tables kept for reuse (their slot arrays are already grown).
constexpr size_t kSpareTables = 4;

uint64_t res_bits(Resolution res, int shift) {
  return uint64_t{static_cast<uint8_t>(res)} << shift;
}

uint64_t port_word(uint8_t proto, uint16_t port, Direction d) {
  return uint64_t{proto} | uint64_t{port} << 8 | uint64_t{static_cast<uint8_t>(d)} << 24;
}

uint64_t side_bits(HostSide side) { return uint64_t{static_cast<uint8_t>(side)} << 8; }

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

}  // namespace

RollupAccumulator::RollupAccumulator(int64_t window_ns)
    : window_ns_(window_ns), fold_coarse_(window_ns > 0 && kMinuteNs % window_ns == 0) {}

RollupAccumulator::~RollupAccumulator() = default;

void RollupAccumulator::prefetch(const RecordFacts& f) const {
  if (last_ != nullptr && last_->bucket == f.window_start) {
    last_->hosts_in.prefetch(f.dst_host_hash);
    last_->hosts_out.prefetch(f.src_host_hash);
  }
}

RollupAccumulator::WindowTables& RollupAccumulator::tables_for(int64_t bucket) {
  if (last_ != nullptr && last_->bucket == bucket) {
    return *last_;
  }
  // Newest first: apart from late records, a new bucket is the one after the last.
  for (auto it = windows_.rbegin(); it != windows_.rend(); ++it) {
    if ((*it)->bucket == bucket) {
      last_ = it->get();
      return *last_;
    }
  }
  std::unique_ptr<WindowTables> t;
  if (!spare_.empty()) {
    t = std::move(spare_.back());
    spare_.pop_back();
  } else {
    t = std::make_unique<WindowTables>();
  }
  t->bucket = bucket;
  last_ = t.get();
  windows_.push_back(std::move(t));
  return *last_;
}

void RollupAccumulator::add(const FlowRecord& r, const RecordFacts& f) {
  WindowTables& t = tables_for(f.window_start);
  t.ports.find_or_insert({{port_word(r.ip_proto, f.service_port, f.direction)}}) += f.counters;
  // Remote hosts are kept too: hour and day rows need them; take() filters window rows.
  HostValue& in = t.hosts_in.find_or_insert(
      {{f.dst.hi, f.dst.lo, static_cast<uint64_t>(r.dst.family)}}, f.dst_host_hash);
  in.counters += f.counters;
  in.local = f.dst_local;
  HostValue& out = t.hosts_out.find_or_insert(
      {{f.src.hi, f.src.lo, static_cast<uint64_t>(r.src.family)}}, f.src_host_hash);
  out.counters += f.counters;
  out.local = f.src_local;
  if (fold_coarse_) {
    return;
  }
  for (Resolution res : kCoarse) {
    add_coarse(res, bucket_start(r.start_ns, resolution_ns(res, window_ns_)), r, f);
  }
}

void RollupAccumulator::add_coarse(Resolution res, int64_t bucket, const FlowRecord& r,
                                   const RecordFacts& f) {
  const int level = static_cast<int>(res) - 1;
  const uint64_t b = static_cast<uint64_t>(bucket);
  coarse_ports_[level].find_or_insert({{b, port_word(r.ip_proto, f.service_port, f.direction)}}) +=
      f.counters;
  if (keeps_host(res, f.dst_local)) {
    HostValue& v = coarse_hosts_[level].find_or_insert(
        {{b, f.dst.hi, f.dst.lo, static_cast<uint64_t>(r.dst.family) | side_bits(HostSide::kIn)}});
    v.counters += f.counters;
    v.local = f.dst_local;
  }
  if (keeps_host(res, f.src_local)) {
    HostValue& v = coarse_hosts_[level].find_or_insert(
        {{b, f.src.hi, f.src.lo, static_cast<uint64_t>(r.src.family) | side_bits(HostSide::kOut)}});
    v.counters += f.counters;
    v.local = f.src_local;
  }
}

// Window rows of one bucket; in fold mode also their minute sums (ports, local hosts) and
// hour sums (all hosts).
void RollupAccumulator::emit_window(const WindowTables& t, RollupDelta& d) {
  const uint64_t minute = static_cast<uint64_t>(bucket_start(t.bucket, kMinuteNs));
  const uint64_t hour =
      static_cast<uint64_t>(bucket_start(t.bucket, resolution_ns(Resolution::kHour, 0)));
  t.ports.for_each([&](const WordKey<1>& k, const Counters3& c) {
    d.ports.push_back({Resolution::kWindow, t.bucket, static_cast<uint8_t>(k.w[0]),
                       static_cast<uint16_t>(k.w[0] >> 8),
                       static_cast<Direction>((k.w[0] >> 24) & 0xff), c});
    if (fold_coarse_) {
      coarse_ports_[0].find_or_insert({{minute, k.w[0]}}) += c;
    }
  });
  const auto hosts = [&](const FlatMap<3, HostValue>& table, HostSide side) {
    table.for_each([&](const WordKey<3>& k, const HostValue& v) {
      if (v.local) {
        d.hosts.push_back(
            {Resolution::kWindow, t.bucket, address_of(k.w[0], k.w[1], k.w[2]), side, v.counters});
      }
      if (!fold_coarse_) {
        return;
      }
      const uint64_t word = k.w[2] | side_bits(side);
      if (v.local) {
        HostValue& m = coarse_hosts_[0].find_or_insert({{minute, k.w[0], k.w[1], word}});
        m.counters += v.counters;
        m.local = true;
      }
      HostValue& h = coarse_hosts_[1].find_or_insert({{hour, k.w[0], k.w[1], word}});
      h.counters += v.counters;
      h.local = v.local;
    });
  };
  hosts(t.hosts_in, HostSide::kIn);
  hosts(t.hosts_out, HostSide::kOut);
}

// Minute ports -> hour ports -> day ports, hour hosts -> day hosts (fold mode).
void RollupAccumulator::fold_coarse_chain() {
  const int64_t lengths[3] = {kMinuteNs, resolution_ns(Resolution::kHour, 0),
                              resolution_ns(Resolution::kDay, 0)};
  for (int level = 1; level < 3; ++level) {
    const int64_t length = lengths[level];
    coarse_ports_[level - 1].for_each([&](const WordKey<2>& k, const Counters3& c) {
      const auto b = static_cast<uint64_t>(bucket_start(static_cast<int64_t>(k.w[0]), length));
      coarse_ports_[level].find_or_insert({{b, k.w[1]}}) += c;
    });
  }
  coarse_hosts_[1].for_each([&](const WordKey<4>& k, const HostValue& v) {
    const auto b = static_cast<uint64_t>(bucket_start(static_cast<int64_t>(k.w[0]), lengths[2]));
    HostValue& day = coarse_hosts_[2].find_or_insert({{b, k.w[1], k.w[2], k.w[3]}});
    day.counters += v.counters;
    day.local = v.local;
  });
}

RollupDelta RollupAccumulator::take() {
  RollupDelta d;
  d.window_ns = window_ns_;
  for (const auto& t : windows_) {
    emit_window(*t, d);
  }
  if (fold_coarse_) {
    fold_coarse_chain();
  }
  // Sized once: with 2 M hosts per window, growing by doubling copied and briefly held
  // twice the rows.
  size_t coarse_ports = 0, coarse_hosts = 0;
  for (int level = 0; level < 3; ++level) {
    coarse_ports += coarse_ports_[level].size();
    coarse_hosts += coarse_hosts_[level].size();
  }
  d.ports.reserve(d.ports.size() + coarse_ports);
  d.hosts.reserve(d.hosts.size() + coarse_hosts);
  for (int level = 0; level < 3; ++level) {
    const Resolution res = kCoarse[level];
    coarse_ports_[level].for_each([&d, res](const WordKey<2>& k, const Counters3& c) {
      d.ports.push_back({res, static_cast<int64_t>(k.w[0]), static_cast<uint8_t>(k.w[1]),
                         static_cast<uint16_t>(k.w[1] >> 8),
                         static_cast<Direction>((k.w[1] >> 24) & 0xff), c});
    });
    coarse_hosts_[level].for_each([&d, res](const WordKey<4>& k, const HostValue& v) {
      d.hosts.push_back({res, static_cast<int64_t>(k.w[0]), address_of(k.w[1], k.w[2], k.w[3]),
                         static_cast<HostSide>((k.w[3] >> 8) & 0xff), v.counters});
    });
    coarse_ports_[level].clear();
    coarse_hosts_[level].clear();
  }
  // A traffic row is the sum of the port rows sharing its bucket, protocol and direction.
  for (const PortRollup& p : d.ports) {
    traffic_.find_or_insert({{static_cast<uint64_t>(p.bucket_ns),
                              uint64_t{p.ip_proto} | uint64_t{static_cast<uint8_t>(p.direction)} << 8 |
                                  res_bits(p.resolution, 16)}}) += p.counters;
  }
  d.traffic.reserve(traffic_.size());
  traffic_.for_each([&d](const WordKey<2>& k, const Counters3& c) {
    d.traffic.push_back({static_cast<Resolution>((k.w[1] >> 16) & 0xff),
                         static_cast<int64_t>(k.w[0]), static_cast<uint8_t>(k.w[1]),
                         static_cast<Direction>((k.w[1] >> 8) & 0xff), c});
  });
  traffic_.clear();
  for (auto& t : windows_) {
    if (spare_.size() < kSpareTables) {
      t->ports.clear();
      t->hosts_in.clear();
      t->hosts_out.clear();
      spare_.push_back(std::move(t));
    }
  }
  windows_.clear();
  last_ = nullptr;
  return d;
}

}  // namespace flowlens::process
