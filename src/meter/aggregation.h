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

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "decode/packet/decoded_packet.h"
#include "decode/packet/packet_decoder.h"
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
    // The seven key words are assembled in registers and stored whole: writing the
    // fields one by one and reading them back as words made every load wait on a
    // failed store-to-load forward (measured: ~10 ns per packet).
    uint64_t k[7];
    std::memcpy(&k[0], p.src.bytes.data(), 16);
    std::memcpy(&k[2], p.dst.bytes.data(), 16);
    const uint64_t ms = load_mac(p.mac_src);
    const uint64_t md = load_mac(p.mac_dst);
    const uint64_t dir = with_direction_ ? static_cast<uint64_t>(direction(p.src, p.dst)) : 0;
    static_assert(std::endian::native == std::endian::little, "key words are little-endian");
    k[4] = uint64_t{src_port} | (uint64_t{dst_port} << 16) | (uint64_t{p.vlan} << 32) |
           ((ms & 0xFFFF) << 48);
    k[5] = (ms >> 16) | ((md & 0xFFFFFFFF) << 32);
    k[6] = (md >> 32) | (uint64_t{static_cast<uint8_t>(p.src.family)} << 16) |
           (uint64_t{p.ip_proto} << 24) | (uint64_t{p.tos} << 32) |
           (uint64_t{p.tcp_flags} << 40) | (dir << 48);
    const FlowKey& mask = p.src.family == IpFamily::kV6 ? mask_v6_ : mask_v4_;
    uint64_t m[7];
    std::memcpy(m, &mask, sizeof m);
    for (int i = 0; i < 7; ++i) k[i] &= m[i];
    std::memcpy(&key, k, sizeof k);
  }

  // Writes the key of a packet from the decoder's IPv4 fast path (PacketDecoder::
  // decode_ipv4_l4) and returns hash_key() of it: bit for bit the key build_key() makes
  // from the equivalent DecodedPacket with its own ports. The words go from registers
  // to `key` and to the hash (a stack array read back whole stalled on store
  // forwarding: measured ~20 % of the fast path).
  uint64_t build_key_and_hash(const decode::Ipv4L4Fields& f, FlowKey& key) const {
    const uint64_t dir =
        with_direction_ ? static_cast<uint64_t>(direction_v4(__builtin_bswap32(f.src),
                                                             __builtin_bswap32(f.dst)))
                        : 0;
    const uint64_t k0 = f.src & mask_words_v4_[0];
    const uint64_t k2 = f.dst & mask_words_v4_[2];
    const uint64_t k4 = (uint64_t{f.src_port} | (uint64_t{f.dst_port} << 16) |
                         (uint64_t{f.vlan} << 32) | ((f.mac_src & 0xFFFF) << 48)) &
                        mask_words_v4_[4];
    const uint64_t k5 = ((f.mac_src >> 16) | ((f.mac_dst & 0xFFFFFFFF) << 32)) & mask_words_v4_[5];
    const uint64_t k6 = ((f.mac_dst >> 32) | (uint64_t{static_cast<uint8_t>(IpFamily::kV4)} << 16) |
                         (uint64_t{f.ip_proto} << 24) | (uint64_t{f.tos} << 32) |
                         (uint64_t{f.tcp_flags} << 40) | (dir << 48)) &
                        mask_words_v4_[6];
    auto* out = reinterpret_cast<unsigned char*>(&key);
    const uint64_t zero = 0;
    std::memcpy(out, &k0, 8);
    std::memcpy(out + 8, &zero, 8);
    std::memcpy(out + 16, &k2, 8);
    std::memcpy(out + 24, &zero, 8);
    std::memcpy(out + 32, &k4, 8);
    std::memcpy(out + 40, &k5, 8);
    std::memcpy(out + 48, &k6, 8);
    return hash_key_words(k0, 0, k2, 0, k4, k5, k6);
  }

  // Direction of a packet from `src` to `dst` relative to the local networks.
  Direction direction(const IpAddress& src, const IpAddress& dst) const;

  // Writes the key's fields (addresses, masks, ports, ...) into `record`.
  void fill_record(const FlowKey& key, FlowRecord& record) const;

  uint8_t src_mask(IpFamily f) const { return f == IpFamily::kV6 ? src_mask_v6_ : src_mask_v4_; }
  uint8_t dst_mask(IpFamily f) const { return f == IpFamily::kV6 ? dst_mask_v6_ : dst_mask_v4_; }

 private:
  // A MAC address as the low 48 bits of a word, from a 4-byte and a 2-byte load (a
  // 6-byte memcpy into a zeroed word goes through the stack and stalls the next load).
  static uint64_t load_mac(const std::array<uint8_t, 6>& mac) {
    uint32_t lo = 0;
    uint16_t hi = 0;
    std::memcpy(&lo, mac.data(), 4);
    std::memcpy(&hi, mac.data() + 4, 2);
    return uint64_t{lo} | (uint64_t{hi} << 32);
  }

  struct Empty {};
  explicit Aggregation(Empty) {}
  FlowKey make_mask(IpFamily family) const;
  bool is_local(const IpAddress& a) const;
  bool is_local_v4(uint32_t a) const {
    for (const auto& [net, mask] : local_v4_) {
      if ((a & mask) == net) return true;
    }
    return false;
  }
  // direction() for IPv4 addresses as host-order words.
  Direction direction_v4(uint32_t src, uint32_t dst) const;

  FlowFields fields_;
  uint8_t src_mask_v4_ = 24;
  uint8_t src_mask_v6_ = 64;
  uint8_t dst_mask_v4_ = 24;
  uint8_t dst_mask_v6_ = 64;
  bool any_address_ = false;
  bool with_direction_ = false;
  FlowKey mask_v4_;  // AND masks applied by build_key, per address family
  FlowKey mask_v6_;
  uint64_t mask_words_v4_[7] = {};  // mask_v4_ as words, for build_key_and_hash
  std::vector<IpNetwork> local_nets_;
  // IPv4 local networks as (network, mask) words for a branch-light lookup.
  std::vector<std::pair<uint32_t, uint32_t>> local_v4_;
};

}  // namespace flowlens::meter
