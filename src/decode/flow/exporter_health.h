#pragma once
// ExporterHealth: what one flow exporter (router, switch, probe) has sent and what went
// wrong with it, as counted by ExportDecoder. One value per exporter address; plain data,
// copied out by ExportDecoder::exporters() for `flowlens exporters` and the HTTP API.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "model/ip_address.h"

namespace flowlens::decode::flow {

// Why (part of) a datagram could not be decoded. Every reason is counted per exporter;
// none of them stops the decoder.
enum class FlowDecodeError : uint8_t {
  kTooShort = 0,         // shorter than the smallest header of any known protocol
  kUnknownVersion,       // version field is not 5 (NetFlow v5 / sFlow v5), 9 or 10
  kV5Length,             // NetFlow v5: 24 + 48 * count exceeds the datagram
  kHeaderLength,         // IPFIX: message length field disagrees with the datagram
  kSetLength,            // v9/IPFIX: set/flowset length < 4 or past the end
  kBadTemplate,          // template record cut short, zero length or out of range id
  kTemplateRecordLength, // template whose records would have no bytes (would loop)
  kVariableLength,       // IPFIX variable-length field runs past the record
  kHeldOverflow,         // held data set dropped: too many held sets
  kHeldExpired,          // held data set dropped: its template did not come in time
  kSflowTruncated,       // sFlow header, sample or record runs past its container
  kSflowAddressType,     // sFlow agent address type is neither 1 (IPv4) nor 2 (IPv6)
  kSflowHeaderNotIp,     // sampled header the packet decoder could not read as IP
  kTimestamp,            // flow time before 2000 or far from the receive time (corrected)
  kCount,                // number of reasons, not a reason
};
inline constexpr size_t kFlowDecodeErrorCount = static_cast<size_t>(FlowDecodeError::kCount);

// Stable snake_case names for metrics and `flowlens exporters`.
std::string_view error_name(FlowDecodeError error);

// sFlow generic interface counters (counter record format 1), latest values per ifIndex.
struct InterfaceCounters {
  uint64_t in_octets = 0;
  uint64_t out_octets = 0;
  uint32_t in_errors = 0;
  uint32_t out_errors = 0;
  uint32_t in_discards = 0;
  uint32_t out_discards = 0;
  uint64_t speed = 0;
  int64_t updated_ns = 0;  // receive time of the counter sample
};

struct ExporterHealth {
  IpAddress exporter;
  uint16_t last_port = 0;  // UDP source port of the latest datagram
  uint64_t datagrams = 0;
  std::array<uint64_t, 4> datagrams_by_kind{};  // v5, v9, IPFIX, sFlow
  uint64_t records = 0;                // FlowRecords produced (reverse directions included)
  uint64_t templates_seen = 0;         // template and options template records accepted
  uint64_t templates_withdrawn = 0;
  uint64_t options_records = 0;        // options data records (sampling tables)
  uint64_t sets_held = 0;              // data sets held until their template came
  uint64_t sets_decoded_from_hold = 0;
  uint64_t sets_dropped_no_template = 0;  // held then dropped (overflow or age)
  uint64_t bytes_dropped_no_template = 0; // their size (records cannot be counted
                                          // without the template)
  uint64_t counter_samples = 0;        // sFlow counter samples
  uint32_t sampling_rate_announced = 0;  // latest rate the exporter announced (0: none)
  uint32_t sampling_rate_override = 0;   // rate from the configuration in use (0: none)
  uint64_t timestamps_corrected = 0;
  int64_t clock_skew_ns = 0;           // receive time - export header time, latest datagram
  int64_t last_seen_ns = 0;            // receive time of the latest datagram
  std::array<uint64_t, kFlowDecodeErrorCount> errors{};
  std::map<uint32_t, InterfaceCounters> interfaces;  // sFlow ifIndex -> counters

  uint64_t error_count(FlowDecodeError e) const { return errors[static_cast<size_t>(e)]; }
  uint64_t total_errors() const {
    uint64_t n = 0;
    for (uint64_t e : errors) {
      n += e;
    }
    return n;
  }
};

}  // namespace flowlens::decode::flow
