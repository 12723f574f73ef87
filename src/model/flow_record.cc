#include "model/flow_record.h"

namespace flowlens {

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kPcap: return "pcap";
    case SourceKind::kNetflowV5: return "netflow-v5";
    case SourceKind::kNetflowV9: return "netflow-v9";
    case SourceKind::kIpfix: return "ipfix";
    case SourceKind::kSflow: return "sflow";
    case SourceKind::kPmacct: return "pmacct";
  }
  return "unknown";
}

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::kIn: return "in";
    case Direction::kOut: return "out";
    case Direction::kLocal: return "local";
    case Direction::kTransit: return "transit";
    case Direction::kUnknown: break;
  }
  return "unknown";
}

}  // namespace flowlens
