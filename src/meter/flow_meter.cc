#include "meter/flow_meter.h"

#include <algorithm>
#include <cstring>

namespace flowlens::meter {
namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

}  // namespace

FlowMeter::FlowMeter(const Aggregation& aggregation, const FlowTableConfig& table_config,
                     FlowSink sink)
    : aggregation_(aggregation), table_(table_config, aggregation_, std::move(sink)) {}

void FlowMeter::process(std::span<const capture::PacketRecord> records) {
  while (!records.empty()) {
    const size_t n = std::min(records.size(), kBatch);
    counters_.frames += n;
    // Decode and stage in packet order (the fragment table is order-dependent). The
    // common Ethernet/IPv4/TCP|UDP frame builds its key words straight from the frame
    // (decode_ipv4_l4, build_key_and_hash); every other frame takes the general decoder and stage_packet(),
    // which give the same key for such a frame (tests: "fast path").
    size_t m = 0;
    uint64_t fast = 0;
    for (size_t i = 0; i < n; ++i) {
      const capture::PacketRecord& r = records[i];
      if (r.has_timestamp) last_time_ns_ = r.time_ns();
      decode::Ipv4L4Fields f;
      if (decoder_.decode_ipv4_l4(r.link_type, r.data, r.caplen, f)) [[likely]] {
        hashes_[m] = aggregation_.build_key_and_hash(f, keys_[m]);
        if (m < kPrefetchDistance) table_.prefetch(hashes_[m]);
        add_bytes_[m] = f.ip_length;
        add_packets_[m] = 1;
        add_times_[m] = last_time_ns_;
        add_flags_[m] = f.tcp_flags;
        ++m;
        ++fast;
        continue;
      }
      const auto status =
          decoder_.decode(r.link_type, std::span<const uint8_t>(r.data, r.caplen), scratch_);
      if (status == decode::DecodeStatus::kIp) m = stage_packet(scratch_, last_time_ns_, m);
    }
    counters_.ip_packets += fast;
    update_staged(m);
    records = records.subspan(n);
  }
}

void FlowMeter::process_decoded(std::span<const decode::DecodedPacket> packets,
                                std::span<const int64_t> times_ns) {
  const size_t total = std::min(packets.size(), times_ns.size());
  for (size_t done = 0; done < total;) {
    const size_t n = std::min(total - done, kBatch);
    counters_.frames += n;
    std::copy_n(packets.begin() + static_cast<ptrdiff_t>(done), n, decoded_.begin());
    std::copy_n(times_ns.begin() + static_cast<ptrdiff_t>(done), n, times_.begin());
    std::fill_n(usable_.begin(), n, true);
    meter_batch(n);
    done += n;
  }
}

void FlowMeter::meter_batch(size_t n) {
  // Stage 1: in packet order (the fragment table is order-dependent), decide what each
  // packet adds and build its key and hash.
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (usable_[i]) m = stage_packet(decoded_[i], times_[i], m);
  }
  update_staged(m);
}

size_t FlowMeter::stage_packet(const decode::DecodedPacket& p, int64_t time_ns, size_t m) {
  ++counters_.ip_packets;
  const bool tcp_udp = p.ip_proto == kTcp || p.ip_proto == kUdp;
  const bool later_fragment = p.is_fragment && p.fragment_offset != 0;
  if (tcp_udp && !later_fragment && !p.has_ports) {
    ++counters_.short_transport;
    return m;
  }
  uint64_t packets = 1;
  uint64_t bytes = p.ip_length;
  uint16_t src_port = p.has_ports ? p.src_port : 0;
  uint16_t dst_port = p.has_ports ? p.dst_port : 0;
  if (p.is_fragment && tcp_udp) {
    const FragmentVerdict v = fragments_.on_fragment(p, bytes, time_ns);
    if (!v.count) {
      ++counters_.held_fragments;
      return m;
    }
    packets = v.packets;
    bytes = v.bytes;
    src_port = v.src_port;
    dst_port = v.dst_port;
  } else if (!p.has_ports) {
    src_port = 0;
    dst_port = 0;
  }
  aggregation_.build_key(p, src_port, dst_port, keys_[m]);
  hashes_[m] = hash_key(keys_[m]);
  if (m < kPrefetchDistance) table_.prefetch(hashes_[m]);
  add_bytes_[m] = bytes;
  add_packets_[m] = packets;
  add_times_[m] = time_ns;
  add_flags_[m] = p.ip_proto == kTcp ? p.tcp_flags : 0;
  return m + 1;
}

void FlowMeter::update_staged(size_t m) {
  // Stage 2: update, with the slots of packet k + kPrefetchDistance already requested,
  // so the DRAM misses of a large table overlap instead of serialising. The first
  // kPrefetchDistance packets of the batch were requested in stage 1 as their hashes
  // were computed: requesting them all here would give the first ones no lead at all.
  for (size_t k = 0; k < m; ++k) {
    if (k + kPrefetchDistance < m) table_.prefetch(hashes_[k + kPrefetchDistance]);
    table_.update(keys_[k], hashes_[k], add_times_[k], add_bytes_[k], add_packets_[k],
                  add_flags_[k]);
    counters_.metered_packets += add_packets_[k];
    counters_.metered_bytes += add_bytes_[k];
  }

  // Stage 3: expire the slice of the table that the event time elapsed has earned.
  table_.sweep_due();
  table_.drain();
}

void FlowMeter::finish() {
  fragments_.finish();
  table_.flush();
}

}  // namespace flowlens::meter
