#include "capture/capture_reader.h"

#include <cstdio>

#include "capture/byte_source.h"
#include "capture/libpcap_file_reader.h"
#include "capture/pcap_file_reader.h"
#include "capture/pcapng_file_reader.h"
#include "core/byte_reader.h"

namespace flowlens::capture {
namespace {

Result<std::unique_ptr<CaptureReader>> open_source(const std::string& path,
                                                   std::unique_ptr<ByteSource> source) {
  const uint8_t* magic = source->peek(0, 4, true);
  if (magic == nullptr) {
    if (source->status() == ByteSource::Status::kIoError) {
      return Error{path + ": " + source->io_error(), 0};
    }
    return Error{path + ": byte offset 0: too short for a capture file (" +
                     std::to_string(source->end_offset()) + " bytes)",
                 0};
  }
  if (PcapFileReader::matches(magic)) {
    return PcapFileReader::open(path, std::move(source));
  }
  if (PcapngFileReader::matches(magic)) {
    return PcapngFileReader::open(path, std::move(source));
  }
  char hex[16];
  std::snprintf(hex, sizeof(hex), "0x%08x", load_be32(magic));
  return Error{path + ": byte offset 0: not a pcap or pcapng file (first bytes " + hex + ")", 0};
}

}  // namespace

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path) {
  return open(path, ReaderKind::kHandWritten);
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path,
                                                           ReaderKind kind) {
  if (kind == ReaderKind::kLibpcap) {
    return LibpcapFileReader::open(path);
  }
  auto source = ByteSource::open_file(path);
  if (!source.ok()) {
    return source.error();
  }
  return open_source(path, std::move(source).value());
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::open_buffer(
    const std::string& name, std::span<const uint8_t> bytes) {
  return open_source(name, ByteSource::from_bytes(bytes));
}

}  // namespace flowlens::capture
