#include "capture/followed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "capture/pcap_file_reader.h"
#include "capture/pcapng_file_reader.h"
#include "core/byte_reader.h"

namespace flowlens::capture {
namespace {

std::string at(const std::string& path, uint64_t offset, const std::string& reason) {
  return path + ": byte offset " + std::to_string(offset) + ": " + reason;
}

// A small stream buffer: a followed file is read as it arrives, and one file is open
// at a time, so 256 KiB blocks (1 MiB buffer) keep memory small without more syscalls
// than records justify.
constexpr size_t kBlockSize = 256u << 10;

}  // namespace

Result<std::unique_ptr<FollowedFile>> FollowedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return Error{path + ": cannot open: " + std::strerror(errno)};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Error{path + ": cannot stat: " + std::strerror(err)};
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{path + ": not a regular file"};
  }
  FileIdentity identity{path, static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  return std::unique_ptr<FollowedFile>(new FollowedFile(fd, std::move(identity)));
}

FollowedFile::~FollowedFile() {
  reader_.reset();
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

uint64_t FollowedFile::position() const {
  return reader_ ? reader_->position() : start_offset_;
}

uint64_t FollowedFile::size_now() const {
  struct stat st {};
  return ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

int64_t FollowedFile::mtime_ns_now() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    return 0;
  }
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

const CaptureInfo& FollowedFile::info() const {
  static const CaptureInfo kNone;
  return reader_ ? reader_->info() : kNone;
}

void FollowedFile::set_final() {
  final_ = true;
  if (source_ != nullptr) {
    source_->set_follow(false);
  }
}

FollowedFile::HeaderState FollowedFile::check_header() {
  uint8_t head[24];
  const ssize_t got = ::pread(fd_, head, sizeof(head), 0);
  if (got < 4) {
    return HeaderState::kIncomplete;
  }
  if (PcapFileReader::matches(head)) {
    return got < 24 ? HeaderState::kIncomplete : HeaderState::kPcap;
  }
  if (!PcapngFileReader::matches(head)) {
    return HeaderState::kUnknown;
  }
  if (got < 12) {
    return HeaderState::kIncomplete;
  }
  // The reader needs the whole first SHB at once; a bad byte-order magic or length is
  // left for it to report.
  const uint32_t bom = load_le32(head + 8);
  uint32_t total = 0;
  if (bom == PcapngFileReader::kByteOrderMagic) {
    total = load_le32(head + 4);
  } else if (__builtin_bswap32(bom) == PcapngFileReader::kByteOrderMagic) {
    total = load_be32(head + 4);
  } else {
    return HeaderState::kPcapng;
  }
  if (total > PcapngFileReader::kMaxBlockSize) {
    return HeaderState::kPcapng;
  }
  return size_now() < total ? HeaderState::kIncomplete : HeaderState::kPcapng;
}

bool FollowedFile::start_reader(HeaderState state) {
  const std::string& path = identity_.path;
  if (state == HeaderState::kIncomplete || state == HeaderState::kUnknown) {
    uint8_t head[4] = {};
    const ssize_t got = ::pread(fd_, head, sizeof(head), 0);
    if (got < 4) {
      fail(Error{at(path, 0, "too short for a capture file (" +
                                 std::to_string(got < 0 ? 0 : got) + " bytes)"),
                 0});
      return false;
    }
    if (state == HeaderState::kUnknown) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), "0x%08x", load_be32(head));
      fail(Error{at(path, 0, std::string("not a pcap or pcapng file (first bytes ") + hex + ")"),
                 0});
      return false;
    }
    // A known magic with a cut header: the reader names what is missing.
    state = PcapFileReader::matches(head) ? HeaderState::kPcap : HeaderState::kPcapng;
  }
  const int dup_fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) {
    fail(Error{path + ": cannot duplicate descriptor: " + std::strerror(errno)});
    return false;
  }
  auto source = ByteSource::from_fd(dup_fd, kBlockSize);
  source->set_follow(!final_);
  ByteSource* raw_source = source.get();
  auto reader = state == HeaderState::kPcap ? PcapFileReader::open(path, std::move(source))
                                            : PcapngFileReader::open(path, std::move(source));
  if (!reader.ok()) {
    fail(reader.error());
    return false;
  }
  if (start_offset_ > 0) {
    const uint64_t size = size_now();
    if (start_offset_ > size) {
      fail(Error{at(path, start_offset_, "resume offset is beyond the file's " +
                                             std::to_string(size) +
                                             " bytes (file replaced or rewritten in place?)"),
                 static_cast<int64_t>(start_offset_)});
      return false;
    }
    // Which reader open() made is known from the magic above.
    Status skipped = state == HeaderState::kPcap
                         ? static_cast<PcapFileReader&>(*reader.value()).skip_to(start_offset_)
                         : static_cast<PcapngFileReader&>(*reader.value()).skip_to(start_offset_);
    if (!skipped.ok()) {
      fail(skipped.error());
      return false;
    }
  }
  reader_ = std::move(reader).value();
  source_ = raw_source;
  return true;
}

FollowedFile::ReadResult FollowedFile::fail(Error error) {
  error_ = std::move(error);
  done_ = true;
  return {Progress::kFailed, 0};
}

FollowedFile::ReadResult FollowedFile::read(std::span<PacketRecord> out) {
  if (done_) {
    return {error_ ? Progress::kFailed : Progress::kFinished, 0};
  }
  if (!reader_) {
    const HeaderState state = check_header();
    if (state == HeaderState::kIncomplete && !final_) {
      return {Progress::kWaiting, 0};
    }
    if (!start_reader(state)) {
      return {Progress::kFailed, 0};
    }
    return {Progress::kStarted, 0};
  }
  const size_t n = reader_->read_batch(out);
  if (n > 0) {
    return {Progress::kRecords, n};
  }
  if (reader_->error()) {
    return fail(*reader_->error());
  }
  if (source_->status() == ByteSource::Status::kPending) {
    return {Progress::kWaiting, 0};
  }
  const uint64_t size = size_now();
  if (size < reader_->position()) {
    // Truncated under us (rewritten in place): what we returned may not be what the
    // file now holds.
    return fail(Error{at(identity_.path, size, "file shrank to " + std::to_string(size) +
                                                   " bytes while being read (read up to " +
                                                   std::to_string(reader_->position()) + ")"),
                      static_cast<int64_t>(size)});
  }
  done_ = true;
  return {Progress::kFinished, 0};
}

}  // namespace flowlens::capture
