#include "capture/pcap_file_reader.h"

#include <cstdint>

#include "core/byte_reader.h"

namespace flowlens::capture {
namespace {

constexpr uint32_t kLinkTypeReservedMask = 0x03FF0000;  // bits 16-25 (pcap spec draft)
constexpr uintptr_t kReadAhead = 2048;                    // bytes prefetched ahead of a record

uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

std::string at(const std::string& path, uint64_t offset, const std::string& reason) {
  return path + ": byte offset " + std::to_string(offset) + ": " + reason;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

}  // namespace

bool PcapFileReader::matches(const uint8_t* first4) {
  const uint32_t m = load_le32(first4);
  return m == kMagicMicro || m == kMagicNano || bswap32(m) == kMagicMicro ||
         bswap32(m) == kMagicNano;
}

Result<std::unique_ptr<CaptureReader>> PcapFileReader::open(std::string path,
                                                            std::unique_ptr<ByteSource> source) {
  const uint8_t* h = source->peek(0, kFileHeaderSize, true);
  if (h == nullptr) {
    const uint64_t have = source->status() == ByteSource::Status::kEnd ? source->end_offset() : 0;
    return Error{at(path, have, "pcap file header cut short (" + std::to_string(have) +
                                    " of 24 bytes)"),
                 static_cast<int64_t>(have)};
  }
  const uint32_t magic_le = load_le32(h);
  auto reader = std::unique_ptr<PcapFileReader>(new PcapFileReader(path, std::move(source)));
  const bool big = !(magic_le == kMagicMicro || magic_le == kMagicNano);
  const uint32_t magic = big ? load_be32(h) : magic_le;
  if (magic != kMagicMicro && magic != kMagicNano) {
    return Error{at(path, 0, "not a pcap file (magic " + hex32(magic_le) + ")"), 0};
  }
  auto u16 = [&](size_t off) { return big ? load_be16(h + off) : load_le16(h + off); };
  auto u32 = [&](size_t off) { return big ? load_be32(h + off) : load_le32(h + off); };
  const uint16_t major = u16(4);
  const uint16_t minor = u16(6);
  if (major != 2) {
    return Error{at(path, 4, "pcap major version " + std::to_string(major) +
                                 " unsupported (version " + std::to_string(major) + "." +
                                 std::to_string(minor) + "; only 2.x exists)"),
                 4};
  }
  const uint32_t snaplen = u32(16);
  const uint32_t network = u32(20);
  if ((network & kLinkTypeReservedMask) != 0) {
    return Error{at(path, 20, "network type reserved field not zero (" +
                                  hex32(network & kLinkTypeReservedMask) + ")"),
                 20};
  }
  reader->big_endian_ = big;
  reader->frac_to_ns_ = magic == kMagicNano ? 1 : 1000;
  reader->swap_ = minor < 3    ? LengthSwap::kAlways
                  : minor == 3 ? LengthSwap::kWhenCaplenBigger
                               : LengthSwap::kNever;
  reader->link_type_ = network & 0xFFFF;
  CaptureInfo& info = reader->info_;
  info.format = std::string("pcap-") + (big ? "be" : "le") +
                (magic == kMagicNano ? "-nsec" : "-usec");
  if (minor != 4) {
    info.format += "-v2." + std::to_string(minor);
  }
  info.link_types.push_back({network & 0xFFFF, network >> 16});
  info.interface_count = 1;
  info.snaplen = snaplen;
  return std::unique_ptr<CaptureReader>(std::move(reader));
}

Status PcapFileReader::skip_to(uint64_t offset) {
  if (offset < kFileHeaderSize) {
    return Error{at(path_, offset, "resume offset is inside the 24-byte file header"),
                 static_cast<int64_t>(offset)};
  }
  // Records are not walked: a pcap record header carries no marker to check a
  // boundary against, and the checkpoint was written at one.
  pos_ = offset;
  return Status::Ok();
}

void PcapFileReader::fail(uint64_t offset, const std::string& reason) {
  error_ = Error{at(path_, offset, reason), static_cast<int64_t>(offset)};
  done_ = true;
}

size_t PcapFileReader::read_batch(std::span<PacketRecord> out) {
  if (done_ || out.empty()) {
    return 0;
  }
  return big_endian_ ? read_records<true>(out) : read_records<false>(out);
}

template <bool kBigEndian>
size_t PcapFileReader::read_records(std::span<PacketRecord> out) {
  auto u32 = [](const uint8_t* p) { return kBigEndian ? load_be32(p) : load_le32(p); };
  size_t n = 0;
  while (n < out.size()) {
    // Only the first record of a batch may slide a stream's buffer: the records
    // already in `out` point into it.
    const bool may_move = n == 0;
    const uint8_t* h = source_->peek(pos_, kRecordHeaderSize, may_move);
    if (h == nullptr) {
      const auto st = source_->status();
      if (st == ByteSource::Status::kBusy || st == ByteSource::Status::kPending) {
        break;
      }
      if (st == ByteSource::Status::kEnd && source_->end_offset() == pos_) {
        done_ = true;
      } else if (st == ByteSource::Status::kEnd) {
        fail(pos_, "file ends inside record header (" +
                       std::to_string(source_->end_offset() - pos_) + " of 16 bytes)");
      } else {
        fail(pos_, source_->io_error());
      }
      break;
    }
    // Request the records ~25 ahead: this loop runs faster than a DRAM miss, and the
    // hardware prefetcher stops at every 4 KiB page of the mapped file. A prefetch past
    // the end of the input is harmless (never faults), hence the integer arithmetic.
    __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(h) + kReadAhead), 0,
                       3);
    // Everything needed from the header is taken now: the record peek below may slide
    // a stream's buffer, after which `h` points at other bytes.
    const uint32_t sec = u32(h);
    const uint32_t frac = u32(h + 4);
    uint32_t caplen = u32(h + 8);
    uint32_t wire_len = u32(h + 12);
    if (swap_ == LengthSwap::kAlways ||
        (swap_ == LengthSwap::kWhenCaplenBigger && caplen > wire_len)) {
      std::swap(caplen, wire_len);
    }
    if (caplen > kMaxCaplen) [[unlikely]] {
      fail(pos_, "record caplen " + std::to_string(caplen) + " is larger than the maximum " +
                     std::to_string(kMaxCaplen));
      break;
    }
    // Header and data in one peek: a stream that slides keeps the bytes from pos_ on,
    // so a record that is not complete yet (follow mode) is retried from its header.
    const uint8_t* record = source_->peek(pos_, kRecordHeaderSize + caplen, may_move);
    if (record == nullptr) [[unlikely]] {
      const auto st = source_->status();
      if (st == ByteSource::Status::kBusy || st == ByteSource::Status::kPending) {
        break;
      }
      if (st == ByteSource::Status::kEnd) {
        fail(pos_, "file ends inside record data (caplen " + std::to_string(caplen) + ", " +
                       std::to_string(source_->end_offset() - pos_ - kRecordHeaderSize) +
                       " bytes left)");
      } else {
        fail(pos_, source_->io_error());
      }
      break;
    }
    PacketRecord& r = out[n++];
    r.data = record + kRecordHeaderSize;
    r.caplen = caplen;
    r.wire_len = wire_len;
    r.link_type = link_type_;
    r.interface_id = 0;
    r.file_offset = pos_;
    r.ts.sec = sec;
    r.ts.nsec = int64_t{frac} * frac_to_ns_;
    r.has_timestamp = true;
    pos_ += kRecordHeaderSize + caplen;
  }
  return n;
}

}  // namespace flowlens::capture
