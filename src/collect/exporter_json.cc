#include "collect/exporter_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <string>
#include <utility>

#include "core/json_writer.h"
#include "core/value_text.h"

namespace flowlens::collect {

using decode::flow::ExporterHealth;
using decode::flow::FlowDecodeError;
using decode::flow::InterfaceCounters;
using decode::flow::kFlowDecodeErrorCount;

namespace {

constexpr std::string_view kKindNames[4] = {"netflow_v5", "netflow_v9", "ipfix", "sflow"};

void write_errors(JsonWriter& w, const std::array<uint64_t, kFlowDecodeErrorCount>& errors) {
  w.key("decode_errors").begin_object();
  for (size_t e = 0; e < errors.size(); ++e) {
    if (errors[e] != 0) w.member(error_name(static_cast<FlowDecodeError>(e)), errors[e]);
  }
  w.end_object();
}

// Reading back: every member is required (the writer always writes it), so a missing one
// means the body is not ours; its name goes into the error.
class Reader {
 public:
  explicit Reader(simdjson::dom::object obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  uint64_t u64(std::string_view name) {
    uint64_t v = 0;
    if (obj_[name].get(v) != simdjson::SUCCESS) fail(name, "an unsigned integer");
    return v;
  }
  int64_t i64(std::string_view name) {
    int64_t v = 0;
    if (obj_[name].get(v) != simdjson::SUCCESS) fail(name, "an integer");
    return v;
  }
  double f64(std::string_view name) {
    double v = 0;
    if (obj_[name].get(v) != simdjson::SUCCESS) fail(name, "a number");
    return v;
  }
  bool boolean(std::string_view name) {
    bool v = false;
    if (obj_[name].get(v) != simdjson::SUCCESS) fail(name, "true or false");
    return v;
  }
  std::string_view string(std::string_view name) {
    std::string_view v;
    if (obj_[name].get(v) != simdjson::SUCCESS) fail(name, "a string");
    return v;
  }
  // A default dom::array/object must not be iterated: callers check the bool.
  bool array(std::string_view name, simdjson::dom::array& v) {
    if (obj_[name].get(v) == simdjson::SUCCESS) return true;
    fail(name, "an array");
    return false;
  }
  bool object(std::string_view name, simdjson::dom::object& v) {
    if (obj_[name].get(v) == simdjson::SUCCESS) return true;
    fail(name, "an object");
    return false;
  }
  void errors(std::array<uint64_t, kFlowDecodeErrorCount>& out) {
    simdjson::dom::object reasons;
    if (!object("decode_errors", reasons)) return;
    for (auto field : reasons) {
      uint64_t n = 0;
      if (field.value.get(n) != simdjson::SUCCESS) {
        fail("decode_errors", "an object of counts");
        continue;
      }
      // Reasons this build does not know (a newer server) are ignored.
      for (size_t e = 0; e < kFlowDecodeErrorCount; ++e) {
        if (error_name(static_cast<FlowDecodeError>(e)) == field.key) out[e] = n;
      }
    }
  }
  void fail(std::string_view name, std::string_view expected) {
    if (error_.empty()) error_ = where_ + "." + std::string(name) + ": expected " + std::string(expected);
  }
  const std::string& error() const { return error_; }

 private:
  simdjson::dom::object obj_;
  std::string where_;
  std::string error_;
};

}  // namespace

CollectorReport report_of(const UdpCollector& collector, std::vector<std::string> listeners) {
  CollectorReport r;
  r.collecting = true;
  r.listeners = std::move(listeners);
  r.workers = static_cast<unsigned>(r.listeners.empty() ? 0 : collector.worker_count() / r.listeners.size());
  r.receive_buffer_bytes = collector.receive_buffer_bytes();
  r.totals = collector.stats();
  r.exporters = collector.exporters();
  return r;
}

std::string to_json(const CollectorReport& r) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.member("collecting", r.collecting);
  w.key("listeners").begin_array();
  for (const std::string& l : r.listeners) w.string(l);
  w.end_array();
  w.member("workers", uint64_t{r.workers});
  w.member("receive_buffer_bytes", int64_t{r.receive_buffer_bytes});
  const CollectorStats& t = r.totals;
  w.key("totals").begin_object();
  w.member("datagrams", t.datagrams).member("bytes", t.bytes).member("records", t.records);
  w.member("kernel_drops", t.kernel_drops).member("truncated", t.truncated);
  w.member("receive_errors", t.receive_errors);
  write_errors(w, t.decode_errors);
  w.end_object();
  w.key("exporters").begin_array();
  for (const ExporterHealth& h : r.exporters) {
    w.begin_object();
    w.member("exporter", h.exporter.to_string());
    w.member("port", uint64_t{h.last_port});
    w.member("last_seen", h.last_seen_ns > 0 ? format_time(h.last_seen_ns) : std::string());
    w.member("last_seen_ns", h.last_seen_ns);
    w.member("datagrams", h.datagrams);
    for (size_t k = 0; k < 4; ++k) w.member(kKindNames[k], h.datagrams_by_kind[k]);
    w.member("records", h.records);
    w.member("templates_seen", h.templates_seen);
    w.member("templates_withdrawn", h.templates_withdrawn);
    w.member("options_records", h.options_records);
    w.member("sets_held", h.sets_held);
    w.member("sets_decoded_from_hold", h.sets_decoded_from_hold);
    w.member("sets_dropped_no_template", h.sets_dropped_no_template);
    w.member("bytes_dropped_no_template", h.bytes_dropped_no_template);
    w.member("counter_samples", h.counter_samples);
    w.member("sampling_rate_announced", uint64_t{h.sampling_rate_announced});
    w.member("sampling_rate_override", uint64_t{h.sampling_rate_override});
    w.member("timestamps_corrected", h.timestamps_corrected);
    // Milliseconds are plenty for a skew and keep the number short.
    w.key("clock_skew_s").number(std::round(static_cast<double>(h.clock_skew_ns) / 1e6) / 1e3);
    write_errors(w, h.errors);
    w.key("interfaces").begin_array();
    for (const auto& [index, c] : h.interfaces) {
      w.begin_object();
      w.member("if_index", uint64_t{index});
      w.member("in_octets", c.in_octets).member("out_octets", c.out_octets);
      w.member("in_errors", uint64_t{c.in_errors}).member("out_errors", uint64_t{c.out_errors});
      w.member("in_discards", uint64_t{c.in_discards});
      w.member("out_discards", uint64_t{c.out_discards});
      w.member("speed", c.speed);
      w.member("updated", c.updated_ns > 0 ? format_time(c.updated_ns) : std::string());
      w.member("updated_ns", c.updated_ns);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

std::string to_prometheus(const CollectorReport& r) {
  std::string out;
  if (!r.collecting) return out;
  const auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const CollectorStats& t = r.totals;
  family("flowlens_collect_datagrams_total", "counter", "Flow-export datagrams received");
  out += fmt::format("flowlens_collect_datagrams_total {}\n", t.datagrams);
  family("flowlens_collect_records_total", "counter", "Flow records decoded from exports");
  out += fmt::format("flowlens_collect_records_total {}\n", t.records);
  family("flowlens_collect_kernel_drops_total", "counter",
         "Datagrams the kernel dropped because a socket buffer was full");
  out += fmt::format("flowlens_collect_kernel_drops_total {}\n", t.kernel_drops);
  family("flowlens_collect_truncated_total", "counter", "Datagrams longer than the receive buffer");
  out += fmt::format("flowlens_collect_truncated_total {}\n", t.truncated);
  family("flowlens_collect_decode_errors_total", "counter", "Decode errors by reason");
  for (size_t e = 0; e < t.decode_errors.size(); ++e) {
    out += fmt::format("flowlens_collect_decode_errors_total{{reason=\"{}\"}} {}\n",
                       error_name(static_cast<FlowDecodeError>(e)), t.decode_errors[e]);
  }
  // Exporter addresses are IP text: no character needs escaping in a label value.
  const auto per_exporter = [&](std::string_view name, std::string_view type, std::string_view help,
                                auto value) {
    family(name, type, help);
    for (const ExporterHealth& h : r.exporters) {
      out += fmt::format("{}{{exporter=\"{}\"}} {}\n", name, h.exporter.to_string(), value(h));
    }
  };
  per_exporter("flowlens_exporter_datagrams_total", "counter", "Datagrams from this exporter",
               [](const ExporterHealth& h) { return h.datagrams; });
  per_exporter("flowlens_exporter_records_total", "counter", "Flow records from this exporter",
               [](const ExporterHealth& h) { return h.records; });
  per_exporter("flowlens_exporter_sets_dropped_no_template_total", "counter",
               "Data sets dropped because their template never came",
               [](const ExporterHealth& h) { return h.sets_dropped_no_template; });
  per_exporter("flowlens_exporter_clock_skew_seconds", "gauge",
               "Receive time minus the exporter's header time, latest datagram",
               [](const ExporterHealth& h) { return static_cast<double>(h.clock_skew_ns) / 1e9; });
  per_exporter("flowlens_exporter_sampling_rate_announced", "gauge",
               "Latest sampling rate the exporter announced (0 = none)",
               [](const ExporterHealth& h) { return h.sampling_rate_announced; });
  per_exporter("flowlens_exporter_sampling_rate_configured", "gauge",
               "Sampling rate from --sampling for this exporter (0 = none)",
               [](const ExporterHealth& h) { return h.sampling_rate_override; });
  family("flowlens_exporter_decode_errors_total", "counter", "Decode errors of this exporter by reason");
  for (const ExporterHealth& h : r.exporters) {
    for (size_t e = 0; e < h.errors.size(); ++e) {
      if (h.errors[e] == 0) continue;
      out += fmt::format("flowlens_exporter_decode_errors_total{{exporter=\"{}\",reason=\"{}\"}} {}\n",
                         h.exporter.to_string(), error_name(static_cast<FlowDecodeError>(e)), h.errors[e]);
    }
  }
  return out;
}

Result<CollectorReport> parse_collector_report(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object root_obj;
  const simdjson::padded_string padded(json);
  if (parser.parse(padded).get(root_obj) != simdjson::SUCCESS) {
    return Error{"not a JSON object"};
  }
  CollectorReport r;
  Reader root(root_obj, "$");
  r.collecting = root.boolean("collecting");
  simdjson::dom::array listeners;
  if (root.array("listeners", listeners)) {
    for (auto l : listeners) {
      std::string_view s;
      if (l.get(s) != simdjson::SUCCESS) root.fail("listeners", "an array of strings");
      r.listeners.emplace_back(s);
    }
  }
  r.workers = static_cast<unsigned>(root.u64("workers"));
  r.receive_buffer_bytes = static_cast<int>(root.i64("receive_buffer_bytes"));
  simdjson::dom::object totals;
  if (root.object("totals", totals)) {
    Reader t(totals, "$.totals");
    r.totals.datagrams = t.u64("datagrams");
    r.totals.bytes = t.u64("bytes");
    r.totals.records = t.u64("records");
    r.totals.kernel_drops = t.u64("kernel_drops");
    r.totals.truncated = t.u64("truncated");
    r.totals.receive_errors = t.u64("receive_errors");
    t.errors(r.totals.decode_errors);
    if (!t.error().empty()) return Error{t.error()};
  }
  if (!root.error().empty()) return Error{root.error()};
  simdjson::dom::array exporters;
  if (!root.array("exporters", exporters)) return Error{root.error()};
  size_t i = 0;
  for (auto item : exporters) {
    simdjson::dom::object obj;
    const std::string where = "$.exporters[" + std::to_string(i++) + "]";
    if (item.get(obj) != simdjson::SUCCESS) return Error{where + ": expected an object"};
    Reader e(obj, where);
    ExporterHealth h;
    const auto address = IpAddress::parse(e.string("exporter"));
    if (!address) e.fail("exporter", "an IP address");
    if (address) h.exporter = *address;
    h.last_port = static_cast<uint16_t>(e.u64("port"));
    h.last_seen_ns = e.i64("last_seen_ns");
    h.datagrams = e.u64("datagrams");
    for (size_t k = 0; k < 4; ++k) h.datagrams_by_kind[k] = e.u64(kKindNames[k]);
    h.records = e.u64("records");
    h.templates_seen = e.u64("templates_seen");
    h.templates_withdrawn = e.u64("templates_withdrawn");
    h.options_records = e.u64("options_records");
    h.sets_held = e.u64("sets_held");
    h.sets_decoded_from_hold = e.u64("sets_decoded_from_hold");
    h.sets_dropped_no_template = e.u64("sets_dropped_no_template");
    h.bytes_dropped_no_template = e.u64("bytes_dropped_no_template");
    h.counter_samples = e.u64("counter_samples");
    h.sampling_rate_announced = static_cast<uint32_t>(e.u64("sampling_rate_announced"));
    h.sampling_rate_override = static_cast<uint32_t>(e.u64("sampling_rate_override"));
    h.timestamps_corrected = e.u64("timestamps_corrected");
    h.clock_skew_ns = static_cast<int64_t>(std::llround(e.f64("clock_skew_s") * 1e9));
    e.errors(h.errors);
    simdjson::dom::array interfaces;
    if (e.array("interfaces", interfaces)) {
      for (auto itf : interfaces) {
        simdjson::dom::object io;
        if (itf.get(io) != simdjson::SUCCESS) {
          e.fail("interfaces", "an array of objects");
          break;
        }
        Reader c(io, where + ".interfaces");
        InterfaceCounters counters;
        const auto index = static_cast<uint32_t>(c.u64("if_index"));
        counters.in_octets = c.u64("in_octets");
        counters.out_octets = c.u64("out_octets");
        counters.in_errors = static_cast<uint32_t>(c.u64("in_errors"));
        counters.out_errors = static_cast<uint32_t>(c.u64("out_errors"));
        counters.in_discards = static_cast<uint32_t>(c.u64("in_discards"));
        counters.out_discards = static_cast<uint32_t>(c.u64("out_discards"));
        counters.speed = c.u64("speed");
        counters.updated_ns = c.i64("updated_ns");
        if (!c.error().empty()) return Error{c.error()};
        h.interfaces[index] = counters;
      }
    }
    if (!e.error().empty()) return Error{e.error()};
    r.exporters.push_back(std::move(h));
  }
  if (!root.error().empty()) return Error{root.error()};
  return r;
}

}  // namespace flowlens::collect
