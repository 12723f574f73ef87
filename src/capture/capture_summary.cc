#include "capture/capture_summary.h"

#include <array>
#include <cstring>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "capture/capture_text.h"
#include "decode/packet/packet_decoder.h"

namespace flowlens::capture {
namespace {

// family, protocol, then the two (address, port) endpoints in ascending order.
using FlowKey = std::array<uint8_t, 38>;

struct FlowKeyHash {
  size_t operator()(const FlowKey& k) const {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
  }
};

FlowKey make_flow_key(const decode::DecodedPacket& p) {
  // Ports exist for a flow only when this very packet carries the transport header:
  // later fragments and cut headers have none, as in tshark's reading.
  const bool ports = p.has_ports && p.fragment_offset == 0 && !p.transport_truncated;
  std::array<uint8_t, 18> a{};
  std::array<uint8_t, 18> b{};
  std::memcpy(a.data(), p.src.bytes.data(), 16);
  std::memcpy(b.data(), p.dst.bytes.data(), 16);
  const uint16_t sport = ports ? p.src_port : 0;
  const uint16_t dport = ports ? p.dst_port : 0;
  a[16] = static_cast<uint8_t>(sport >> 8);
  a[17] = static_cast<uint8_t>(sport);
  b[16] = static_cast<uint8_t>(dport >> 8);
  b[17] = static_cast<uint8_t>(dport);
  if (b < a) {
    std::swap(a, b);
  }
  FlowKey key{};
  key[0] = static_cast<uint8_t>(p.src.family);
  key[1] = p.ip_proto;
  std::memcpy(key.data() + 2, a.data(), a.size());
  std::memcpy(key.data() + 20, b.data(), b.size());
  return key;
}

}  // namespace

CaptureSummary summarize_capture(CaptureReader& reader) {
  CaptureSummary s;
  s.path = reader.path();
  std::unordered_set<FlowKey, FlowKeyHash> flows_v4;
  std::unordered_set<FlowKey, FlowKeyHash> flows_v6;
  decode::PacketDecoder decoder;
  std::vector<PacketRecord> batch(256);
  while (true) {
    const size_t n = reader.read_batch(batch);
    if (n == 0) {
      break;
    }
    for (size_t i = 0; i < n; ++i) {
      const PacketRecord& r = batch[i];
      ++s.packets;
      s.captured_bytes += r.caplen;
      s.wire_bytes += r.wire_len;
      if (r.has_timestamp) {
        if (s.timestamped_packets == 0) {
          s.first_ts = r.ts;
        } else if (timestamp_before(r.ts, s.last_ts)) {
          s.ts_nondecreasing = false;
        }
        s.last_ts = r.ts;
        ++s.timestamped_packets;
      }
      decode::DecodedPacket p;
      if (decoder.decode(r.link_type, {r.data, r.caplen}, p) != decode::DecodeStatus::kIp) {
        continue;
      }
      ++s.outer_ip_frames;
      if (p.src.family == IpFamily::kV4) {
        flows_v4.insert(make_flow_key(p));
      } else if (p.src.family == IpFamily::kV6) {
        flows_v6.insert(make_flow_key(p));
      }
    }
  }
  s.info = reader.info();
  s.outer_flows_ipv4 = flows_v4.size();
  s.outer_flows_ipv6 = flows_v6.size();
  s.read_error = reader.error();
  return s;
}

std::vector<std::pair<std::string, std::string>> summary_columns(const CaptureSummary& s) {
  const bool have_ts = s.timestamped_packets > 0;
  return {
      {"format", s.info.format},
      {"link_types", format_link_types(s.info)},
      {"packets", std::to_string(s.packets)},
      {"captured_bytes", std::to_string(s.captured_bytes)},
      {"wire_bytes", std::to_string(s.wire_bytes)},
      {"first_ts", have_ts ? format_timestamp(s.first_ts) : "-"},
      {"last_ts", have_ts ? format_timestamp(s.last_ts) : "-"},
      {"ts_nondecreasing", have_ts ? (s.ts_nondecreasing ? "yes" : "no") : "-"},
      {"outer_flows_ipv4", std::to_string(s.outer_flows_ipv4)},
      {"outer_flows_ipv6", std::to_string(s.outer_flows_ipv6)},
      {"outer_ip_frames", std::to_string(s.outer_ip_frames)},
  };
}

Result<CaptureSummary> summarize_capture_file(const std::string& path) {
  auto reader = CaptureReader::open(path);
  if (!reader.ok()) {
    return reader.error();
  }
  return summarize_capture(**reader);
}

}  // namespace flowlens::capture
