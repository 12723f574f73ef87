#include "model/flow_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstring>
#include <ctime>

namespace flowlens {
namespace {

struct NamedField {
  FlowField field;
  std::string_view name;
};

constexpr NamedField kFieldNames[] = {
    {FlowField::kSrcHost, "src_host"}, {FlowField::kDstHost, "dst_host"},
    {FlowField::kSrcNet, "src_net"},   {FlowField::kDstNet, "dst_net"},
    {FlowField::kSrcPort, "src_port"}, {FlowField::kDstPort, "dst_port"},
    {FlowField::kProto, "proto"},      {FlowField::kTos, "tos"},
    {FlowField::kSrcMac, "src_mac"},   {FlowField::kDstMac, "dst_mac"},
    {FlowField::kVlan, "vlan"},        {FlowField::kTcpFlags, "tcpflags"},
    {FlowField::kDirection, "direction"},
};

// pmacct 1.7.7 src/pmacct-data.h `_protocols`: names for 0..133, the number otherwise.
// Only the named entries are listed here; the rest print as decimal, as pmacct does.
constexpr std::array<std::string_view, 134> make_protocol_names() {
  std::array<std::string_view, 134> n{};
  n[1] = "icmp";    n[2] = "igmp";     n[3] = "ggp";        n[4] = "ipencap";
  n[6] = "tcp";     n[8] = "egp";      n[9] = "igp";        n[17] = "udp";
  n[18] = "mux";    n[41] = "ipv6";    n[43] = "ipv6-route"; n[44] = "ipv6-frag";
  n[46] = "rsvp";   n[47] = "gre";     n[50] = "esp";       n[51] = "ah";
  n[55] = "mobile"; n[56] = "tlsp";    n[58] = "ipv6-icmp"; n[59] = "ipv6-nonxt";
  n[60] = "ipv6-opts"; n[80] = "iso-ip"; n[83] = "vines";   n[88] = "eigrp";
  n[89] = "ospf";   n[91] = "larp";    n[93] = "ax.25";     n[94] = "ipip";
  n[98] = "encap";  n[102] = "pnni";   n[103] = "pim";      n[108] = "IPcomp";
  n[111] = "ipx-in-ip"; n[112] = "vrrp"; n[115] = "l2tp";   n[124] = "isis";
  n[132] = "sctp";  n[133] = "fc";
  return n;
}
constexpr auto kProtocolNames = make_protocol_names();

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void append_mac(std::string& out, const std::array<uint8_t, 6>& m) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[17];
  for (size_t i = 0; i < 6; ++i) {
    buf[3 * i] = kHex[m[i] >> 4];
    buf[3 * i + 1] = kHex[m[i] & 15];
    if (i < 5) buf[3 * i + 2] = ':';
  }
  out.append(buf, sizeof buf);
}

// inet_ntop goes through sprintf; dotted quads are the common case, so write them here.
void append_ip(std::string& out, const IpAddress& a) {
  if (a.family == IpFamily::kV6) {
    out += a.to_string();
    return;
  }
  for (size_t i = 0; i < 4; ++i) {
    if (i != 0) out += '.';
    append_uint(out, a.bytes[i]);
  }
}

// Field text is appended straight into `out` (no temporaries: the writer formats
// millions of records when a table with millions of flows is purged).
struct FieldText {
  enum Kind : uint8_t { kUint, kIp, kNet, kMac, kProtoName, kDirection } kind;
  uint64_t number = 0;
  const IpAddress* ip = nullptr;
  uint8_t mask = 0;
  const std::array<uint8_t, 6>* mac = nullptr;

  void append_to(std::string& out) const {
    switch (kind) {
      case kUint: append_uint(out, number); break;
      case kIp: append_ip(out, *ip); break;
      case kNet: append_ip(out, ip->empty() ? IpAddress::v4(kZero) : ip->masked(mask)); break;
      case kMac: append_mac(out, *mac); break;
      case kProtoName: {
        char scratch[4];
        out += pmacct_protocol_name(static_cast<uint8_t>(number), scratch);
        break;
      }
      case kDirection: out += to_string(static_cast<Direction>(number)); break;
    }
  }
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
};

// Visits the aggregated fields in pmacct's order as (name, text, quoted-in-JSON).
template <typename Visit>
void visit_fields(const FlowRecord& r, FlowFields f, Visit&& visit) {
  using K = FieldText;
  if (f.has(FlowField::kSrcMac)) visit("mac_src", K{K::kMac, 0, nullptr, 0, &r.mac_src}, true);
  if (f.has(FlowField::kDstMac)) visit("mac_dst", K{K::kMac, 0, nullptr, 0, &r.mac_dst}, true);
  if (f.has(FlowField::kVlan)) visit("vlan", K{K::kUint, r.vlan}, false);
  if (f.has(FlowField::kSrcHost)) visit("ip_src", K{K::kIp, 0, &r.src}, true);
  if (f.has(FlowField::kSrcNet)) visit("net_src", K{K::kNet, 0, &r.src, r.src_mask}, true);
  if (f.has(FlowField::kDstHost)) visit("ip_dst", K{K::kIp, 0, &r.dst}, true);
  if (f.has(FlowField::kDstNet)) visit("net_dst", K{K::kNet, 0, &r.dst, r.dst_mask}, true);
  if (f.has(FlowField::kSrcNet)) visit("mask_src", K{K::kUint, r.src_mask}, false);
  if (f.has(FlowField::kDstNet)) visit("mask_dst", K{K::kUint, r.dst_mask}, false);
  if (f.has(FlowField::kSrcPort)) visit("port_src", K{K::kUint, r.src_port}, false);
  if (f.has(FlowField::kDstPort)) visit("port_dst", K{K::kUint, r.dst_port}, false);
  // pmacct prints tcp_flags as a decimal string.
  if (f.has(FlowField::kTcpFlags)) visit("tcp_flags", K{K::kUint, r.tcp_flags}, true);
  if (f.has(FlowField::kProto)) visit("ip_proto", K{K::kProtoName, r.ip_proto}, true);
  if (f.has(FlowField::kTos)) visit("tos", K{K::kUint, r.tos}, false);
  if (f.has(FlowField::kDirection)) {
    visit("direction", K{K::kDirection, static_cast<uint64_t>(r.direction)}, true);
  }
}

// Writes `v` as exactly `width` decimal digits.
void put_digits(char* p, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// format_pmacct_time appended to `out`. The calendar date comes from days since the
// epoch with H. Hinnant's civil_from_days (proleptic Gregorian, UTC), not gmtime_r +
// fmt: a purge of millions of flows formats two timestamps per record.
void append_time(std::string& out, int64_t ns) {
  int64_t sec = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --sec;
  }
  int64_t days = sec / 86400;
  int64_t rem = sec % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // The records of one purge mostly share a day: the calendar date of the last day
  // formatted (per thread) is kept. Any int64 of nanoseconds lies in the years
  // 1677-2262, so the year always has four digits.
  struct DateCache {
    int64_t days = INT64_MIN;
    char text[10] = {};
  };
  thread_local DateCache cache;
  if (days != cache.days) {
    cache.days = days;
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    std::memcpy(cache.text, "0000-00-00", sizeof cache.text);
    put_digits(cache.text, static_cast<uint64_t>(year), 4);
    put_digits(cache.text + 5, static_cast<uint64_t>(month), 2);
    put_digits(cache.text + 8, static_cast<uint64_t>(day), 2);
  }
  char b[26] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', ' ', '0', '0',
                ':', '0', '0', ':', '0', '0', '.', '0', '0', '0', '0', '0', '0'};
  std::memcpy(b, cache.text, sizeof cache.text);
  put_digits(b + 11, static_cast<uint64_t>(rem / 3600), 2);
  put_digits(b + 14, static_cast<uint64_t>(rem / 60 % 60), 2);
  put_digits(b + 17, static_cast<uint64_t>(rem % 60), 2);
  put_digits(b + 20, static_cast<uint64_t>(frac / 1000), 6);
  out.append(b, sizeof b);
}

}  // namespace

std::string_view aggregate_name(FlowField f) {
  for (const auto& nf : kFieldNames) {
    if (nf.field == f) return nf.name;
  }
  return "?";
}

std::optional<FlowField> parse_aggregate_name(std::string_view name) {
  for (const auto& nf : kFieldNames) {
    if (nf.name == name) return nf.field;
  }
  return std::nullopt;
}

std::string_view pmacct_protocol_name(uint8_t proto, char (&scratch)[4]) {
  if (proto < kProtocolNames.size() && !kProtocolNames[proto].empty()) {
    return kProtocolNames[proto];
  }
  const auto end = fmt::format_to_n(scratch, sizeof scratch, "{}", proto).out;
  return {scratch, static_cast<size_t>(end - scratch)};
}

std::string format_pmacct_time(int64_t ns) {
  std::string out;
  append_time(out, ns);
  return out;
}

std::optional<FlowOutputFormat> parse_flow_output_format(std::string_view name) {
  if (name == "jsonl" || name == "json") return FlowOutputFormat::kJsonLines;
  if (name == "csv") return FlowOutputFormat::kCsv;
  if (name == "table") return FlowOutputFormat::kTable;
  return std::nullopt;
}

void append_json_line(const FlowRecord& r, FlowFields fields, std::string& out) {
  out += "{\"event_type\": \"purge\"";
  visit_fields(r, fields, [&out](std::string_view name, const FieldText& text, bool quoted) {
    out += ", \"";
    out += name;
    out += quoted ? "\": \"" : "\": ";
    text.append_to(out);
    if (quoted) out += '"';
  });
  out += ", \"timestamp_start\": \"";
  append_time(out, r.start_ns);
  out += "\", \"timestamp_end\": \"";
  append_time(out, r.end_ns);
  out += "\", \"packets\": ";
  append_uint(out, r.packets);
  out += ", \"bytes\": ";
  append_uint(out, r.bytes);
  out += "}\n";
}

void append_csv_header(FlowFields fields, std::string& out) {
  const FlowRecord empty;
  visit_fields(empty, fields, [&out](std::string_view name, const FieldText&, bool) {
    out += name;
    out += ',';
  });
  out += "timestamp_start,timestamp_end,packets,bytes\n";
}

void append_csv_line(const FlowRecord& r, FlowFields fields, std::string& out) {
  visit_fields(r, fields, [&out](std::string_view, const FieldText& text, bool) {
    text.append_to(out);
    out += ',';
  });
  append_time(out, r.start_ns);
  out += ',';
  append_time(out, r.end_ns);
  out += ',';
  append_uint(out, r.packets);
  out += ',';
  append_uint(out, r.bytes);
  out += '\n';
}

std::string format_bytes_si(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 1000) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes);
  size_t unit = 0;
  while (v >= 1000.0 && unit + 1 < std::size(kUnits)) {
    v /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", v, kUnits[unit]);
}

namespace {

size_t table_width(std::string_view name) {
  if (name == "ip_src" || name == "ip_dst" || name == "net_src" || name == "net_dst") return 39;
  if (name == "mac_src" || name == "mac_dst") return 17;
  if (name == "ip_proto" || name == "direction") return 9;
  return std::max<size_t>(name.size(), 5);
}

}  // namespace

void append_table_header(FlowFields fields, std::string& out) {
  out += fmt::format("{:<26} {:>10}", "start (UTC)", "duration");
  const FlowRecord empty;
  visit_fields(empty, fields, [&out](std::string_view name, const FieldText&, bool) {
    out += fmt::format(" {:<{}}", name, table_width(name));
  });
  out += fmt::format(" {:>12} {:>10}\n", "packets", "bytes");
}

void append_table_line(const FlowRecord& r, FlowFields fields, std::string& out) {
  const double duration_s = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
  out += fmt::format("{:<26} {:>9.3f}s", format_pmacct_time(r.start_ns), duration_s);
  visit_fields(r, fields, [&out](std::string_view name, const FieldText& text, bool) {
    std::string cell;
    text.append_to(cell);
    out += fmt::format(" {:<{}}", cell, table_width(name));
  });
  out += fmt::format(" {:>12} {:>10}\n", r.packets, format_bytes_si(r.bytes));
}

FlowWriter::FlowWriter(std::FILE* out, FlowFields fields, FlowOutputFormat format)
    : out_(out), fields_(fields), format_(format) {
  buffer_.reserve(1 << 17);
}

FlowWriter::~FlowWriter() { (void)flush(); }

void FlowWriter::write_header_once() {
  if (header_written_) return;
  header_written_ = true;
  if (format_ == FlowOutputFormat::kCsv) append_csv_header(fields_, buffer_);
  if (format_ == FlowOutputFormat::kTable) append_table_header(fields_, buffer_);
}

void FlowWriter::write(FlowBatch batch) {
  write_header_once();
  for (const FlowRecord& r : batch) {
    switch (format_) {
      case FlowOutputFormat::kJsonLines: append_json_line(r, fields_, buffer_); break;
      case FlowOutputFormat::kCsv: append_csv_line(r, fields_, buffer_); break;
      case FlowOutputFormat::kTable: append_table_line(r, fields_, buffer_); break;
    }
    ++records_;
    if (buffer_.size() >= (1 << 16)) (void)flush();
  }
}

bool FlowWriter::flush() {
  write_header_once();
  if (!buffer_.empty() && !failed_) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), out_) != buffer_.size()) failed_ = true;
  }
  buffer_.clear();
  if (std::fflush(out_) != 0) failed_ = true;
  return !failed_;
}

}  // namespace flowlens
