#pragma once
// FlowDetail: the FlowRecord fields no query filtered, sorted or grouped by, packed into
// one BLOB column of `flows` (schema v1-v2). Since v3 raw flows are blocks (flow_block.h);
// this codec stays to read old stores in the v3 migration.
//
// Layout, little-endian, 40 bytes + the exporter address (0, 4 or 16 bytes):
//   0 end_ns i64 | 8 input_if u32 | 12 output_if u32 | 16 sampling_rate u32 | 20 vlan u16
//   22 mac_src[6] | 28 mac_dst[6] | 34 tos | 35 tcp_flags | 36 src_mask | 37 dst_mask
//   38 source | 39 exporter family (0, 4, 6) | 40 exporter bytes
// decode() of a BLOB of any other shape leaves the fields zero (never reads past it).

#include <cstddef>
#include <cstdint>

#include "model/flow_record.h"

namespace flowlens::store::sqlite {

inline constexpr size_t kFlowDetailFixed = 40;
inline constexpr size_t kFlowDetailMax = kFlowDetailFixed + 16;

// Writes the detail of `r` into `out`; returns its length.
size_t encode_flow_detail(const FlowRecord& r, uint8_t (&out)[kFlowDetailMax]);
// Fills the detail fields of `r` from `p[0, n)`; false (fields untouched) when malformed.
bool decode_flow_detail(const uint8_t* p, size_t n, FlowRecord& r);

}  // namespace flowlens::store::sqlite
