#pragma once
// LibpcapFileReader: the CaptureReader interface on libpcap's own file reader
// (pcap_open_offline_with_tstamp_precision(NANO) + pcap_next_ex).
//
// Exists as an independent cross-check of the hand-written readers in tests and as
// the baseline of bench/capture_reader_benchmark.cc; not used by the commands.
// Differences from the hand-written readers, all libpcap's:
//  - `link_type` is libpcap's DLT value (LINKTYPE_RAW 101 reads as DLT_RAW 12 on Linux);
//  - pcapng files whose interfaces have different link types, or whose sections differ
//    in byte order, are refused or cut short (libpcap 1.10);
//  - records longer than the header's snaplen are cut to it;
//  - each record's bytes are copied into a per-batch buffer (pcap_next_ex reuses its
//    buffer), and error offsets are the stdio position after the failed read.

#include <pcap/pcap.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capture/capture_reader.h"

namespace flowlens::capture {

class LibpcapFileReader final : public CaptureReader {
 public:
  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);
  ~LibpcapFileReader() override;

  size_t read_batch(std::span<PacketRecord> out) override;
  const CaptureInfo& info() const override { return info_; }
  const std::optional<Error>& error() const override { return error_; }
  const std::string& path() const override { return path_; }
  uint64_t position() const override;

 private:
  LibpcapFileReader(std::string path, pcap_t* handle) : path_(std::move(path)), handle_(handle) {}

  std::string path_;
  pcap_t* handle_;
  CaptureInfo info_;
  std::optional<Error> error_;
  std::vector<uint8_t> arena_;  // copies of the current batch's packet bytes
  uint64_t records_ = 0;
  bool done_ = false;
};

}  // namespace flowlens::capture
