#pragma once
// PcapFileWriter: writes a classic pcap file (little-endian, LINKTYPE_ETHERNET,
// microsecond or nanosecond timestamps) through one large buffer, building each record
// in place so a frame is never copied twice.
//
// Errors: open() reports a file that cannot be created. A failed write (disk full) is
// remembered; later appends go to the buffer and are dropped, and close() returns the
// first error. Not thread-safe; one writer per file.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace flowlens::synth {

enum class TimestampPrecision : uint8_t { kMicro, kNano };

class PcapFileWriter {
 public:
  static constexpr uint32_t kSnaplen = 65535;
  static constexpr size_t kRecordHeader = 16;
  static constexpr size_t kBufferBytes = size_t{4} << 20;

  // Creates or truncates `path` ("-" means standard output) and writes the file header.
  static Result<PcapFileWriter> open(const std::string& path, TimestampPrecision precision);

  PcapFileWriter(PcapFileWriter&& other) noexcept;
  PcapFileWriter& operator=(PcapFileWriter&&) = delete;
  PcapFileWriter(const PcapFileWriter&) = delete;
  PcapFileWriter& operator=(const PcapFileWriter&) = delete;
  ~PcapFileWriter();  // closes without reporting errors; call close() to see them

  // Appends a record header for a frame of `length` bytes (captured = on the wire,
  // length <= kSnaplen) stamped `ts_ns` (ns since the Unix epoch, >= 0) and returns where
  // the caller writes the frame bytes. The pointer is valid until the next call.
  uint8_t* append(int64_t ts_ns, uint32_t length) {
    if (used_ + kRecordHeader + length > kBufferBytes) {
      flush();
    }
    uint8_t* record = buffer_.get() + used_;
    const int64_t seconds = ts_ns / 1'000'000'000;
    const int64_t fraction = ts_ns % 1'000'000'000;
    store_le32(record, static_cast<uint32_t>(seconds));
    store_le32(record + 4, static_cast<uint32_t>(
                               precision_ == TimestampPrecision::kNano ? fraction : fraction / 1000));
    store_le32(record + 8, length);
    store_le32(record + 12, length);
    used_ += kRecordHeader + length;
    records_ += 1;
    return record + kRecordHeader;
  }

  // True while every write so far succeeded.
  bool ok() const { return error_.empty(); }
  uint64_t records() const { return records_; }
  // Bytes handed to the operating system so far (the header included).
  uint64_t bytes_flushed() const { return flushed_; }

  // Flushes and closes; returns the first write or close error, if any.
  Status close();

 private:
  PcapFileWriter(int fd, bool owns_fd, std::string path, TimestampPrecision precision);
  static void store_le32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v >> 16);
    p[3] = static_cast<uint8_t>(v >> 24);
  }
  void flush();

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  TimestampPrecision precision_;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t used_ = 0;
  uint64_t records_ = 0;
  uint64_t flushed_ = 0;
  std::string error_;
};

}  // namespace flowlens::synth
