#include "synth/pcap_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace flowlens::synth {
namespace {

constexpr uint32_t kMagicMicro = 0xA1B2C3D4;
constexpr uint32_t kMagicNano = 0xA1B23C4D;
constexpr uint32_t kLinktypeEthernet = 1;

}  // namespace

Result<PcapFileWriter> PcapFileWriter::open(const std::string& path,
                                            TimestampPrecision precision) {
  int fd = 1;
  bool owns = false;
  if (path != "-") {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Error{"cannot create " + path + ": " + std::strerror(errno)};
    }
    owns = true;
  }
  PcapFileWriter writer(fd, owns, path, precision);
  uint8_t* header = writer.buffer_.get();
  store_le32(header, precision == TimestampPrecision::kNano ? kMagicNano : kMagicMicro);
  header[4] = 2;  // version 2.4
  header[5] = 0;
  header[6] = 4;
  header[7] = 0;
  store_le32(header + 8, 0);   // thiszone
  store_le32(header + 12, 0);  // sigfigs
  store_le32(header + 16, kSnaplen);
  store_le32(header + 20, kLinktypeEthernet);
  writer.used_ = 24;
  return writer;
}

PcapFileWriter::PcapFileWriter(int fd, bool owns_fd, std::string path,
                               TimestampPrecision precision)
    : fd_(fd),
      owns_fd_(owns_fd),
      path_(std::move(path)),
      precision_(precision),
      buffer_(std::make_unique_for_overwrite<uint8_t[]>(kBufferBytes)) {}

PcapFileWriter::PcapFileWriter(PcapFileWriter&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      owns_fd_(std::exchange(other.owns_fd_, false)),
      path_(std::move(other.path_)),
      precision_(other.precision_),
      buffer_(std::move(other.buffer_)),
      used_(std::exchange(other.used_, 0)),
      records_(other.records_),
      flushed_(other.flushed_),
      error_(std::move(other.error_)) {}

PcapFileWriter::~PcapFileWriter() {
  if (fd_ >= 0) {
    (void)close();
  }
}

void PcapFileWriter::flush() {
  const uint8_t* p = buffer_.get();
  size_t left = used_;
  used_ = 0;
  if (!error_.empty()) {
    return;
  }
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      error_ = "cannot write " + path_ + ": " + std::strerror(errno);
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
    flushed_ += static_cast<uint64_t>(n);
  }
}

Status PcapFileWriter::close() {
  if (fd_ < 0) {
    return ok() ? Status::Ok() : Status(Error{error_});
  }
  flush();
  if (owns_fd_ && ::close(fd_) != 0 && error_.empty()) {
    error_ = "cannot close " + path_ + ": " + std::strerror(errno);
  }
  fd_ = -1;
  return ok() ? Status::Ok() : Status(Error{error_});
}

}  // namespace flowlens::synth
