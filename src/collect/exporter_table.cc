#include "collect/exporter_table.h"

#include <fmt/format.h>

namespace flowlens::collect {

using decode::flow::ExporterHealth;
using decode::flow::FlowDecodeError;

std::string format_exporter_table(const std::vector<ExporterHealth>& exporters) {
  std::string out = fmt::format("{:<40} {:>10} {:>22} {:>12} {:>9} {:>9} {:>9} {:>13} {:>11}  {}\n",
                                "exporter", "datagrams", "v5/v9/ipfix/sflow", "records",
                                "templates", "held", "dropped", "sampling", "clock_skew_s",
                                "errors");
  for (const ExporterHealth& h : exporters) {
    std::string errors;
    for (size_t e = 0; e < h.errors.size(); ++e) {
      if (h.errors[e] != 0) {
        errors += fmt::format("{}{}={}", errors.empty() ? "" : " ",
                              error_name(static_cast<FlowDecodeError>(e)), h.errors[e]);
      }
    }
    const auto& k = h.datagrams_by_kind;
    // "announced/override", 0 where there is none.
    const std::string sampling =
        fmt::format("{}/{}", h.sampling_rate_announced, h.sampling_rate_override);
    out += fmt::format("{:<40} {:>10} {:>22} {:>12} {:>9} {:>9} {:>9} {:>13} {:>11.3f}  {}\n",
                       h.exporter.to_string(), h.datagrams,
                       fmt::format("{}/{}/{}/{}", k[0], k[1], k[2], k[3]), h.records,
                       h.templates_seen, h.sets_held, h.sets_dropped_no_template, sampling,
                       static_cast<double>(h.clock_skew_ns) / 1e9,
                       errors.empty() ? "-" : errors);
  }
  return out;
}

}  // namespace flowlens::collect
