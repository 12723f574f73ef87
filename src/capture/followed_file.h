#pragma once
// FollowedFile: one capture file that may still be growing, read with read() (never
// mmap: a file truncated under us must not SIGBUS) from a start offset. DirectorySource
// owns one at a time and decides when the file's end is final; this class only reads.
//
// Contract:
//  - open() opens the path read-only without blocking (a FIFO matching the pattern must
//    not hang the source) and accepts regular files only. Errors name the path.
//  - read() returns kWaiting while the header (pcap: 24 bytes; pcapng: the whole first
//    section header block) or the next record is incomplete and the end is not final;
//    kStarted once, when the reader is open and positioned at the start offset; then
//    kRecords with n > 0 records, which stay valid until the next read().
//  - set_final(): no more bytes will come (rotation, close, idle timeout, once mode).
//    From then on an incomplete header or record is damage (kFailed), and a clean end
//    of the records is kFinished.
//  - kFailed carries error(): "PATH: byte offset N: reason" (not a capture, damage,
//    resume offset beyond the file or not at a boundary, file shrank). position() is
//    then the last good record boundary.
//  - Not thread-safe.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "capture/byte_source.h"
#include "capture/capture_reader.h"
#include "capture/directory_source.h"
#include "core/result.h"

namespace flowlens::capture {

class FollowedFile {
 public:
  enum class Progress : uint8_t { kWaiting, kStarted, kRecords, kFinished, kFailed };
  struct ReadResult {
    Progress progress = Progress::kWaiting;
    size_t count = 0;
  };

  static Result<std::unique_ptr<FollowedFile>> open(const std::string& path);
  ~FollowedFile();
  FollowedFile(const FollowedFile&) = delete;
  FollowedFile& operator=(const FollowedFile&) = delete;

  // Where reading starts (a checkpoint; default 0); only before the first read().
  void start_at(uint64_t offset) { start_offset_ = offset; }
  ReadResult read(std::span<PacketRecord> out);
  void set_final();
  bool is_final() const { return final_; }

  const FileIdentity& identity() const { return identity_; }
  // Where reading starts (the checkpoint).
  uint64_t start_offset() const { return start_offset_; }
  // Offset just past the last record (or block) consumed; start_offset() before start.
  uint64_t position() const;
  // Current size and mtime from fstat (0 if fstat fails).
  uint64_t size_now() const;
  int64_t mtime_ns_now() const;
  bool started() const { return reader_ != nullptr; }
  const CaptureInfo& info() const;
  const std::optional<Error>& error() const { return error_; }

 private:
  FollowedFile(int fd, FileIdentity identity) : fd_(fd), identity_(std::move(identity)) {}
  enum class HeaderState : uint8_t { kIncomplete, kPcap, kPcapng, kUnknown };
  // Looks at the first bytes with pread (the stream's own offset is not moved).
  HeaderState check_header();
  // Opens the reader once the header is complete; false on failure (error_ set).
  bool start_reader(HeaderState state);
  ReadResult fail(Error error);

  int fd_ = -1;  // for pread/fstat; the ByteSource reads a dup of it
  FileIdentity identity_;
  uint64_t start_offset_ = 0;
  bool final_ = false;
  bool done_ = false;
  std::unique_ptr<CaptureReader> reader_;
  ByteSource* source_ = nullptr;  // owned by reader_
  std::optional<Error> error_;
};

}  // namespace flowlens::capture
