#pragma once
// PcapFileReader: hand-written reader for classic libpcap files (both byte orders,
// micro- and nanosecond magics, versions 2.x).
//
// Contract (besides CaptureReader's):
//  - Versions below 2.3 store caplen and len swapped in every record header; they are
//    swapped back. Version 2.3 swaps them back only where caplen > len (as libpcap and
//    Wireshark do).
//  - Timestamps are passed through as stored: `ts.sec` is the unsigned 32-bit seconds
//    field, `ts.nsec` the fraction scaled to ns (usec * 1000), not normalised.
//  - A record whose caplen exceeds kMaxCaplen (Wireshark's and libpcap's 256 KiB limit)
//    or that the file cuts short ends reading with an error naming its offset.
//  - Records are not truncated to the header's snaplen (Wireshark does not either).
//  - A source in follow mode that has no more bytes yet (ByteSource kPending) ends the
//    batch without consuming the partial record; the next read_batch() retries it.

#include <memory>
#include <optional>
#include <string>

#include "capture/byte_source.h"
#include "capture/capture_reader.h"

namespace flowlens::capture {

class PcapFileReader final : public CaptureReader {
 public:
  static constexpr uint32_t kMagicMicro = 0xa1b2c3d4;
  static constexpr uint32_t kMagicNano = 0xa1b23c4d;
  static constexpr uint32_t kMaxCaplen = 262144;
  static constexpr size_t kFileHeaderSize = 24;
  static constexpr size_t kRecordHeaderSize = 16;

  // True when the first four bytes are a classic pcap magic in either byte order.
  static bool matches(const uint8_t* first4);
  // Parses the file header; errors name the path and offset of the bad field.
  static Result<std::unique_ptr<CaptureReader>> open(std::string path,
                                                     std::unique_ptr<ByteSource> source);

  // Continues at `offset`, a record boundary past the file header (a checkpoint),
  // before the first read_batch(). Errors name the path and the offset.
  Status skip_to(uint64_t offset);

  size_t read_batch(std::span<PacketRecord> out) override;
  const CaptureInfo& info() const override { return info_; }
  const std::optional<Error>& error() const override { return error_; }
  const std::string& path() const override { return path_; }
  uint64_t position() const override { return pos_; }

 private:
  enum class LengthSwap : uint8_t { kNever, kAlways, kWhenCaplenBigger };

  PcapFileReader(std::string path, std::unique_ptr<ByteSource> source)
      : path_(std::move(path)), source_(std::move(source)) {}
  template <bool kBigEndian>
  size_t read_records(std::span<PacketRecord> out);
  // Records an error at `offset` and stops reading.
  void fail(uint64_t offset, const std::string& reason);

  std::string path_;
  std::unique_ptr<ByteSource> source_;
  CaptureInfo info_;
  std::optional<Error> error_;
  uint64_t pos_ = kFileHeaderSize;
  uint32_t link_type_ = 0;
  uint32_t frac_to_ns_ = 1000;
  LengthSwap swap_ = LengthSwap::kNever;
  bool big_endian_ = false;
  bool done_ = false;
};

}  // namespace flowlens::capture
