#pragma once
// Output encodings of flow records: JSON lines with pmacct's print-plugin field names and
// value formats, CSV with the same names as header, and a human-readable table.
//
// Contract:
//  - Only the aggregated fields (FlowFields) are printed, plus packets, bytes and the
//    timestamps, as pmacct's print plugin does. Field order follows pmacct's JSON output
//    (mac_src, mac_dst, vlan, ip_src, net_src, ip_dst, net_dst, mask_src, mask_dst,
//    port_src, port_dst, tcp_flags, ip_proto, tos, direction, timestamp_start,
//    timestamp_end, packets, bytes).
//  - pmacct formats: ip_proto as its protocol name ("tcp", "udp", "ipv6-icmp", ...; the
//    decimal number as a string when pmacct has no name), tcp_flags as a decimal string,
//    timestamps as "YYYY-MM-DD HH:MM:SS.uuuuuu" in UTC, JSON lines start with
//    "event_type": "purge" (what pmacct prints when a cache is purged).
//  - Every string printed is produced by this file (addresses, names, numbers), never
//    copied from input, so no JSON/CSV escaping is needed (asserted by the tests).
//  - FlowWriter buffers and writes to a FILE*; it does not own the FILE.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "model/flow_record.h"

namespace flowlens {

// One aggregation primitive (pmacct name in the comment).
enum class FlowField : uint32_t {
  kSrcHost = 1u << 0,    // src_host
  kDstHost = 1u << 1,    // dst_host
  kSrcNet = 1u << 2,     // src_net
  kDstNet = 1u << 3,     // dst_net
  kSrcPort = 1u << 4,    // src_port
  kDstPort = 1u << 5,    // dst_port
  kProto = 1u << 6,      // proto
  kTos = 1u << 7,        // tos
  kSrcMac = 1u << 8,     // src_mac
  kDstMac = 1u << 9,     // dst_mac
  kVlan = 1u << 10,      // vlan
  kTcpFlags = 1u << 11,  // tcpflags
  kDirection = 1u << 12, // direction (Flowlens; relative to --local-net)
};

// A set of FlowField values.
struct FlowFields {
  uint32_t bits = 0;

  constexpr bool has(FlowField f) const { return (bits & static_cast<uint32_t>(f)) != 0; }
  constexpr FlowFields& add(FlowField f) {
    bits |= static_cast<uint32_t>(f);
    return *this;
  }
  constexpr bool empty() const { return bits == 0; }
  friend constexpr bool operator==(FlowFields, FlowFields) = default;
};

// pmacct's aggregation primitive name ("src_host", "tcpflags", ...).
std::string_view aggregate_name(FlowField f);
// Inverse of aggregate_name; nullopt for an unknown name.
std::optional<FlowField> parse_aggregate_name(std::string_view name);
// Every FlowField, in output order.
inline constexpr FlowField kAllFlowFields[] = {
    FlowField::kSrcMac,  FlowField::kDstMac,  FlowField::kVlan,     FlowField::kSrcHost,
    FlowField::kSrcNet,  FlowField::kDstHost, FlowField::kDstNet,   FlowField::kSrcPort,
    FlowField::kDstPort, FlowField::kTcpFlags, FlowField::kProto,   FlowField::kTos,
    FlowField::kDirection};

// pmacct's name for an IP protocol number ("tcp", "ipv6-icmp", "0", "200").
std::string_view pmacct_protocol_name(uint8_t proto, char (&scratch)[4]);
// "YYYY-MM-DD HH:MM:SS.uuuuuu" in UTC (pmacct's timestamp format), microseconds truncated.
std::string format_pmacct_time(int64_t ns);

enum class FlowOutputFormat : uint8_t { kJsonLines, kCsv, kTable };
std::optional<FlowOutputFormat> parse_flow_output_format(std::string_view name);

// Appends one record (one line, with '\n') in the given encoding.
void append_json_line(const FlowRecord& r, FlowFields fields, std::string& out);
void append_csv_header(FlowFields fields, std::string& out);
void append_csv_line(const FlowRecord& r, FlowFields fields, std::string& out);
void append_table_header(FlowFields fields, std::string& out);
void append_table_line(const FlowRecord& r, FlowFields fields, std::string& out);

// "1.5 kB", "12.3 MB" (SI units, as network tools count), "512 B".
std::string format_bytes_si(uint64_t bytes);

class FlowWriter {
 public:
  FlowWriter(std::FILE* out, FlowFields fields, FlowOutputFormat format);
  FlowWriter(const FlowWriter&) = delete;
  FlowWriter& operator=(const FlowWriter&) = delete;
  ~FlowWriter();

  // Appends records; writes the header first (CSV, table) on the first call or at flush().
  void write(FlowBatch batch);
  // Writes what is buffered; false when the stream reported an error.
  bool flush();
  uint64_t records_written() const { return records_; }

 private:
  void write_header_once();

  std::FILE* out_;
  FlowFields fields_;
  FlowOutputFormat format_;
  std::string buffer_;
  uint64_t records_ = 0;
  bool header_written_ = false;
  bool failed_ = false;
};

}  // namespace flowlens
