#include "capture/libpcap_file_reader.h"

#include <cstdio>
#include <cstring>

namespace flowlens::capture {

Result<std::unique_ptr<CaptureReader>> LibpcapFileReader::open(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (handle == nullptr) {
    return Error{path + ": libpcap: " + errbuf, 0};
  }
  auto reader = std::unique_ptr<LibpcapFileReader>(new LibpcapFileReader(path, handle));
  const int dlt = pcap_datalink(handle);
  reader->info_.format = "libpcap";
  reader->info_.link_types.push_back({static_cast<uint32_t>(dlt), 0});
  reader->info_.interface_count = 1;
  reader->info_.snaplen = static_cast<uint32_t>(pcap_snapshot(handle));
  // Reserve the worst case of a typical batch once so batches do not reallocate.
  reader->arena_.reserve(size_t{256} * 2048);
  return std::unique_ptr<CaptureReader>(std::move(reader));
}

LibpcapFileReader::~LibpcapFileReader() { pcap_close(handle_); }

uint64_t LibpcapFileReader::position() const {
  FILE* f = pcap_file(handle_);
  if (f == nullptr) {
    return 0;
  }
  const long pos = std::ftell(f);
  return pos < 0 ? 0 : static_cast<uint64_t>(pos);
}

size_t LibpcapFileReader::read_batch(std::span<PacketRecord> out) {
  if (done_) {
    return 0;
  }
  arena_.clear();
  // Bytes are copied first and pointers set at the end: the arena may grow and move.
  size_t n = 0;
  const int dlt = pcap_datalink(handle_);
  while (n < out.size()) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) {
      done_ = true;
      break;
    }
    if (rc != 1) {
      const uint64_t pos = position();
      error_ = Error{path_ + ": byte offset " + std::to_string(pos) + ": libpcap: " +
                         pcap_geterr(handle_),
                     static_cast<int64_t>(pos)};
      done_ = true;
      break;
    }
    PacketRecord& r = out[n++];
    r.data = nullptr;
    r.file_offset = arena_.size();  // patched below
    arena_.insert(arena_.end(), data, data + hdr->caplen);
    r.caplen = hdr->caplen;
    r.wire_len = hdr->len;
    r.link_type = static_cast<uint32_t>(dlt);
    r.interface_id = 0;
    r.ts.sec = hdr->ts.tv_sec;
    r.ts.nsec = hdr->ts.tv_usec;  // ns: opened with PCAP_TSTAMP_PRECISION_NANO
    r.has_timestamp = true;
    ++records_;
  }
  for (size_t i = 0; i < n; ++i) {
    out[i].data = arena_.data() + out[i].file_offset;
    out[i].file_offset = 0;  // libpcap does not tell where a record starts
  }
  return n;
}

}  // namespace flowlens::capture
