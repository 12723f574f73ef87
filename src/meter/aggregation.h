#pragma once
// Aggregation: which fields make up a flow key (pmacct's `aggregate` primitives) and how
// a packet's key is built from them.
//
// Spec syntax (`--aggregate`): comma-separated pmacct primitive names:
//   src_host, dst_host, src_net, dst_net, src_port, dst_port, proto, tos, src_mac,
//   dst_mac, vlan, tcpflags, direction
// src_net / dst_net take an optional prefix length for IPv4 and IPv6:
//   src_net/24 (IPv4 /24, IPv6 /64), src_net/16/48 (IPv4 /16, IPv6 /48); default /24 and
//   /64. (pmacct sets one `networks_mask` for both; one length per family and side is the
//   smallest generalisation that stays meaningful for IPv6.)
// `direction` needs at least one local network (--local-net); see flowlens::Direction.
//
// build_key() writes only the chosen fields; the others stay zero. Thread-compatible:
// const methods may be called from several threads.

#include <cstring>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "decode/packet/decoded_packet.h"
#include "meter/flow_key.h"
#include "model/flow_output.h"
#include "model/flow_record.h"

namespace flowlens::meter {

// pmacct's default for pmacctd's print plugin in our tests: the 5-tuple.
inline constexpr std::string_view kDefaultAggregate = "src_host,dst_host,src_port,dst_port,proto";

class Aggregation {
 public:
  // The default aggregate (kDefaultAggregate), no local networks.
  Aggregation();

  // Parses `spec`; errors name the offending item. `local_nets` are the networks used
  // for `direction`.
  static Result<Aggregation> parse(std::string_view spec, std::vector<IpNetwork> local_nets = {});

  FlowFields fields() const { return fields_; }
  const std::vector<IpNetwork>& local_nets() const { return local_nets_; }

  // Key of a decoded IP packet, with the transport ports to use (after fragment
  // resolution: a later fragment carries its first fragment's ports).
  // Branch-free on the hot path: every field is copied, then the key is ANDed with the
  // precomputed mask of the packet's family (chosen fields and prefix lengths).
  void build_key(const decode::DecodedPacket& p, uint16_t src_port, uint16_t dst_port,
                 FlowKey& key) const {
    key.src = p.src.bytes;
    key.dst = p.dst.bytes;
    key.src_port = src_port;
    key.dst_port = dst_port;
    key.vlan = p.vlan;
    key.mac_src = p.mac_src;
    key.mac_dst = p.mac_dst;
    key.family = static_cast<uint8_t>(p.src.family);
    key.ip_proto = p.ip_proto;
    key.tos = p.tos;
    key.tcp_flags = p.tcp_flags;
    key.direction = with_direction_ ? static_cast<uint8_t>(direction(p.src, p.dst)) : 0;
    key.reserved = 0;
    const FlowKey& mask = p.src.family == IpFamily::kV6 ? mask_v6_ : mask_v4_;
    uint64_t k[7];
    uint64_t m[7];
    std::memcpy(k, &key, sizeof k);
    std::memcpy(m, &mask, sizeof m);
    for (int i = 0; i < 7; ++i) k[i] &= m[i];
    std::memcpy(&key, k, sizeof k);
  }

  // Direction of a packet from `src` to `dst` relative to the local networks.
  Direction direction(const IpAddress& src, const IpAddress& dst) const;

  // Writes the key's fields (addresses, masks, ports, ...) into `record`.
  void fill_record(const FlowKey& key, FlowRecord& record) const;

  uint8_t src_mask(IpFamily f) const { return f == IpFamily::kV6 ? src_mask_v6_ : src_mask_v4_; }
  uint8_t dst_mask(IpFamily f) const { return f == IpFamily::kV6 ? dst_mask_v6_ : dst_mask_v4_; }

 private:
  struct Empty {};
  explicit Aggregation(Empty) {}
  FlowKey make_mask(IpFamily family) const;
  bool is_local(const IpAddress& a) const;

  FlowFields fields_;
  uint8_t src_mask_v4_ = 24;
  uint8_t src_mask_v6_ = 64;
  uint8_t dst_mask_v4_ = 24;
  uint8_t dst_mask_v6_ = 64;
  bool any_address_ = false;
  bool with_direction_ = false;
  FlowKey mask_v4_;  // AND masks applied by build_key, per address family
  FlowKey mask_v6_;
  std::vector<IpNetwork> local_nets_;
  // IPv4 local networks as (network, mask) words for a branch-light lookup.
  std::vector<std::pair<uint32_t, uint32_t>> local_v4_;
};

}  // namespace flowlens::meter
