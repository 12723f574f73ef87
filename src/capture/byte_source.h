#pragma once
// ByteSource: the bytes of one capture input, addressed by absolute file offset.
//
// Three backings, one non-virtual interface so the per-record fast path is an inlined
// bounds check:
//  - a regular file, mapped read-only with MADV_SEQUENTIAL (the whole file is one window);
//  - a copy of a memory buffer (fuzzing, tests);
//  - a stream (FIFO, pipe, stdin "-", or a file mmap refuses), read in large blocks into
//    a buffer that slides forward.
//
// Contract: peek(pos, n, may_move) returns a pointer to bytes [pos, pos+n) or nullptr.
// Pointers returned earlier stay valid until a call with may_move=true (only a stream
// ever moves its buffer). nullptr with status() == kEnd means the input ends before
// pos+n (end_offset() is then the input size); kBusy means the bytes exist only after
// sliding the buffer, which the caller did not allow; kIoError means read() failed;
// kPending (follow mode only) means the input has no more bytes *yet*: nothing is
// consumed and a later peek of the same position reads again.
// `pos` must never go backwards past the start of the current window (streams drop
// what lies before the oldest position asked for with may_move=true). A stream asked
// for a position beyond its window with may_move=true jumps there (lseek on files)
// instead of buffering the gap.
//
// Follow mode (set_follow(true), streams only): a read() that returns 0 is not the end,
// because the file may still be growing (DirectorySource follows files tcpdump is
// writing). set_follow(false) makes the next 0-byte read final again.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace flowlens::capture {

class ByteSource {
 public:
  enum class Status : uint8_t { kOk, kEnd, kBusy, kIoError, kPending };

  // Largest stretch a stream keeps in memory at once; peek() with a bigger n on a
  // stream fails with kIoError. Mapped files and buffers have no such limit.
  static constexpr size_t kMaxStreamWindow = 64u << 20;

  // "-" means standard input. Regular files are mapped; anything else is streamed.
  static Result<std::unique_ptr<ByteSource>> open_file(const std::string& path);
  static std::unique_ptr<ByteSource> from_bytes(std::span<const uint8_t> bytes);
  // Streams from an already open descriptor (tests use a pipe); takes ownership.
  static std::unique_ptr<ByteSource> from_fd(int fd, size_t block_size = kDefaultBlock);

  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  const uint8_t* peek(uint64_t pos, size_t n, bool may_move) {
    if (pos >= window_offset_ && pos + n <= window_end_) {
      return window_ + (pos - window_offset_);
    }
    return peek_slow(pos, n, may_move);
  }
  Status status() const { return status_; }
  // Total input size once known (always for files/buffers; for streams after EOF).
  bool end_known() const { return at_eof_; }
  uint64_t end_offset() const { return window_end_; }
  bool is_stream() const { return fd_ >= 0; }
  void set_follow(bool follow) { follow_ = follow; }
  const std::string& io_error() const { return io_error_; }

 private:
  static constexpr size_t kDefaultBlock = 1u << 20;
  ByteSource() = default;
  const uint8_t* peek_slow(uint64_t pos, size_t n, bool may_move);

  const uint8_t* window_ = nullptr;  // bytes of [window_offset_, window_end_)
  uint64_t window_offset_ = 0;
  uint64_t window_end_ = 0;
  Status status_ = Status::kOk;
  bool at_eof_ = false;
  bool follow_ = false;

  void* map_ = nullptr;  // mmap backing
  size_t map_size_ = 0;
  std::vector<uint8_t> owned_;  // buffer backing or stream buffer
  int fd_ = -1;                 // stream backing
  bool close_fd_ = false;
  size_t block_size_ = kDefaultBlock;
  std::string io_error_;
};

}  // namespace flowlens::capture
