#pragma once
// FlowMeter: the metering loop. Takes batches of captured packets, decodes them, builds
// every key and hash of the batch, then updates the flow table with the buckets
// prefetched a few packets ahead. Emitted FlowRecords reach the sink in batches.
//
// What is counted, and how (pmacctd 1.7.7 semantics, checked by tests/parity):
//  - only frames the decoder reads as IP (DecodeStatus::kIp); other frames are counted
//    by reason in decode_counters() and skipped;
//  - bytes = the IP length from the outermost IP header (IPv4 total length, IPv6 payload
//    length + 40), whatever the link layer (VLAN, MPLS, SLL, ...) and however short the
//    capture (snaplen);
//  - TCP/UDP packets whose ports were not captured (snaplen) are skipped and counted in
//    counters().short_transport, as pmacctd skips them ("short packet read");
//  - TCP/UDP fragments go through FragmentTable (later fragments get the first
//    fragment's ports; fragments seen before their first fragment are counted when it
//    arrives, never if it does not). Other protocols' fragments count with ports 0.
//  - ports are those of TCP, UDP and SCTP; 0 for every other protocol (ICMP included).
//  - event time = the packet timestamp; a packet without one (pcapng simple packet
//    block) takes the latest event time seen.
//
// Not thread-safe; one meter per thread. Allocates only at construction and when the
// table grows.

#include <array>
#include <cstdint>
#include <span>

#include "capture/packet_record.h"
#include "decode/packet/decoded_packet.h"
#include "decode/packet/packet_decoder.h"
#include "meter/aggregation.h"
#include "meter/flow_table.h"
#include "meter/fragment_table.h"

namespace flowlens::meter {

struct MeterCounters {
  uint64_t frames = 0;           // records given to process()
  uint64_t ip_packets = 0;       // decoded as IP
  uint64_t metered_packets = 0;  // counted into flows (held fragments once released)
  uint64_t metered_bytes = 0;
  uint64_t short_transport = 0;  // TCP/UDP without captured ports: skipped (as pmacctd)
  uint64_t held_fragments = 0;   // fragments held back (see FragmentTable)
};

class FlowMeter {
 public:
  static constexpr size_t kBatch = 64;  // batch arrays stay in L1 (32 KiB here)
  static constexpr size_t kPrefetchDistance = 16;

  FlowMeter(const Aggregation& aggregation, const FlowTableConfig& table_config, FlowSink sink);
  FlowMeter(const FlowMeter&) = delete;
  FlowMeter& operator=(const FlowMeter&) = delete;

  // Decodes and meters captured packets (any number; processed kBatch at a time).
  void process(std::span<const capture::PacketRecord> records);
  // Meters packets that are already decoded (status kIp), with their event times.
  void process_decoded(std::span<const decode::DecodedPacket> packets,
                       std::span<const int64_t> times_ns);
  // End of input: emits every flow and counts still-held fragments as orphaned.
  void finish();

  const MeterCounters& counters() const { return counters_; }
  const decode::DecodeCounters& decode_counters() const { return decoder_.counters(); }
  const FragmentCounters& fragment_counters() const { return fragments_.counters(); }
  const FlowTable& table() const { return table_; }
  const Aggregation& aggregation() const { return aggregation_; }

 private:
  // Meters decoded_[i] for i < n where usable_[i]; times in times_[i].
  void meter_batch(size_t n);
  // Applies the pmacct rules to one decoded IP packet and, when it counts now, appends
  // its key, hash and what it adds at position m of the update arrays. Returns the new m.
  size_t stage_packet(const decode::DecodedPacket& p, int64_t time_ns, size_t m);
  // Updates the table with the first m staged packets, then sweeps and drains.
  void update_staged(size_t m);

  Aggregation aggregation_;
  decode::PacketDecoder decoder_;
  FragmentTable fragments_;
  FlowTable table_;
  MeterCounters counters_;
  int64_t last_time_ns_ = 0;

  decode::DecodedPacket scratch_;  // process(): frames that miss the IPv4 fast path
  std::array<decode::DecodedPacket, kBatch> decoded_;
  std::array<int64_t, kBatch> times_{};
  std::array<bool, kBatch> usable_{};
  // Per packet to update: key, hash, and what to add.
  std::array<FlowKey, kBatch> keys_;
  std::array<uint64_t, kBatch> hashes_{};
  std::array<uint64_t, kBatch> add_bytes_{};
  std::array<uint64_t, kBatch> add_packets_{};
  std::array<int64_t, kBatch> add_times_{};
  std::array<uint8_t, kBatch> add_flags_{};
};

}  // namespace flowlens::meter
