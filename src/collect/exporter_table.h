#pragma once
// A human-readable table of exporter health (one row per exporter), as printed by
// `flowlens collect --exporters`. Plain text, fixed columns; decode errors are listed
// as reason=count for the reasons that occurred.

#include <string>
#include <vector>

#include "decode/flow/exporter_health.h"

namespace flowlens::collect {

std::string format_exporter_table(const std::vector<decode::flow::ExporterHealth>& exporters);

}  // namespace flowlens::collect
