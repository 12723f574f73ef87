// sFlow version 5 (sflow.org/sflow_version_5.txt): flow samples and expanded flow samples
// become FlowRecords; counter samples update the exporter's interface counters.
//
// Every structure is length-prefixed, so a sample or record this decoder does not know
// (other enterprises, other formats) is skipped by its length; a length that runs past its
// container ends decoding of that container and is counted as kSflowTruncated.

#include "core/byte_reader.h"
#include "decode/flow/decoder_state.h"

namespace flowlens::decode::flow {
namespace {

constexpr size_t kMaxInterfaces = 65536;

struct SampleContext {
  DatagramHeader header;
  IpAddress agent;
  uint32_t sampling_rate = 0;
  uint32_t input = 0;
  uint32_t output = 0;
};

// Format 1, sampled header: the packet decoder reads the header bytes. Bytes are the IP
// total length from the sampled IP header (IP bytes, as FlowRecord counts them; it is
// exact even when the header was cut), or, when that length is 0 (TSO), the frame length
// minus the link header and the stripped bytes (FCS).
bool raw_header(DecodeContext& ctx, ByteReader in, FlowRecord& r) {
  uint32_t protocol = 0, frame_length = 0, stripped = 0, header_length = 0;
  std::span<const uint8_t> header;
  if (!in.u32(protocol) || !in.u32(frame_length) || !in.u32(stripped) ||
      !in.u32(header_length) || !in.bytes(header_length, header)) {
    ctx.count(FlowDecodeError::kSflowTruncated);
    return false;
  }
  uint32_t link_type = 0;
  switch (protocol) {
    case 1: link_type = 1; break;      // ETHERNET-ISO88023
    case 11: link_type = 228; break;   // IPv4
    case 12: link_type = 229; break;   // IPv6
    default:
      ctx.count(FlowDecodeError::kSflowHeaderNotIp);
      return false;
  }
  decode::DecodedPacket pkt;
  if (ctx.packets.decode(link_type, header, pkt) != decode::DecodeStatus::kIp) {
    ctx.count(FlowDecodeError::kSflowHeaderNotIp);
    return false;
  }
  r.src = pkt.src;
  r.dst = pkt.dst;
  r.src_port = pkt.src_port;
  r.dst_port = pkt.dst_port;
  r.ip_proto = pkt.ip_proto;
  r.tos = pkt.tos;
  r.tcp_flags = pkt.tcp_flags;
  r.vlan = pkt.vlan;
  r.mac_src = pkt.mac_src;
  r.mac_dst = pkt.mac_dst;
  const uint64_t before_ip = uint64_t{pkt.ip_offset} + stripped;
  if (pkt.ip_length != 0) {
    r.bytes = pkt.ip_length;
  } else if (frame_length > before_ip) {
    r.bytes = frame_length - before_ip;
  }
  return true;
}

// Formats 3 and 4: sampled IPv4 / IPv6 data (addresses, ports, protocol, length).
bool sampled_ip(ByteReader in, bool v6, FlowRecord& r) {
  uint32_t length = 0, protocol = 0, sport = 0, dport = 0, flags = 0, tos = 0;
  std::span<const uint8_t> src, dst;
  const size_t n = v6 ? 16 : 4;
  if (!in.u32(length) || !in.u32(protocol) || !in.bytes(n, src) || !in.bytes(n, dst) ||
      !in.u32(sport) || !in.u32(dport) || !in.u32(flags) || !in.u32(tos)) {
    return false;
  }
  r.src = v6 ? IpAddress::v6(src.data()) : IpAddress::v4(src.data());
  r.dst = v6 ? IpAddress::v6(dst.data()) : IpAddress::v4(dst.data());
  r.bytes = length;
  r.ip_proto = static_cast<uint8_t>(protocol);
  r.src_port = static_cast<uint16_t>(sport);
  r.dst_port = static_cast<uint16_t>(dport);
  r.tcp_flags = static_cast<uint8_t>(flags);
  r.tos = static_cast<uint8_t>(tos);
  return true;
}

void flow_records(DecodeContext& ctx, ByteReader& in, uint32_t count, const SampleContext& s) {
  FlowRecord r;
  bool have = false;
  bool have_header = false;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = 0, length = 0;
    std::span<const uint8_t> body;
    if (!in.u32(tag) || !in.u32(length) || !in.bytes(length, body)) {
      ctx.count(FlowDecodeError::kSflowTruncated);
      break;
    }
    if ((tag >> 12) != 0) {
      continue;
    }
    const uint32_t format = tag & 0xfffu;
    if (format == 1 && !have_header) {
      FlowRecord candidate;
      if (raw_header(ctx, ByteReader(body), candidate)) {
        r = candidate;
        have = have_header = true;
      }
    } else if ((format == 3 || format == 4) && !have) {
      if (sampled_ip(ByteReader(body), format == 4, r)) {
        have = true;
      } else {
        ctx.count(FlowDecodeError::kSflowTruncated);
      }
    }
  }
  if (!have) {
    return;
  }
  const uint32_t rate = ctx.effective_rate(s.sampling_rate);
  const uint64_t scale = rate != 0 ? rate : 1;
  r.packets = scale;
  r.bytes *= scale;
  r.sampling_rate = rate;
  r.flows = 1;
  r.input_if = s.input;
  r.output_if = s.output;
  r.exporter = s.agent;
  r.source = SourceKind::kSflow;
  r.start_ns = r.end_ns = s.header.receive_ns > 0 ? s.header.receive_ns : 0;
  ctx.out.push_back(r);
  ++ctx.health.records;
}

void counter_records(DecodeContext& ctx, ByteReader& in, uint32_t count, int64_t now_ns) {
  ++ctx.health.counter_samples;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = 0, length = 0;
    std::span<const uint8_t> body;
    if (!in.u32(tag) || !in.u32(length) || !in.bytes(length, body)) {
      ctx.count(FlowDecodeError::kSflowTruncated);
      return;
    }
    if (tag != 1) {
      continue;  // only generic interface counters are kept
    }
    if (body.size() < 88) {
      ctx.count(FlowDecodeError::kSflowTruncated);
      continue;
    }
    const uint8_t* p = body.data();
    const uint32_t if_index = load_be32(p);
    auto& interfaces = ctx.health.interfaces;
    if (interfaces.size() >= kMaxInterfaces && interfaces.count(if_index) == 0) {
      continue;
    }
    InterfaceCounters& c = interfaces[if_index];
    c.speed = load_be64(p + 8);
    c.in_octets = load_be64(p + 24);
    c.in_discards = load_be32(p + 44);
    c.in_errors = load_be32(p + 48);
    c.out_octets = load_be64(p + 56);
    c.out_discards = load_be32(p + 76);
    c.out_errors = load_be32(p + 80);
    c.updated_ns = now_ns;
  }
}

void sample(DecodeContext& ctx, uint32_t format, ByteReader in, SampleContext& s) {
  uint32_t seq = 0, word = 0, count = 0;
  if (!in.u32(seq)) {
    ctx.count(FlowDecodeError::kSflowTruncated);
    return;
  }
  bool ok = true;
  switch (format) {
    case 1: {  // flow sample
      uint32_t pool = 0, drops = 0;
      ok = in.u32(word) && in.u32(s.sampling_rate) && in.u32(pool) && in.u32(drops) &&
           in.u32(s.input) && in.u32(s.output) && in.u32(count);
      s.input &= 0x3fffffffu;
      s.output &= 0x3fffffffu;
      if (ok) {
        flow_records(ctx, in, count, s);
      }
      break;
    }
    case 3: {  // expanded flow sample
      uint32_t index = 0, pool = 0, drops = 0, in_format = 0, out_format = 0;
      ok = in.u32(word) && in.u32(index) && in.u32(s.sampling_rate) && in.u32(pool) &&
           in.u32(drops) && in.u32(in_format) && in.u32(s.input) && in.u32(out_format) &&
           in.u32(s.output) && in.u32(count);
      if (ok) {
        flow_records(ctx, in, count, s);
      }
      break;
    }
    case 2:  // counter sample
      ok = in.u32(word) && in.u32(count);
      if (ok) {
        counter_records(ctx, in, count, s.header.receive_ns);
      }
      break;
    case 4: {  // expanded counter sample
      uint32_t index = 0;
      ok = in.u32(word) && in.u32(index) && in.u32(count);
      if (ok) {
        counter_records(ctx, in, count, s.header.receive_ns);
      }
      break;
    }
    default:
      break;
  }
  if (!ok) {
    ctx.count(FlowDecodeError::kSflowTruncated);
  }
  if (s.sampling_rate != 0 && (format == 1 || format == 3)) {
    ctx.health.sampling_rate_announced = s.sampling_rate;
  }
}

}  // namespace

void decode_sflow(DecodeContext& ctx, std::span<const uint8_t> data, int64_t receive_ns) {
  ++ctx.health.datagrams_by_kind[3];
  ByteReader in(data);
  uint32_t version = 0, address_type = 0;
  if (!in.u32(version) || !in.u32(address_type)) {
    ctx.count(FlowDecodeError::kTooShort);
    return;
  }
  SampleContext base;
  base.header.receive_ns = receive_ns;
  std::span<const uint8_t> agent;
  if (address_type != 1 && address_type != 2) {
    ctx.count(FlowDecodeError::kSflowAddressType);
    return;
  }
  uint32_t sub_agent = 0, sequence = 0, uptime = 0, samples = 0;
  if (!in.bytes(address_type == 1 ? 4 : 16, agent) || !in.u32(sub_agent) ||
      !in.u32(sequence) || !in.u32(uptime) || !in.u32(samples)) {
    ctx.count(FlowDecodeError::kSflowTruncated);
    return;
  }
  base.agent = address_type == 1 ? IpAddress::v4(agent.data()) : IpAddress::v6(agent.data());
  for (uint32_t i = 0; i < samples; ++i) {
    uint32_t tag = 0, length = 0;
    std::span<const uint8_t> body;
    if (!in.u32(tag) || !in.u32(length) || !in.bytes(length, body)) {
      ctx.count(FlowDecodeError::kSflowTruncated);
      return;
    }
    if ((tag >> 12) != 0) {
      continue;
    }
    SampleContext s = base;
    sample(ctx, tag & 0xfffu, ByteReader(body), s);
  }
}

}  // namespace flowlens::decode::flow
