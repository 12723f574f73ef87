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
//  - Two implementations: the hand-written readers (PcapFileReader, PcapngFileReader:
//    mmap or block reads, records point into the mapping, no per-packet allocation) are
//    the default; LibpcapFileReader (pcap_next_ex) exists as an independent cross-check
//    and a benchmark baseline. See src/capture/README.md for why.

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
  uint32_t snaplen = 0;          // pcap: the header's; pcapng: the first IDB's
};

enum class ReaderKind : uint8_t {
  kHandWritten,  // PcapFileReader / PcapngFileReader (default)
  kLibpcap,      // LibpcapFileReader: pcap_open_offline_with_tstamp_precision + pcap_next_ex
};

class CaptureReader {
 public:
  virtual ~CaptureReader() = default;

  // `path` "-" reads standard input (hand-written readers only); FIFOs and other
  // non-mappable inputs are read in blocks.
  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);
  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path, ReaderKind kind);
  // Reads a capture held in memory (fuzzing, tests); the bytes are copied, `name`
  // stands for the path in messages.
  static Result<std::unique_ptr<CaptureReader>> open_buffer(const std::string& name,
                                                            std::span<const uint8_t> bytes);

  virtual size_t read_batch(std::span<PacketRecord> out) = 0;
  // Known after open() for pcap; for pcapng it grows as IDBs and sections are read.
  virtual const CaptureInfo& info() const = 0;
  virtual const std::optional<Error>& error() const = 0;
  virtual const std::string& path() const = 0;
  // Bytes of the file consumed so far (for progress and checkpoints).
  virtual uint64_t position() const = 0;
};

}  // namespace flowlens::capture
