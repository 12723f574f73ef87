#include "capture/byte_source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flowlens::capture {

Result<std::unique_ptr<ByteSource>> ByteSource::open_file(const std::string& path) {
  if (path == "-") {
    auto src = std::unique_ptr<ByteSource>(new ByteSource());
    src->fd_ = STDIN_FILENO;
    src->owned_.resize(4 * kDefaultBlock);
    src->window_ = src->owned_.data();
    return src;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{path + ": cannot open: " + std::strerror(errno)};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{path + ": cannot stat: " + std::strerror(err)};
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Error{path + ": is a directory"};
  }
  if (S_ISREG(st.st_mode)) {
    auto src = std::unique_ptr<ByteSource>(new ByteSource());
    const auto size = static_cast<size_t>(st.st_size);
    if (size == 0) {
      ::close(fd);
      src->at_eof_ = true;
      return src;
    }
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
      // Sequential advice doubles read-ahead and drops pages behind us: the reader
      // touches every byte once, front to back.
      ::madvise(map, size, MADV_SEQUENTIAL);
      ::close(fd);
      src->map_ = map;
      src->map_size_ = size;
      src->window_ = static_cast<const uint8_t*>(map);
      src->window_end_ = size;
      src->at_eof_ = true;
      return src;
    }
    // Some file systems refuse mmap; the stream path below reads them instead.
  }
  return from_fd(fd);
}

std::unique_ptr<ByteSource> ByteSource::from_bytes(std::span<const uint8_t> bytes) {
  auto src = std::unique_ptr<ByteSource>(new ByteSource());
  src->owned_.assign(bytes.begin(), bytes.end());
  src->window_ = src->owned_.data();
  src->window_end_ = src->owned_.size();
  src->at_eof_ = true;
  return src;
}

std::unique_ptr<ByteSource> ByteSource::from_fd(int fd, size_t block_size) {
  auto src = std::unique_ptr<ByteSource>(new ByteSource());
  src->fd_ = fd;
  src->close_fd_ = true;
  src->block_size_ = block_size == 0 ? kDefaultBlock : block_size;
  src->owned_.resize(4 * src->block_size_);
  src->window_ = src->owned_.data();
  return src;
}

ByteSource::~ByteSource() {
  if (map_ != nullptr) {
    ::munmap(map_, map_size_);
  }
  if (close_fd_ && fd_ >= 0) {
    ::close(fd_);
  }
}

const uint8_t* ByteSource::peek_slow(uint64_t pos, size_t n, bool may_move) {
  status_ = Status::kOk;
  if (pos < window_offset_ || fd_ < 0) {
    status_ = Status::kEnd;
    return nullptr;
  }
  if (n > kMaxStreamWindow) {
    status_ = Status::kIoError;
    io_error_ = "record of " + std::to_string(n) + " bytes is larger than the stream buffer";
    return nullptr;
  }
  if (at_eof_) {
    status_ = Status::kEnd;
    return nullptr;
  }
  const uint64_t need_end = pos + n;
  if (pos > window_end_ && may_move) {
    // A jump forward (resuming at a checkpoint, skipping a block): seek instead of
    // reading the gap into the buffer. Pipes cannot seek; they read through below.
    const auto target = static_cast<off_t>(pos);
    if (static_cast<uint64_t>(target) == pos && ::lseek(fd_, target, SEEK_SET) == target) {
      window_offset_ = pos;
      window_end_ = pos;
    }
  }
  if (need_end - window_offset_ > owned_.size()) {
    // The record does not fit behind the bytes still referenced: slide (or grow)
    // the buffer, which invalidates pointers handed out before.
    if (!may_move) {
      status_ = Status::kBusy;
      return nullptr;
    }
    const uint64_t keep_from = pos < window_end_ ? pos : window_end_;
    const size_t keep = static_cast<size_t>(window_end_ - keep_from);
    if (keep > 0) {
      std::memmove(owned_.data(), owned_.data() + (keep_from - window_offset_), keep);
    }
    window_offset_ = keep_from;
    if (need_end - window_offset_ > owned_.size()) {
      owned_.resize(static_cast<size_t>(need_end - window_offset_) + block_size_);
    }
    window_ = owned_.data();
  }
  // Read in large blocks, but stop as soon as the request is satisfied so a live
  // FIFO is not waited on for data nobody asked for yet.
  while (window_end_ < need_end) {
    uint8_t* dst = owned_.data() + (window_end_ - window_offset_);
    const size_t room = owned_.size() - static_cast<size_t>(window_end_ - window_offset_);
    if (room == 0) {
      break;
    }
    const ssize_t got = ::read(fd_, dst, room);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      status_ = Status::kIoError;
      io_error_ = std::string("read failed: ") + std::strerror(errno);
      return nullptr;
    }
    if (got == 0) {
      if (follow_) {
        status_ = Status::kPending;
        return nullptr;
      }
      at_eof_ = true;
      break;
    }
    window_end_ += static_cast<uint64_t>(got);
  }
  if (window_end_ < need_end) {
    status_ = at_eof_ ? Status::kEnd : Status::kIoError;
    return nullptr;
  }
  return window_ + (pos - window_offset_);
}

}  // namespace flowlens::capture
