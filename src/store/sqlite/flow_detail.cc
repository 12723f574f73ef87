#include "store/sqlite/flow_detail.h"

#include <cstring>

namespace flowlens::store::sqlite {
namespace {

void put_le(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

size_t encode_flow_detail(const FlowRecord& r, uint8_t (&out)[kFlowDetailMax]) {
  uint8_t* p = out;
  put_le(p, static_cast<uint64_t>(r.end_ns), 8);
  put_le(p + 8, r.input_if, 4);
  put_le(p + 12, r.output_if, 4);
  put_le(p + 16, r.sampling_rate, 4);
  put_le(p + 20, r.vlan, 2);
  std::memcpy(p + 22, r.mac_src.data(), 6);
  std::memcpy(p + 28, r.mac_dst.data(), 6);
  p[34] = r.tos;
  p[35] = r.tcp_flags;
  p[36] = r.src_mask;
  p[37] = r.dst_mask;
  p[38] = static_cast<uint8_t>(r.source);
  size_t n = kFlowDetailFixed;
  switch (r.exporter.family) {
    case IpFamily::kV4:
      p[39] = 4;
      std::memcpy(p + n, r.exporter.bytes.data(), 4);
      n += 4;
      break;
    case IpFamily::kV6:
      p[39] = 6;
      std::memcpy(p + n, r.exporter.bytes.data(), 16);
      n += 16;
      break;
    case IpFamily::kNone: p[39] = 0; break;
  }
  return n;
}

bool decode_flow_detail(const uint8_t* p, size_t n, FlowRecord& r) {
  if (p == nullptr || n < kFlowDetailFixed) return false;
  const uint8_t family = p[39];
  const size_t want = kFlowDetailFixed + (family == 4 ? 4 : family == 6 ? 16 : 0);
  if (n != want || (family != 0 && family != 4 && family != 6)) return false;
  r.end_ns = static_cast<int64_t>(get_le(p, 8));
  r.input_if = static_cast<uint32_t>(get_le(p + 8, 4));
  r.output_if = static_cast<uint32_t>(get_le(p + 12, 4));
  r.sampling_rate = static_cast<uint32_t>(get_le(p + 16, 4));
  r.vlan = static_cast<uint16_t>(get_le(p + 20, 2));
  std::memcpy(r.mac_src.data(), p + 22, 6);
  std::memcpy(r.mac_dst.data(), p + 28, 6);
  r.tos = p[34];
  r.tcp_flags = p[35];
  r.src_mask = p[36];
  r.dst_mask = p[37];
  r.source = static_cast<SourceKind>(p[38]);
  r.exporter = family == 4   ? IpAddress::v4(p + kFlowDetailFixed)
               : family == 6 ? IpAddress::v6(p + kFlowDetailFixed)
                             : IpAddress{};
  return true;
}

}  // namespace flowlens::store::sqlite
