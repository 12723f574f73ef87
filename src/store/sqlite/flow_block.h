#pragma once
// FlowBlock: the BLOB of one `flow_blocks` row (schema v3) — up to kFlowsPerBlock raw
// FlowRecords packed row after row. One SQLite row per block instead of per flow is what
// lets the raw-flow insert beat SQLite's per-row cost (store/README.md "Raw flows as
// blocks"); queries decode blocks and filter in C++.
//
// Layout (varint = unsigned LEB128, at most 10 bytes; zz = zigzag-coded signed):
//   header:  version byte (1) | varint count
//   per flow:
//     shape byte: bits 0-1 src family, 2-3 dst family (0 none, 1 IPv4, 2 IPv6),
//                 bit 4 extension present, bits 5-7 zero
//     zz varint start_ns - previous start_ns (the first flow: - 0)
//     zz varint end_ns - start_ns | varint packets | varint bytes | varint flows
//     src (0, 4 or 16 bytes) | dst (same)
//     u16 src_port | u16 dst_port (little-endian)
//     u8 ip_proto | u8 direction | u8 tos | u8 tcp_flags
//     extension (fields local capture leaves zero):
//       u8 src_mask | u8 dst_mask | u8 source | varint vlan | mac_src[6] | mac_dst[6]
//       varint input_if | varint output_if | varint sampling_rate
//       u8 exporter family (0, 4, 6) | exporter bytes (0, 4 or 16)
// A pcap flow takes about 25-30 bytes (the 11-column row of schema v2 took ~110).
//
// Contract: decode_flow_block() reads only inside the given bytes and rejects, with the
// byte offset and what is wrong, anything encode_flow_block() cannot produce (unknown
// version, bad shape bits, out-of-range enums, overlong varints, values that do not fit
// their field, a count that disagrees with the data, trailing bytes). It never throws;
// the output holds the flows decoded before the error.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "model/flow_record.h"

namespace flowlens::store::sqlite {

// Flows per block written by the store: small enough that a page of `flowlens query
// flows` decodes little more than it shows, large enough that SQLite's per-row cost
// vanishes (4096 flows ~ 120 kB).
inline constexpr size_t kFlowsPerBlock = 4096;
// What the decoder accepts (a stored block never holds more than kFlowsPerBlock).
inline constexpr uint64_t kMaxFlowsInBlock = 1u << 20;

// Replaces `out` with the encoding of `flows` (any count up to kMaxFlowsInBlock).
void encode_flow_block(std::span<const FlowRecord> flows, std::vector<uint8_t>& out);

// Replaces `out` with the flows of `data`; on error `out` holds the flows decoded before
// the offending byte.
Status decode_flow_block(std::span<const uint8_t> data, std::vector<FlowRecord>& out);

}  // namespace flowlens::store::sqlite
