#include "decode/flow/replay_exports.h"

#include <algorithm>
#include <array>
#include <vector>

#include "capture/capture_reader.h"
#include "core/byte_reader.h"

namespace flowlens::decode::flow {
namespace {

// Offset of the transport header after the IP header at `ip` (the packet decoder keeps
// only the IP header's offset); 0 when it cannot be found within `n` bytes.
size_t transport_offset(const uint8_t* ip, size_t n) {
  if (n < 20) {
    return 0;
  }
  if ((ip[0] >> 4) == 4) {
    const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
    return ihl >= 20 && ihl <= n ? ihl : 0;
  }
  if (n < 40) {
    return 0;
  }
  uint8_t next = ip[6];
  size_t off = 40;
  // Hop-by-hop, routing, destination options, AH: the chains the packet decoder walks.
  for (int i = 0; i < 8 && next != 17; ++i) {
    if (off + 2 > n) {
      return 0;
    }
    size_t len = 0;
    if (next == 0 || next == 43 || next == 60) {
      len = (size_t{ip[off + 1]} + 1) * 8;
    } else if (next == 51) {
      len = (size_t{ip[off + 1]} + 2) * 4;
    } else {
      return 0;
    }
    next = ip[off];
    off += len;
  }
  return next == 17 && off <= n ? off : 0;
}

}  // namespace

std::span<const uint8_t> udp_payload(uint32_t link_type, std::span<const uint8_t> frame,
                                     decode::PacketDecoder& packets, IpAddress& source,
                                     uint16_t& source_port) {
  decode::DecodedPacket pkt;
  if (packets.decode(link_type, frame, pkt) != decode::DecodeStatus::kIp ||
      pkt.ip_proto != 17 || pkt.is_fragment || !pkt.has_ports) {
    return {};
  }
  const size_t ip_offset = pkt.ip_offset;
  if (ip_offset >= frame.size()) {
    return {};
  }
  const size_t captured = frame.size() - ip_offset;
  const size_t ip_end = pkt.ip_length != 0 ? std::min<size_t>(pkt.ip_length, captured) : captured;
  const size_t l4 = transport_offset(frame.data() + ip_offset, ip_end);
  if (l4 == 0 || l4 + 8 > ip_end) {
    return {};
  }
  const uint8_t* udp = frame.data() + ip_offset + l4;
  const size_t udp_length = load_be16(udp + 4);
  if (udp_length < 8) {
    return {};
  }
  const size_t end = std::min(udp_length, ip_end - l4);
  source = pkt.src;
  source_port = pkt.src_port;
  return {udp + 8, end - 8};
}

Result<ReplayStats> replay_exports(const std::string& path, ExportDecoder& decoder,
                                   const FlowSink& sink) {
  auto reader = capture::CaptureReader::open(path);
  if (!reader.ok()) {
    return reader.error();
  }
  ReplayStats stats;
  decode::PacketDecoder packets;
  std::array<capture::PacketRecord, 256> batch;
  std::vector<FlowRecord> records;
  while (true) {
    const size_t n = (*reader)->read_batch(batch);
    if (n == 0) {
      break;
    }
    for (size_t i = 0; i < n; ++i) {
      const capture::PacketRecord& rec = batch[i];
      ++stats.packets;
      IpAddress source;
      uint16_t port = 0;
      const auto payload = udp_payload(rec.link_type, {rec.data, rec.caplen}, packets, source, port);
      if (payload.size() < 4) {
        ++stats.not_udp;
        continue;
      }
      ++stats.datagrams;
      records.clear();
      decoder.decode(source, port, payload, rec.has_timestamp ? rec.time_ns() : 0, records);
      stats.records += records.size();
      sink(records);
    }
  }
  if ((*reader)->error()) {
    return *(*reader)->error();
  }
  return stats;
}

}  // namespace flowlens::decode::flow
