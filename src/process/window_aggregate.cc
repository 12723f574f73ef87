#include "process/window_aggregate.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace flowlens::process {
namespace {

using HostKey = WindowAggregate::HostKey;
using PortKey = WordKey<1>;

IpAddress address_of(const HostKey& k) {
  IpAddress a;
  std::memcpy(a.bytes.data(), &k.w[0], 8);
  std::memcpy(a.bytes.data() + 8, &k.w[1], 8);
  a.family = static_cast<IpFamily>(k.w[2]);
  return a;
}

// Address order for ties: family first (IPv4 before IPv6), then the bytes as written.
bool host_less(const HostKey& a, const HostKey& b) {
  if (a.w[2] != b.w[2]) {
    return a.w[2] < b.w[2];
  }
  const IpAddress x = address_of(a);
  const IpAddress y = address_of(b);
  return std::memcmp(x.bytes.data(), y.bytes.data(), x.bytes.size()) < 0;
}

bool port_less(const PortKey& a, const PortKey& b) { return a.w[0] < b.w[0]; }

// The top `n` entries by bytes desc, ties by `key_less`: one pass to copy, then a partial
// sort, O(size log n); a window holds at most a few hundred thousand keys.
template <size_t N, typename KeyLess, typename KeyText>
std::vector<TopItem> top_items(const FlatMap<N, Counters3>& map, uint32_t n, KeyLess key_less,
                               KeyText key_text) {
  std::vector<std::pair<WordKey<N>, Counters3>> all;
  all.reserve(map.size());
  map.for_each([&all](const WordKey<N>& k, const Counters3& c) { all.emplace_back(k, c); });
  const size_t k = std::min<size_t>(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                    [&key_less](const auto& a, const auto& b) {
                      if (a.second.bytes != b.second.bytes) {
                        return a.second.bytes > b.second.bytes;
                      }
                      return key_less(a.first, b.first);
                    });
  std::vector<TopItem> items;
  items.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    items.push_back({key_text(all[i].first), all[i].second});
  }
  return items;
}

std::string host_text(const HostKey& k) { return address_of(k).to_string(); }
std::string port_text(const PortKey& k) { return std::to_string(k.w[0]); }

}  // namespace

void WindowAggregate::reset(int64_t start_ns, size_t network_count) {
  start_ns_ = start_ns;
  totals_ = {};
  protocols_.fill({});
  protocol_seen_.fill(0);
  src_hosts_.clear();
  dst_hosts_.clear();
  src_ports_.clear();
  dst_ports_.clear();
  networks_.assign(network_count, {});
}

void WindowAggregate::add(const FlowRecord& r, const RecordFacts& f,
                          const LocalNetworkSet& nets) {
  totals_ += f.counters;
  protocols_[r.ip_proto] += f.counters;
  protocol_seen_[r.ip_proto >> 6] |= uint64_t{1} << (r.ip_proto & 63);
  src_hosts_.find_or_insert(host_key(f.src, r.src.family), f.src_host_hash) += f.counters;
  dst_hosts_.find_or_insert(host_key(f.dst, r.dst.family), f.dst_host_hash) += f.counters;
  if (f.has_ports) {
    src_ports_.find_or_insert({{r.src_port}}) += f.counters;
    dst_ports_.find_or_insert({{r.dst_port}}) += f.counters;
  }
  for (size_t i = 0; i < networks_.size(); ++i) {
    const bool src_in = nets.contains(i, r.src, f.src);
    const bool dst_in = nets.contains(i, r.dst, f.dst);
    if (dst_in && !src_in) {
      networks_[i].in += f.counters;
    } else if (src_in && !dst_in) {
      networks_[i].out += f.counters;
    }
  }
}

WindowSummary WindowAggregate::summarize(int64_t end_ns, uint32_t top_n,
                                         const std::vector<IpNetwork>& networks) const {
  WindowSummary s;
  s.start_ns = start_ns_;
  s.end_ns = end_ns;
  s.totals = totals_;
  for (size_t p = 0; p < protocols_.size(); ++p) {
    if ((protocol_seen_[p >> 6] >> (p & 63)) & 1) {
      s.protocols.push_back({static_cast<uint8_t>(p), protocols_[p]});
    }
  }
  // Stable: equal byte counts keep ascending protocol numbers.
  std::stable_sort(s.protocols.begin(), s.protocols.end(),
                   [](const ProtoTraffic& a, const ProtoTraffic& b) {
                     return a.counters.bytes > b.counters.bytes;
                   });
  s.top_src_hosts = top_items(src_hosts_, top_n, host_less, host_text);
  s.top_dst_hosts = top_items(dst_hosts_, top_n, host_less, host_text);
  s.top_src_ports = top_items(src_ports_, top_n, port_less, port_text);
  s.top_dst_ports = top_items(dst_ports_, top_n, port_less, port_text);
  s.local_networks.reserve(networks_.size());
  for (size_t i = 0; i < networks_.size(); ++i) {
    s.local_networks.push_back({networks[i], networks_[i].in, networks_[i].out});
  }
  uint64_t active = src_hosts_.size();
  dst_hosts_.for_each([&](const HostKey& k, const Counters3&) {
    if (src_hosts_.find(k) == nullptr) {
      ++active;
    }
  });
  s.active_hosts = active;
  return s;
}

}  // namespace flowlens::process
