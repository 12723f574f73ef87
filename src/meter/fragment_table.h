#pragma once
// FragmentTable: gives later IP fragments the ports of their datagram's first fragment,
// the way pmacct's ip_frag.c does, in a small bounded open-addressing table.
//
// Keyed by (source, destination, protocol, identification) for IPv4 and by (source,
// destination, identification) for IPv6 (pmacct leaves the protocol out for IPv6).
// pmacct semantics followed here, per fragment of a TCP/UDP datagram:
//  - first fragment (offset 0): its ports are remembered; it is counted at once, together
//    with any later fragments that arrived before it and were held back;
//  - later fragment whose first fragment was seen: counted with the remembered ports;
//  - later fragment that arrives before its first fragment: held back (not counted), its
//    packet and byte count added to the entry; released with the first fragment;
//  - an entry lives `timeout_ns` of event time from its creation (pmacct: 60 s of wall
//    clock); held fragments whose first fragment never came are "orphaned": never
//    counted, as in pmacct, but counted in counters().orphaned_packets/bytes.
// When no slot is free within kMaxProbe slots (table full of live entries), the fragment
// is counted at once with its own ports (0 for a later fragment) and counted in
// counters().table_full; pmacct drops such fragments instead.

#include <array>
#include <cstdint>
#include <memory>

#include "decode/packet/decoded_packet.h"

namespace flowlens::meter {

struct FragmentCounters {
  uint64_t first_seen = 0;        // first fragments
  uint64_t matched = 0;           // later fragments given their first fragment's ports
  uint64_t held = 0;              // later fragments held back until their first fragment
  uint64_t released = 0;          // held fragments released with their first fragment
  uint64_t orphaned_packets = 0;  // held fragments whose first fragment never came
  uint64_t orphaned_bytes = 0;
  uint64_t table_full = 0;
};

struct FragmentVerdict {
  bool count = false;       // false: held back, count nothing now
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint64_t packets = 0;     // packets to count (1 + held fragments)
  uint64_t bytes = 0;       // bytes to count (this fragment + held fragments)
};

class FragmentTable {
 public:
  static constexpr size_t kMaxProbe = 8;
  static constexpr int64_t kDefaultTimeoutNs = 60'000'000'000;  // pmacct IPF_TIMEOUT

  explicit FragmentTable(size_t slots = 1 << 13, int64_t timeout_ns = kDefaultTimeoutNs);

  // `p` must be a fragment (p.is_fragment) with status kIp; `bytes` is what the packet
  // counts (its IP length).
  FragmentVerdict on_fragment(const decode::DecodedPacket& p, uint64_t bytes, int64_t ts_ns);

  // Counts every still-held fragment as orphaned and empties the table (end of input).
  void finish();

  const FragmentCounters& counters() const { return counters_; }

 private:
  struct Entry {
    std::array<uint8_t, 16> src{};
    std::array<uint8_t, 16> dst{};
    uint32_t id = 0;
    uint8_t proto = 0;
    uint8_t family = 0;  // 0 = empty slot
    bool got_first = false;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    int64_t deadline_ns = 0;
    uint64_t held_packets = 0;
    uint64_t held_bytes = 0;
  };

  void retire(Entry& e);

  std::unique_ptr<Entry[]> slots_;
  size_t mask_;
  int64_t timeout_ns_;
  FragmentCounters counters_;
};

}  // namespace flowlens::meter
