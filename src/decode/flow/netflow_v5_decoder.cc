// NetFlow v5: a 24-byte header and `count` fixed 48-byte records (Cisco's layout, as
// documented in the NetFlow Services Solutions Guide and followed by every exporter).

#include "core/byte_reader.h"
#include "decode/flow/decoder_state.h"

namespace flowlens::decode::flow {

void decode_netflow_v5(DecodeContext& ctx, const IpAddress& exporter,
                       std::span<const uint8_t> data, int64_t receive_ns) {
  constexpr size_t kHeader = 24;
  constexpr size_t kRecord = 48;
  ++ctx.health.datagrams_by_kind[0];
  if (data.size() < kHeader) {
    ctx.count(FlowDecodeError::kTooShort);
    return;
  }
  const uint8_t* p = data.data();
  const size_t count = load_be16(p + 2);
  // A count that does not fit means the framing is wrong; decoding the records that fit
  // would produce flows from whatever bytes follow, so nothing is decoded.
  if (kHeader + count * kRecord > data.size()) {
    ctx.count(FlowDecodeError::kV5Length);
    return;
  }
  DatagramHeader h;
  h.exporter = exporter;
  h.receive_ns = receive_ns;
  h.sys_uptime_ms = load_be32(p + 4);
  h.export_ns = int64_t{load_be32(p + 8)} * kNsPerSec + (load_be32(p + 12) % 1'000'000'000u);
  h.version = 5;
  ctx.check_export_time(h);
  // Sampling: 2 bits of mode, 14 bits of interval; mode 0 with interval 0 is unsampled.
  const uint16_t sampling = load_be16(p + 22);
  const uint32_t announced = sampling & 0x3fffu;
  if (announced != 0) {
    ctx.health.sampling_rate_announced = announced;
  }
  const uint32_t rate = ctx.effective_rate(announced);
  const uint64_t scale = rate > 1 ? rate : 1;

  const size_t first_out = ctx.out.size();
  ctx.out.resize(first_out + count);
  FlowRecord* out = ctx.out.data() + first_out;
  const uint8_t* rec = p + kHeader;
  for (size_t i = 0; i < count; ++i, rec += kRecord) {
    FlowRecord& r = out[i];
    r.src = IpAddress::v4(rec);
    r.dst = IpAddress::v4(rec + 4);
    r.input_if = load_be16(rec + 12);
    r.output_if = load_be16(rec + 14);
    r.packets = uint64_t{load_be32(rec + 16)} * scale;
    r.bytes = uint64_t{load_be32(rec + 20)} * scale;
    const auto start_ago = static_cast<int32_t>(h.sys_uptime_ms - load_be32(rec + 24));
    const auto end_ago = static_cast<int32_t>(h.sys_uptime_ms - load_be32(rec + 28));
    r.start_ns = ctx.fix_time(h, h.export_ns - int64_t{start_ago} * 1'000'000);
    r.end_ns = ctx.fix_time(h, h.export_ns - int64_t{end_ago} * 1'000'000);
    r.src_port = load_be16(rec + 32);
    r.dst_port = load_be16(rec + 34);
    r.tcp_flags = rec[37];
    r.ip_proto = rec[38];
    r.tos = rec[39];
    r.src_mask = rec[44];
    r.dst_mask = rec[45];
    r.exporter = exporter;
    r.flows = 1;
    r.sampling_rate = rate;
    r.source = SourceKind::kNetflowV5;
  }
  ctx.health.records += count;
}

}  // namespace flowlens::decode::flow
