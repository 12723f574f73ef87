#include "meter/fragment_table.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>

namespace flowlens::meter {

FragmentTable::FragmentTable(size_t slots, int64_t timeout_ns)
    : slots_(std::make_unique<Entry[]>(std::bit_ceil(std::max<size_t>(slots, kMaxProbe)))),
      mask_(std::bit_ceil(std::max<size_t>(slots, kMaxProbe)) - 1),
      timeout_ns_(timeout_ns) {}

void FragmentTable::retire(Entry& e) {
  if (e.family != 0 && !e.got_first) {
    counters_.orphaned_packets += e.held_packets;
    counters_.orphaned_bytes += e.held_bytes;
  }
  e = Entry{};
}

FragmentVerdict FragmentTable::on_fragment(const decode::DecodedPacket& p, uint64_t bytes,
                                           int64_t ts_ns) {
  const bool first = p.fragment_offset == 0;
  const auto family = static_cast<uint8_t>(p.src.family);
  // pmacct keys IPv6 fragments without the protocol (ip_frag.c find_fragment6).
  const uint8_t proto = p.src.family == IpFamily::kV6 ? 0 : p.ip_proto;

  uint64_t w[4];
  std::memcpy(w, p.src.bytes.data(), 16);
  std::memcpy(w + 2, p.dst.bytes.data(), 16);
  uint64_t h = (w[0] ^ (uint64_t{p.fragment_id} << 8 | proto)) * 0x9E3779B97F4A7C15ull;
  h = (h ^ w[1] ^ (h >> 29)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ w[2] ^ (h >> 31)) * 0x94D049BB133111EBull;
  h = (h ^ w[3] ^ (h >> 29)) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 32;

  Entry* match = nullptr;
  Entry* free_slot = nullptr;
  for (size_t k = 0; k < kMaxProbe; ++k) {
    Entry& e = slots_[(h + k) & mask_];
    const bool live = e.family != 0 && e.deadline_ns > ts_ns;
    if (e.family == family && e.id == p.fragment_id && e.proto == proto && e.src == p.src.bytes &&
        e.dst == p.dst.bytes) {
      if (live) {
        match = &e;
      } else {
        retire(e);
        free_slot = &e;
      }
      break;
    }
    if (!live && free_slot == nullptr) free_slot = &e;
  }

  FragmentVerdict v;
  if (match != nullptr) {
    if (match->got_first) {
      if (!first) ++counters_.matched;
      v = {true, match->src_port, match->dst_port, 1, bytes};
      return v;
    }
    if (first) {
      ++counters_.first_seen;
      counters_.released += match->held_packets;
      match->got_first = true;
      match->src_port = p.src_port;
      match->dst_port = p.dst_port;
      v = {true, p.src_port, p.dst_port, 1 + match->held_packets, bytes + match->held_bytes};
      match->held_packets = 0;
      match->held_bytes = 0;
      return v;
    }
    ++counters_.held;
    ++match->held_packets;
    match->held_bytes += bytes;
    return v;
  }

  if (free_slot == nullptr) {
    ++counters_.table_full;
    return first ? FragmentVerdict{true, p.src_port, p.dst_port, 1, bytes}
                 : FragmentVerdict{true, 0, 0, 1, bytes};
  }
  retire(*free_slot);
  Entry& e = *free_slot;
  e.src = p.src.bytes;
  e.dst = p.dst.bytes;
  e.id = p.fragment_id;
  e.proto = proto;
  e.family = family;
  e.deadline_ns = ts_ns > INT64_MAX - timeout_ns_ ? INT64_MAX : ts_ns + timeout_ns_;
  if (first) {
    ++counters_.first_seen;
    e.got_first = true;
    e.src_port = p.src_port;
    e.dst_port = p.dst_port;
    return {true, p.src_port, p.dst_port, 1, bytes};
  }
  ++counters_.held;
  e.held_packets = 1;
  e.held_bytes = bytes;
  return v;
}

void FragmentTable::finish() {
  for (size_t i = 0; i <= mask_; ++i) retire(slots_[i]);
}

}  // namespace flowlens::meter
