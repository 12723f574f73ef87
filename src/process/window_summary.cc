// to_json(WindowSummary): the message WS /api/v1/live pushes per closed window.
//
// Field names follow pmacct where pmacct has one (ip_proto as a protocol name, ip_src,
// ip_dst, port_src, port_dst, bytes, packets, flows); times are ISO-8601 UTC strings for
// people and *_ns integers for programs (no float rounding of nanoseconds).

#include <charconv>
#include <string>

#include "core/json_writer.h"
#include "model/flow_output.h"
#include "process/stream_processor.h"

namespace flowlens::process {
namespace {

// pmacct's "YYYY-MM-DD HH:MM:SS.uuuuuu" (UTC) as ISO 8601: 'T' separator, 'Z' suffix, and
// the fraction dropped when it is zero (window bounds are whole seconds in practice).
std::string iso8601_utc(int64_t ns) {
  std::string text = format_pmacct_time(ns);
  if (text.size() > 10) {
    text[10] = 'T';
  }
  if (text.size() == 26 && text.compare(19, 7, ".000000") == 0) {
    text.resize(19);
  }
  text += 'Z';
  return text;
}

void counters(JsonWriter& w, const Counters3& c, std::string_view prefix = {}) {
  std::string name(prefix);
  const size_t base = name.size();
  w.member((name += "bytes"), c.bytes);
  name.resize(base);
  w.member((name += "packets"), c.packets);
  name.resize(base);
  w.member((name += "flows"), c.flows);
}

void hosts(JsonWriter& w, std::string_view name, std::string_view field,
           const std::vector<TopItem>& items) {
  w.key(name).begin_array();
  for (const TopItem& item : items) {
    w.begin_object().member(field, item.key);
    counters(w, item.counters);
    w.end_object();
  }
  w.end_array();
}

// Port keys are the decimal text the processor wrote; they go out as JSON numbers.
void ports(JsonWriter& w, std::string_view name, std::string_view field,
           const std::vector<TopItem>& items) {
  w.key(name).begin_array();
  for (const TopItem& item : items) {
    uint64_t port = 0;
    const char* end = item.key.data() + item.key.size();
    w.begin_object();
    if (std::from_chars(item.key.data(), end, port).ptr == end && !item.key.empty()) {
      w.member(field, port);
    } else {
      w.member(field, item.key);
    }
    counters(w, item.counters);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string to_json(const WindowSummary& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("window_start", iso8601_utc(s.start_ns))
      .member("window_end", iso8601_utc(s.end_ns))
      .member("window_start_ns", s.start_ns)
      .member("window_end_ns", s.end_ns);
  counters(w, s.totals);
  w.member("active_hosts", s.active_hosts);
  w.key("protocols").begin_array();
  for (const ProtoTraffic& p : s.protocols) {
    char scratch[4];
    w.begin_object().member("ip_proto", pmacct_protocol_name(p.ip_proto, scratch));
    counters(w, p.counters);
    w.end_object();
  }
  w.end_array();
  hosts(w, "top_src_hosts", "ip_src", s.top_src_hosts);
  hosts(w, "top_dst_hosts", "ip_dst", s.top_dst_hosts);
  ports(w, "top_src_ports", "port_src", s.top_src_ports);
  ports(w, "top_dst_ports", "port_dst", s.top_dst_ports);
  w.key("local_networks").begin_array();
  for (const LocalNetTraffic& n : s.local_networks) {
    w.begin_object().member("network", n.network.to_string());
    counters(w, n.in, "in_");
    counters(w, n.out, "out_");
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace flowlens::process
