#pragma once
// replay_exports: decodes the flow-export datagrams (NetFlow v5/v9, IPFIX, sFlow) found in
// a capture file, as if they had been received by a collector at the packet timestamps.
// Backs `flowlens flows --replay-exports FILE.pcap`.
//
// Every UDP datagram of the capture (IPv4 or IPv6, not fragmented, any port) whose payload
// starts like a known export version is fed to `decoder` with exporter = IP source,
// exporter port = UDP source port and receive time = the packet timestamp. Other packets
// are counted and skipped. `sink` receives the records of each datagram (possibly none).

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/result.h"
#include "decode/flow/export_decoder.h"
#include "model/flow_record.h"

namespace flowlens::decode::flow {

struct ReplayStats {
  uint64_t packets = 0;          // packets read from the capture
  uint64_t datagrams = 0;        // UDP payloads handed to the decoder
  uint64_t not_udp = 0;          // not IP, not UDP, fragments, or the UDP header cut
  uint64_t records = 0;          // FlowRecords produced
};

using FlowSink = std::function<void(std::span<const FlowRecord>)>;

// Errors: the capture cannot be opened, or it is damaged (records before the damage have
// been delivered to `sink` by then).
Result<ReplayStats> replay_exports(const std::string& path, ExportDecoder& decoder,
                                   const FlowSink& sink);

// The UDP payload of one captured frame, or an empty span when the frame is not an
// unfragmented UDP datagram. Sets `source`/`source_port` from the IP and UDP headers.
std::span<const uint8_t> udp_payload(uint32_t link_type, std::span<const uint8_t> frame,
                                     decode::PacketDecoder& packets, IpAddress& source,
                                     uint16_t& source_port);

}  // namespace flowlens::decode::flow
