#include "meter/aggregation.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace flowlens::meter {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_prefix(std::string_view text, unsigned max, uint8_t& out) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() || v > max) {
    return false;
  }
  out = static_cast<uint8_t>(v);
  return true;
}

uint32_t load_v4(const IpAddress& a) {
  return (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) |
         (uint32_t{a.bytes[2]} << 8) | a.bytes[3];
}

}  // namespace

Aggregation::Aggregation() : Aggregation(parse(kDefaultAggregate).value()) {}

Result<Aggregation> Aggregation::parse(std::string_view spec, std::vector<IpNetwork> local_nets) {
  Aggregation a{Empty{}};
  std::string_view rest = spec;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    std::string_view name = item;
    std::string_view lengths;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      name = item.substr(0, slash);
      lengths = item.substr(slash + 1);
    }
    const auto field = parse_aggregate_name(name);
    if (!field) {
      return Error{"--aggregate: unknown primitive '" + std::string(name) +
                   "' (known: src_host, dst_host, src_net, dst_net, src_port, dst_port, proto, "
                   "tos, src_mac, dst_mac, vlan, tcpflags, direction)"};
    }
    if (!lengths.empty()) {
      if (*field != FlowField::kSrcNet && *field != FlowField::kDstNet) {
        return Error{"--aggregate: '" + std::string(item) + "': only src_net/dst_net take a /prefix"};
      }
      const bool src = *field == FlowField::kSrcNet;
      const size_t slash = lengths.find('/');
      uint8_t v4 = 0;
      uint8_t v6 = src ? a.src_mask_v6_ : a.dst_mask_v6_;
      bool ok = parse_prefix(lengths.substr(0, slash), 32, v4);
      if (ok && slash != std::string_view::npos) ok = parse_prefix(lengths.substr(slash + 1), 128, v6);
      if (!ok) {
        return Error{"--aggregate: '" + std::string(item) +
                     "': expected NAME/V4LEN[/V6LEN] with V4LEN <= 32 and V6LEN <= 128"};
      }
      (src ? a.src_mask_v4_ : a.dst_mask_v4_) = v4;
      (src ? a.src_mask_v6_ : a.dst_mask_v6_) = v6;
    }
    a.fields_.add(*field);
  }
  if (a.fields_.empty()) return Error{"--aggregate: no primitive given"};
  if (a.fields_.has(FlowField::kDirection) && local_nets.empty()) {
    return Error{"--aggregate direction needs at least one --local-net CIDR"};
  }
  a.any_address_ = a.fields_.has(FlowField::kSrcHost) || a.fields_.has(FlowField::kDstHost) ||
                   a.fields_.has(FlowField::kSrcNet) || a.fields_.has(FlowField::kDstNet);
  a.with_direction_ = a.fields_.has(FlowField::kDirection);
  a.local_nets_ = std::move(local_nets);
  a.mask_v4_ = a.make_mask(IpFamily::kV4);
  a.mask_v6_ = a.make_mask(IpFamily::kV6);
  std::memcpy(a.mask_words_v4_, &a.mask_v4_, sizeof a.mask_words_v4_);
  for (const IpNetwork& n : a.local_nets_) {
    if (n.address.family == IpFamily::kV4) {
      const uint32_t mask = n.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - n.prefix_len);
      a.local_v4_.emplace_back(load_v4(n.address), mask);
    }
  }
  return a;
}

bool Aggregation::is_local(const IpAddress& a) const {
  if (a.family == IpFamily::kV4) return is_local_v4(load_v4(a));
  for (const IpNetwork& n : local_nets_) {
    if (n.contains(a)) return true;
  }
  return false;
}

Direction Aggregation::direction(const IpAddress& src, const IpAddress& dst) const {
  const bool s = is_local(src);
  const bool d = is_local(dst);
  if (s && d) return Direction::kLocal;
  if (d) return Direction::kIn;
  if (s) return Direction::kOut;
  return Direction::kTransit;
}

Direction Aggregation::direction_v4(uint32_t src, uint32_t dst) const {
  const bool s = is_local_v4(src);
  const bool d = is_local_v4(dst);
  if (s && d) return Direction::kLocal;
  if (d) return Direction::kIn;
  if (s) return Direction::kOut;
  return Direction::kTransit;
}

FlowKey Aggregation::make_mask(IpFamily family) const {
  const FlowFields f = fields_;
  auto prefix_bytes = [](unsigned len) {
    std::array<uint8_t, 16> m{};
    for (unsigned i = 0; i < 16; ++i) {
      const unsigned bits = len > 8 * i ? std::min(8u, len - 8 * i) : 0;
      m[i] = static_cast<uint8_t>(0xFF00u >> bits);
    }
    return m;
  };
  FlowKey m;
  std::array<uint8_t, 16> all;
  all.fill(0xFF);
  if (f.has(FlowField::kSrcHost)) {
    m.src = all;
  } else if (f.has(FlowField::kSrcNet)) {
    m.src = prefix_bytes(src_mask(family));
  }
  if (f.has(FlowField::kDstHost)) {
    m.dst = all;
  } else if (f.has(FlowField::kDstNet)) {
    m.dst = prefix_bytes(dst_mask(family));
  }
  if (any_address_) m.family = 0xFF;
  if (f.has(FlowField::kSrcPort)) m.src_port = 0xFFFF;
  if (f.has(FlowField::kDstPort)) m.dst_port = 0xFFFF;
  if (f.has(FlowField::kProto)) m.ip_proto = 0xFF;
  if (f.has(FlowField::kTos)) m.tos = 0xFF;
  if (f.has(FlowField::kSrcMac)) m.mac_src.fill(0xFF);
  if (f.has(FlowField::kDstMac)) m.mac_dst.fill(0xFF);
  if (f.has(FlowField::kVlan)) m.vlan = 0xFFFF;
  if (f.has(FlowField::kTcpFlags)) m.tcp_flags = 0xFF;
  if (f.has(FlowField::kDirection)) m.direction = 0xFF;
  return m;
}

void Aggregation::fill_record(const FlowKey& key, FlowRecord& r) const {
  const auto family = static_cast<IpFamily>(key.family);
  r.src.bytes = key.src;
  r.dst.bytes = key.dst;
  r.src.family = family;
  r.dst.family = family;
  if (fields_.has(FlowField::kSrcNet)) r.src_mask = src_mask(family);
  if (fields_.has(FlowField::kDstNet)) r.dst_mask = dst_mask(family);
  r.src_port = key.src_port;
  r.dst_port = key.dst_port;
  r.vlan = key.vlan;
  r.mac_src = key.mac_src;
  r.mac_dst = key.mac_dst;
  r.ip_proto = key.ip_proto;
  r.tos = key.tos;
  r.direction = static_cast<Direction>(key.direction);
  r.source = SourceKind::kPcap;
}

}  // namespace flowlens::meter
