#pragma once
// CaptureReader: reads packet records from a capture file in batches.
//
// Contract:
//  - open() detects the format by magic number (classic pcap in either byte order,
//    micro- or nanosecond, versions 2.x; pcapng in either byte order), never by name.
//    A file that is not a capture, or whose header is invalid, gives an Error whose
//    message names the file, the byte offset and what is wrong.
//  - read_batch() fills `out` with up to out.size() records and returns how many; 0 means
//    the end of the input. Records point into the reader's buffer and stay valid until the
//    next read_batch() call.
//  - Damage found after the header (a record cut short, an impossible length, a bad block)
//    ends reading: everything before it has already been returned, and error() then says
//    what was wrong and where. Nothing throws; nothing asserts on file contents.
//  - One reader is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "capture/packet_record.h"
#include "core/result.h"

namespace flowlens::capture {

struct CaptureInfo {
  // As EXPECTED.tsv's `format` column: "pcap-le-usec", "pcap-be-nsec-v2.0",
  // "pcapng-le", "pcapng-be+le-3sections", ...
  std::string format;
  // Distinct link types in first-seen order (pcap: the header's; pcapng: each IDB's),
  // each with the upper 16 bits of the pcap link-type field (FCS info), usually 0.
  struct LinkType {
    uint32_t link_type = 0;
    uint32_t high_bits = 0;
  };
  std::vector<LinkType> link_types;
  uint32_t interface_count = 0;  // pcapng: number of IDBs across sections; pcap: 1
  uint32_t snaplen = 0;
};

class CaptureReader {
 public:
  virtual ~CaptureReader() = default;

  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);

  virtual size_t read_batch(std::span<PacketRecord> out) = 0;
  // Known after open() for pcap; for pcapng it grows as IDBs and sections are read.
  virtual const CaptureInfo& info() const = 0;
  virtual const std::optional<Error>& error() const = 0;
  virtual const std::string& path() const = 0;
  // Bytes of the file consumed so far (for progress and checkpoints).
  virtual uint64_t position() const = 0;
};

}  // namespace flowlens::capture
